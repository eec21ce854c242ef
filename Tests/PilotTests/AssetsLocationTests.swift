import Foundation
import XCTest
@testable import Pilot

/// Where `Assets.locate` finds the shipped assets: the order users rely on when the binary is
/// installed, linked from PATH, run from a checkout, or pointed elsewhere with SHIFTLENS_ASSETS.
final class AssetsLocationTests: XCTestCase {
    func makeAssets(_ scratch: ScratchFolder, at relativePath: String) throws -> URL {
        try scratch.write(relativePath + "/imagenet/classnames.txt", "tench\n")
        return scratch.url.appendingPathComponent(relativePath).standardizedFileURL
    }

    func testInstallLayoutIsFoundFromTheExecutable() throws {
        let scratch = try ScratchFolder()
        let assetsFolder = try makeAssets(scratch, at: "prefix/share/shiftlens/assets")
        let executable = scratch.url.appendingPathComponent("prefix/bin/shiftlens")
        let found = try Assets.locate(environment: [:], executable: executable, currentDirectory: URL(fileURLWithPath: "/"))
        XCTAssertEqual(found.root.path, assetsFolder.path)
        XCTAssertEqual(found.templates.path, scratch.url.appendingPathComponent("prefix/share/shiftlens/templates").standardizedFileURL.path)
    }

    func testCheckoutIsFoundAboveTheBuildFolder() throws {
        let scratch = try ScratchFolder()
        let assetsFolder = try makeAssets(scratch, at: "checkout/assets")
        let executable = scratch.url.appendingPathComponent("checkout/.build/x86_64-unknown-linux-gnu/release/shiftlens")
        let found = try Assets.locate(environment: [:], executable: executable, currentDirectory: URL(fileURLWithPath: "/"))
        XCTAssertEqual(found.root.path, assetsFolder.path)
    }

    func testEnvironmentComesFirstAndMustNameAnAssetsFolder() throws {
        let scratch = try ScratchFolder()
        let installed = try makeAssets(scratch, at: "prefix/share/shiftlens/assets")
        let elsewhere = try makeAssets(scratch, at: "elsewhere/assets")
        let executable = scratch.url.appendingPathComponent("prefix/bin/shiftlens")
        let found = try Assets.locate(environment: ["SHIFTLENS_ASSETS": elsewhere.path], executable: executable,
                                      currentDirectory: URL(fileURLWithPath: "/"))
        XCTAssertEqual(found.root.path, elsewhere.path)
        XCTAssertNotEqual(found.root.path, installed.path)
        // A typo in SHIFTLENS_ASSETS is reported, not silently replaced by another folder.
        XCTAssertThrowsError(try Assets.locate(environment: ["SHIFTLENS_ASSETS": scratch.url.appendingPathComponent("nope").path],
                                               executable: executable, currentDirectory: URL(fileURLWithPath: "/"))) { error in
            XCTAssertTrue("\(error)".contains("is not a shiftlens assets folder"), "\(error)")
        }
    }

    func testCurrentDirectoryIsTheLastResortAndFailureSaysWhere() throws {
        let scratch = try ScratchFolder()
        let assetsFolder = try makeAssets(scratch, at: "work/assets")
        let elsewhere = scratch.url.appendingPathComponent("bin/shiftlens")
        let found = try Assets.locate(environment: [:], executable: elsewhere, currentDirectory: scratch.url.appendingPathComponent("work/sub"))
        XCTAssertEqual(found.root.path, assetsFolder.path)
        XCTAssertThrowsError(try Assets.locate(environment: [:], executable: elsewhere, currentDirectory: scratch.url.appendingPathComponent("bin"))) { error in
            XCTAssertTrue("\(error)".contains(scratch.url.appendingPathComponent("share/shiftlens/assets").standardizedFileURL.path), "\(error)")
        }
    }

    func testExecutablePathIsTheRealFile() throws {
        let executable = try XCTUnwrap(Assets.executableURL())
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: executable.path), executable.path)
        XCTAssertEqual(executable.resolvingSymlinksInPath().path, executable.path)
    }
}
