@testable import Support
import XCTest

final class CSVTests: XCTestCase {
    func testCSVParserHandlesQuotesAndLineEndings() {
        XCTAssertEqual(CSV.parse("a,b\r\n\"c,\"\"d\"\"\",e\n\n"), [["a", "b"], ["c,\"d\"", "e"]])
        XCTAssertEqual(CSV.parse("\u{FEFF}path,label\r\nx.png,cat\r\n"), [["path", "label"], ["x.png", "cat"]])
        XCTAssertEqual(CSV.line(["plain", "with,comma", "with \"quote\""]), "plain,\"with,comma\",\"with \"\"quote\"\"\"")
    }
}
