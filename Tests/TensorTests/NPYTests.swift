import XCTest
@testable import Tensor

final class NPYTests: XCTestCase {
    /// numpy.save(f, np.arange(6, dtype=np.float32).reshape(2, 3)) writes exactly this header.
    func testHeaderMatchesNumpy() {
        let bytes = NPY.encode(float32: [0, 1, 2, 3, 4, 5], shape: [2, 3])
        let header = String(decoding: bytes[10..<128], as: UTF8.self)
        XCTAssertEqual(Array(bytes[0..<10]), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 118, 0])
        XCTAssertEqual(header, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + String(repeating: " ", count: 58) + "\n")
        XCTAssertEqual(bytes.count, 128 + 24)
    }

    func testRoundTripsShapesAndDtypes() throws {
        for shape in [[], [0], [1], [7], [3, 224, 224], [2, 1, 5]] {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { Float($0) * 0.5 - 3 }
            let decoded = try NPY.decode(NPY.encode(float32: values, shape: shape))
            XCTAssertEqual(decoded.shape, shape)
            XCTAssertEqual(decoded.dtype, .float32)
            XCTAssertEqual(decoded.floats(), values)
        }
        let image = try NPY.decode(NPY.encode(uint8: [1, 2, 3, 250, 251, 252], shape: [1, 2, 3]))
        XCTAssertEqual(image.dtype, .uint8)
        XCTAssertEqual(image.payload, [1, 2, 3, 250, 251, 252])
    }

    func testRejectsTruncatedAndForeignFiles() {
        let bytes = NPY.encode(float32: [1, 2, 3, 4], shape: [4])
        XCTAssertThrowsError(try NPY.decode(Array(bytes.dropLast(1))))
        XCTAssertThrowsError(try NPY.decode(Array("hello world, not numpy".utf8)))
        XCTAssertThrowsError(try NPY.decode(Array(bytes.prefix(40))))
        XCTAssertThrowsError(try NPY.decode(bytes + [0])) { error in
            XCTAssertEqual(error as? NPY.Error, .corrupt("1 bytes after the 16-byte payload of shape [4]"))
        }
    }
}
