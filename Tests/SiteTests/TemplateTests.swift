import XCTest
@testable import Site

final class TemplateTests: XCTestCase {
    func render(_ source: String, _ context: TemplateValue, partials: [String: String] = [:], name: String = "page.html") throws -> String {
        let set = TemplateSet(templates: try partials.map { try Template(name: "partials/\($0.key).html", source: $0.value) })
        return try Template(name: name, source: source).render(context, partials: set)
    }

    func assertTemplateError(_ source: String, _ context: TemplateValue, partials: [String: String] = [:], file expectedFile: String = "page.html",
                             line expectedLine: Int, containing text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try render(source, context, partials: partials), file: file, line: line) { error in
            guard case SiteError.template(let templateFile, let templateLine, let message) = error else {
                return XCTFail("expected a template error, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(templateFile, expectedFile, file: file, line: line)
            XCTAssertEqual(templateLine, expectedLine, file: file, line: line)
            XCTAssertTrue(message.contains(text), "'\(message)' does not mention '\(text)'", file: file, line: line)
        }
    }

    func testVariablesAreEscapedAndDottedPathsResolve() throws {
        let context: TemplateValue = ["title": "Fish & <Chips> \"quoted\" 'single'", "run": ["model": ["name": "ViT-B/32"]], "n": .number("1,024")]
        XCTAssertEqual(try render("<h1 title=\"{{title}}\">{{title}}</h1> {{run.model.name}} {{n}}", context),
                       "<h1 title=\"Fish &amp; &lt;Chips&gt; &quot;quoted&quot; &#39;single&#39;\">Fish &amp; &lt;Chips&gt; &quot;quoted&quot; &#39;single&#39;</h1> ViT-B/32 1,024")
    }

    func testRawHTMLOnlyForRawValuesAndOnlyWhenAskedFor() throws {
        XCTAssertEqual(try render("<div>{{& svg}}</div>", ["svg": .raw(RawHTML("<svg><title>t</title></svg>"))]), "<div><svg><title>t</title></svg></div>")
        assertTemplateError("a\n{{& name}}", ["name": "<b>"], line: 2, containing: "needs raw HTML")
        assertTemplateError("{{svg}}", ["svg": .raw(RawHTML("<svg/>"))], line: 1, containing: "write {{& svg}}")
        assertTemplateError("{{{svg}}}", ["svg": .raw(RawHTML("<svg/>"))], line: 1, containing: "{{& name}}")
    }

    func testEachWithPositionFlagsAndElse() throws {
        let source = "{{#each items}}{{@number}}:{{name}}{{#if @first}}(first){{/if}}{{#unless @last}}, {{/unless}}{{else}}none{{/each}}"
        XCTAssertEqual(try render(source, ["items": [["name": "a"], ["name": "b"], ["name": "c"]]]), "1:a(first), 2:b, 3:c")
        XCTAssertEqual(try render(source, ["items": []]), "none")
        XCTAssertEqual(try render("{{#each xs}}[{{.}}|{{@index}}]{{/each}}", ["xs": ["p", "q"]]), "[p|0][q|1]")
    }

    func testInnerScopesShadowOuterAndFallBackToThem() throws {
        let context: TemplateValue = ["name": "outer", "site": "S", "items": [["name": "inner"]]]
        XCTAssertEqual(try render("{{#each items}}{{name}}/{{site}}{{/each}} {{name}}", context), "inner/S outer")
    }

    func testConditionalsFollowTruthiness() throws {
        let source = "{{#if x}}yes{{else}}no{{/if}}"
        XCTAssertEqual(try render(source, ["x": true]), "yes")
        XCTAssertEqual(try render(source, ["x": false]), "no")
        XCTAssertEqual(try render(source, ["x": ""]), "no")
        XCTAssertEqual(try render(source, ["x": "0"]), "yes")
        XCTAssertEqual(try render(source, ["x": []]), "no")
        XCTAssertEqual(try render(source, ["x": ["a"]]), "yes")
        XCTAssertEqual(try render("{{#unless x}}hidden{{/unless}}", ["x": false]), "hidden")
    }

    func testWithAndPartialsUseTheCurrentScope() throws {
        let partials = ["badge": "<b class=\"{{status}}\">{{label}}</b>"]
        XCTAssertEqual(try render("{{#with verdict}}{{> badge}}{{/with}}", ["verdict": ["status": "pass", "label": "Pass & go"]], partials: partials),
                       "<b class=\"pass\">Pass &amp; go</b>")
    }

    func testStandaloneTagLinesAreRemoved() throws {
        let source = "<ul>\n  {{#each items}}\n  <li>{{.}}</li>\n  {{/each}}\n</ul>\n{{! a comment }}\nend"
        XCTAssertEqual(try render(source, ["items": ["a", "b"]]), "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\nend")
    }

    func testUnknownAndUnfilledSlotsNameFileAndLine() {
        assertTemplateError("line one\nline two {{missing}}", [:], line: 2, containing: "unknown slot 'missing'")
        assertTemplateError("\n\n{{run.model.size}}", ["run": ["model": ["name": "x"]]], line: 3, containing: "no 'size' in 'run.model'")
        assertTemplateError("{{#each items}}\n{{nope}}\n{{/each}}", ["items": [["a": "b"]]], line: 2, containing: "unknown slot 'nope'")
        assertTemplateError("{{#if flag}}x{{/if}}", [:], line: 1, containing: "unknown slot 'flag'")
        assertTemplateError("\n{{items}}", ["items": ["a"]], line: 2, containing: "is a list")
        assertTemplateError("{{#each name}}{{/each}}", ["name": "text"], line: 1, containing: "needs a list")
        assertTemplateError("{{@index}}", [:], line: 1, containing: "outside {{#each}}")
    }

    func testPartialErrorsNameThePartialFile() {
        assertTemplateError("{{> head}}", ["title": "t"], partials: ["head": "<title>{{title}}</title>\n{{lang}}"],
                            file: "partials/head.html", line: 2, containing: "unknown slot 'lang'")
        assertTemplateError("a\n{{> nothere}}", [:], line: 2, containing: "unknown partial 'nothere'")
        assertTemplateError("{{> loop}}", [:], partials: ["loop": "{{> loop}}"], file: "partials/loop.html", line: 1, containing: "nested more than")
    }

    func testParseErrorsNameLine() {
        assertTemplateError("{{#each items}}\n\n<p>", ["items": []], line: 1, containing: "never closed")
        assertTemplateError("{{#if a}}\n{{/each}}", ["a": true], line: 2, containing: "closes '{{#if a}}' of line 1")
        assertTemplateError("x\n{{/if}}", [:], line: 2, containing: "without an open section")
        assertTemplateError("x\n\n{{else}}", [:], line: 3, containing: "without an open section")
        assertTemplateError("{{#loop x}}{{/loop}}", [:], line: 1, containing: "unknown section")
        assertTemplateError("a\n{{name", [:], line: 2, containing: "without a closing")
        assertTemplateError("{{bad name}}", [:], line: 1, containing: "bad name")
        assertTemplateError("{{#with a}}x{{else}}y{{/with}}", ["a": true], line: 1, containing: "{{else}} inside {{#with}}")
    }

    func testTemplateSetLoadsFolderAndPartials() throws {
        let folder = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("partials"), withIntermediateDirectories: true)
        try Data("<p>{{> greet}}</p>".utf8).write(to: folder.appendingPathComponent("page.html"))
        try Data("Hello, {{who}}".utf8).write(to: folder.appendingPathComponent("partials/greet.html"))
        let set = try TemplateSet(directory: folder)
        XCTAssertEqual(try set.render("page.html", ["who": "<you>"]), "<p>Hello, &lt;you&gt;</p>")
        XCTAssertThrowsError(try set.render("other.html", [:]))
    }

    func testRenderedPageMatchesSnapshot() throws {
        let set = TemplateSet(templates: [
            try Template(name: "partials/row.html", source: "<tr><th>{{name}}</th><td class=\"num\">{{value}}</td></tr>\n"),
        ])
        let page = try Template(name: "snapshot.html", source: """
            <table>
            <caption>{{caption}}</caption>
            {{#each rows}}
            {{> row}}
            {{else}}
            <tr><td>none</td></tr>
            {{/each}}
            </table>
            {{#if note}}
            <p>{{note}}</p>
            {{/if}}
            {{& chart}}

            """)
        let html = try page.render([
            "caption": "Accuracy <top-1>", "note": "", "chart": .raw(RawHTML("<svg viewBox=\"0 0 1 1\"></svg>")),
            "rows": [["name": .text(SiteFixture.hostileClass), "value": .number("91.3%")], ["name": "tench", "value": .number("88.0%")]],
        ], partials: set)
        assertSnapshot(html, named: "template-snapshot.html")
    }

    func testHTMLEscapeCoversTheFiveCharacters() {
        XCTAssertEqual(HTML.escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        XCTAssertEqual(HTML.escape("日本語 ✓"), "日本語 ✓")
    }
}
