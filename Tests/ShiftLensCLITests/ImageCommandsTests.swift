@testable import CLIP
import Foundation
@testable import ImageCodec
@testable import Tensor
import XCTest
@testable import ShiftLensCLI
@testable import Support

/// `shiftlens decode` and `shiftlens preprocess`: files numpy reads, errors that name the file.
final class ImageCommandsTests: XCTestCase {
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return url
    }()

    static let images = packageRoot.appendingPathComponent("../shared/data/images").standardizedFileURL
    let jpeg = images.appendingPathComponent("imagenet-sample-200/n01440764_tench.JPEG").path
    let png = images.appendingPathComponent("pngsuite-subset/basn0g16.png").path  // "I;16", saturates

    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-images-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(arguments, console: captured.console)
        return (code, captured.out, captured.err)
    }

    func testDecodeWritesPillowRGBAsNPYAndPPM() throws {
        let expected = try ImageFile.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: jpeg)))).convertedToRGB()
        // Pillow's np.asarray(Image.open(tench).convert("RGB")), hashed by Tests/CLIPTests/Fixtures/preprocessing/make_fixtures.py.
        XCTAssertEqual(SHA256.hex(expected.pixels), "a0d0bb4d86c3953a8f27b39d488a272e6766a68c616b034d56121b4d930580bd")

        let npy = folder.appendingPathComponent("tench.npy").path
        let result = run(["decode", jpeg, "--out", npy])
        XCTAssertEqual(result.code, 0, result.err)
        let array = try NPY.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: npy))))
        XCTAssertEqual(array.dtype, .uint8)
        XCTAssertEqual(array.shape, [expected.height, expected.width, 3])
        XCTAssertEqual(array.payload, expected.pixels)

        let ppm = folder.appendingPathComponent("tench.ppm").path
        XCTAssertEqual(run(["decode", jpeg, "--out", ppm]).code, 0)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ppm)))
        let header = Array("P6\n\(expected.width) \(expected.height)\n255\n".utf8)
        XCTAssertEqual(Array(bytes.prefix(header.count)), header)
        XCTAssertEqual(Array(bytes.dropFirst(header.count)), expected.pixels)
    }

    func testDecodeWarnsAboutSixteenBitSaturation() {
        let result = run(["decode", png, "--out", folder.appendingPathComponent("g16.npy").path])
        XCTAssertEqual(result.code, 0, result.err)
        XCTAssertTrue(result.err.contains("warning: \(png)"), result.err)
        XCTAssertTrue(result.err.contains("saturated"), result.err)
    }

    func testPreprocessStacksImagesLikeTheLibrary() throws {
        let out = folder.appendingPathComponent("batch.npy").path
        let result = run(["preprocess", jpeg, png, "--size", "32", "--mean", "0.5,0.5,0.5", "--std", "0.25, 0.5, 1", "--out", out])
        XCTAssertEqual(result.code, 0, result.err)
        let array = try NPY.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: out))))
        XCTAssertEqual(array.dtype, .float32)
        XCTAssertEqual(array.shape, [2, 3, 32, 32])
        let config = PreprocessConfig(imageSize: 32, mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 1])
        var expected: [Float] = []
        for path in [jpeg, png] {
            let image = try ImageFile.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
            expected += Preprocessor.preprocess(image, config: config).scalars
        }
        XCTAssertEqual(array.floats(), expected)
        // Default recipe: (N, 3, 224, 224).
        XCTAssertEqual(run(["preprocess", jpeg, "--out", out]).code, 0)
        XCTAssertEqual(try NPY.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: out)))).shape, [1, 3, 224, 224])
    }

    func testBadFilesFailWithTheirPathAndAHint() throws {
        let broken = folder.appendingPathComponent("broken.jpg")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: jpeg)))
        try Data(bytes.prefix(300)).write(to: broken)
        let notImage = folder.appendingPathComponent("notes.png")
        try Data("hello".utf8).write(to: notImage)
        for (path, code) in [(broken.path, "[truncated]"), (notImage.path, "[unknown_format]"), (folder.appendingPathComponent("missing.jpg").path, "cannot read")] {
            let result = run(["preprocess", jpeg, path, "--out", folder.appendingPathComponent("x.npy").path])
            XCTAssertEqual(result.code, 1, path)
            XCTAssertTrue(result.err.contains("error: decode \(path): "), result.err)
            XCTAssertTrue(result.err.contains("hint: "), result.err)
            XCTAssertTrue(result.err.contains(code), result.err)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.npy").path), "no partial output")
        XCTAssertEqual(run(["decode", broken.path, "--out", folder.appendingPathComponent("y.ppm").path]).code, 1)
    }

    func testUsageErrorsExitTwo() {
        let out = folder.appendingPathComponent("z.npy").path
        XCTAssertEqual(run(["decode", jpeg]).code, 2)
        XCTAssertEqual(run(["decode", jpeg, "--out", folder.appendingPathComponent("z.png").path]).code, 2)
        XCTAssertEqual(run(["decode", "--out", out]).code, 2)
        XCTAssertEqual(run(["preprocess", "--out", out]).code, 2)
        XCTAssertEqual(run(["preprocess", jpeg, "--size", "0", "--out", out]).code, 2)
        XCTAssertEqual(run(["preprocess", jpeg, "--mean", "1,2", "--out", out]).code, 2)
        XCTAssertEqual(run(["preprocess", jpeg, "--std", "1,0,1", "--out", out]).code, 2)
        XCTAssertEqual(run(["preprocess", jpeg, "--bench", "--out", out]).code, 2)
    }

    func testBenchPrintsMinMedianMax() {
        let result = run(["preprocess", jpeg, png, "--bench", "--repeats", "3", "--size", "32"])
        XCTAssertEqual(result.code, 0, result.err)
        XCTAssertTrue(result.out.contains("2 images × 3 repeats"), result.out)
        let line = result.out.split(separator: "\n").first { $0.hasPrefix("images/s min ") }
        let numbers = line.map { $0.split(separator: " ").compactMap { Double($0) } } ?? []
        XCTAssertEqual(numbers.count, 3, result.out)
        if numbers.count == 3 { XCTAssertTrue(numbers[0] > 0 && numbers[0] <= numbers[1] && numbers[1] <= numbers[2]) }
    }
}
