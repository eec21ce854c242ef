import Foundation
import XCTest
@testable import Pilot

extension PilotSpecTests {
    /// A model entry's `"precision"`: absent (fp32 by default), "fp32" or "bf16"; anything else
    /// is an error naming the key.
    func testModelPrecisionIsFP32OrBF16() throws {
        let scratch = try scratchWithFiles()
        let entry = #"{"name": "tiny", "weights": "model.safetensors"}"#
        func spec(precision: String) -> String {
            minimalSpec().replacingOccurrences(of: entry, with: #"{"name": "tiny", "weights": "model.safetensors", "precision": \#(precision)}"#)
        }
        XCTAssertNil(try scratch.spec(minimalSpec()).models[0].precision)
        XCTAssertEqual(try scratch.spec(spec(precision: #""fp32""#)).models[0].precision, "fp32")
        XCTAssertEqual(try scratch.spec(spec(precision: #""bf16""#)).models[0].precision, "bf16")
        for value in [#""int8""#, #""BF16""#, "16"] {
            XCTAssertThrowsError(try scratch.spec(spec(precision: value)), value) { error in
                XCTAssertTrue("\(error)".contains("models[0].precision"), "\(error)")
            }
        }
    }
}
