import Foundation
@testable import Results
@testable import Site
import XCTest

/// Which class names work on the pages: the chosen names' gain said as better, worse, not shown
/// either way or exactly as many right, or that the given names were kept, in both languages; the
/// model page's table of changed classes, the packet line and the next step.
final class NamePagesTests: XCTestCase {
    static func accuracy(_ correct: Int, _ count: Int) -> PromptAccuracy { PromptPagesTests.accuracy(correct, count) }

    static let changes = [
        NameChange(classIndex: 0, given: "hex nut", chosen: "nut", count: 40, givenCorrect: 25, chosenCorrect: 34),
        NameChange(classIndex: 4, given: "L-bracket", chosen: "angle bracket", count: 40, givenCorrect: 30, chosenCorrect: 33),
    ]

    /// 400 images; the names as given right `given`, as chosen `chosen`, gain interval `gain`.
    static func names(given: Int, chosen: Int, gain: (Double, Double), changes: [NameChange] = changes) -> NamesResult {
        NamesResult(alternatives: 5, given: accuracy(given, 400), chosen: NameChoice(
            changes: changes, accuracy: accuracy(chosen, 400), gain: BootstrapDifference(
                difference: Double(chosen - given) / 400, ci: Interval(lower: gain.0, upper: gain.1), resamples: 1000, seed: 1)))
    }

    func results(language: String = "en", _ cases: [String: NamesResult]? = nil) -> RunResults {
        var results = SiteFixture.results(language: language)
        let cases = cases ?? [
            "reference": Self.names(given: 320, chosen: 332, gain: (0.01, 0.05)),
            "low-light": Self.names(given: 300, chosen: 302, gain: (-0.01, 0.02)),
        ]
        for index in results.probes.indices where results.probes[index].model == "RN50 openai" {
            results.probes[index].results.names = cases[results.probes[index].domain]
        }
        return results
    }

    func testSentencesInBothLanguages() throws {
        let english = try SiteFixture.context(results(), "en"), japanese = try SiteFixture.context(results(language: "ja"), "ja")
        XCTAssertEqual(try english.nameChoiceSentence(model: "RN50 openai", domain: "reference"),
                       "reference: saying “nut” for “hex nut” and “angle bracket” for “L-bracket”, as chosen on the reference, top-1 is 83.0% (78.0–88.0%) against 80.0% with the names as given — +3.0 pp (+1.0 to +5.0 pp).")
        XCTAssertEqual(try english.nameChoiceSentence(model: "RN50 openai", domain: "low-light"),
                       "low-light: the 2 names chosen on the reference (“nut” for “hex nut” and “angle bracket” for “L-bracket”) are not shown to do better than the names as given — 75.5% (70.5–80.5%) against 75.0%, a difference of +0.5 pp (−1.0 to +2.0 pp).")
        XCTAssertEqual(try japanese.nameChoiceSentence(model: "RN50 openai", domain: "reference"),
                       "reference：基準画像で選んだとおり「hex nut」を「nut」に、「L-bracket」を「angle bracket」に変えると83.0%（78.0〜88.0%）で、元の名前の80.0%を上回ります。差は+3.0ポイント（+1.0〜+5.0ポイント）です。")
        XCTAssertEqual(try japanese.nameChoiceSentence(model: "RN50 openai", domain: "low-light"),
                       "low-light：基準画像で選んだ名前（「hex nut」を「nut」に、「L-bracket」を「angle bracket」に）が元の名前より良いとは言えません。選んだ名前では75.5%（70.5〜80.5%）、元の名前では75.0%で、差は+0.5ポイント（−1.0〜+2.0ポイント）です。")
        XCTAssertNil(try english.nameChoiceSentence(model: "ViT-B/32 LAION-2B", domain: "reference"))
        XCTAssertNil(try english.nameKeptSentence(model: "RN50 openai"))
        // The packet tests the choice on the shift, not on the images it was made on.
        XCTAssertEqual(try english.namePacketLine(model: "RN50 openai")?.hasPrefix("low-light: the 2 names chosen on the reference"), true)
    }

    /// Worse, exactly as many right (never "0.0 to 0.0 pp"), and nothing changed on the reference:
    /// one sentence that the given names were kept, no table, the packet says the same.
    func testWorseSameAndKeptWording() throws {
        var cases = ["reference": Self.names(given: 320, chosen: 332, gain: (0.01, 0.05)),
                     "low-light": Self.names(given: 300, chosen: 280, gain: (-0.08, -0.02), changes: [Self.changes[0]])]
        XCTAssertEqual(try SiteFixture.context(results(cases), "en").nameChoiceSentence(model: "RN50 openai", domain: "low-light"),
                       "low-light: saying “nut” for “hex nut”, as chosen on the reference, top-1 is 70.0% (65.0–75.0%), below the 75.0% of the names as given — −5.0 pp (−8.0 to −2.0 pp); keep the given name here.")
        cases["low-light"] = Self.names(given: 300, chosen: 300, gain: (0, 0))
        for language in ["en", "ja"] {
            let sentence = try XCTUnwrap(try SiteFixture.context(results(language: language, cases), language).nameChoiceSentence(model: "RN50 openai", domain: "low-light"))
            XCTAssertFalse(sentence.contains("0.0 to 0.0") || sentence.contains("0.0〜0.0"), sentence)
        }
        let kept = ["reference": Self.names(given: 320, chosen: 320, gain: (0, 0), changes: []),
                    "low-light": Self.names(given: 300, chosen: 300, gain: (0, 0), changes: [])]
        let english = try SiteFixture.context(results(kept), "en")
        XCTAssertNil(try english.nameChoiceSentence(model: "RN50 openai", domain: "low-light"))
        let sentence = "reference: none of the 5 alternative names listed gets more images right than the given names, so they are kept — top-1 80.0% (75.0–85.0%)."
        XCTAssertEqual(try english.nameKeptSentence(model: "RN50 openai"), sentence)
        XCTAssertEqual(try english.namePacketLine(model: "RN50 openai"), sentence)
        XCTAssertEqual(try SiteFixture.context(results(language: "ja", kept), "ja").nameKeptSentence(model: "RN50 openai"),
                       "reference：挙げた5個の別名はどれも元の名前より正解が増えなかったため、元の名前のままです（正解率80.0%、75.0〜85.0%）。")
        guard case .dict(let section) = try english.nameSection(model: "RN50 openai") else { return XCTFail("no section") }
        guard case .bool(false)? = section["rows"] else { return XCTFail("no table without a change") }
    }

    func testModelPageTableAndPacket() throws {
        let results = results()
        let folder = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try SiteFixture.builder(site: folder).addRun(results: results, classNames: SiteFixture.classNames, manifestJSON: Data("{}".utf8))
        XCTAssertEqual(SiteChecks.malformedPages(in: folder), [])
        let siteRun = SiteRun(results: results, classNames: SiteFixture.classNames)
        let model = SiteChecks.read(run.appendingPathComponent("models/\(siteRun.modelSlug("RN50 openai")).html"))
        XCTAssertTrue(model.contains("Which class names work"))
        XCTAssertTrue(model.contains("<tr><th scope=\"row\">hex nut</th><td>nut</td><td class=\"num\">25 → 34 of 40</td><td class=\"num\">25 → 34 of 40</td></tr>"), model)
        let other = SiteChecks.read(run.appendingPathComponent("models/\(siteRun.modelSlug("ViT-B/32 LAION-2B")).html"))
        XCTAssertFalse(other.contains("Which class names work"), "no section without results")
        let packet = SiteChecks.read(run.appendingPathComponent("packet.html"))
        XCTAssertTrue(packet.contains("<strong>Class names:</strong> low-light: the 2 names chosen on the reference"))
    }

    /// The next step for the names: said with the changes, hedged like the templates'.
    func testImproveNamesStep() throws {
        for (language, carried) in [
            ("en",
             "RN50 openai: improve the class names — saying “nut” for “hex nut” and “angle bracket” for “L-bracket” raises top-1 on reference from 80.0% to 83.0%, +3.0 pp (+1.0 to +5.0 pp). They were chosen on these same images, so the gain there is optimistic. On low-light, not used for the choice, the gain holds too."),
            ("ja",
             "RN50 openai：クラス名を見直しましょう。「hex nut」を「nut」に、「L-bracket」を「angle bracket」に変えると、referenceの正解率が80.0%から83.0%に上がります（+3.0ポイント、+1.0〜+5.0ポイント）。同じ画像で選んだので、この差は大きめに出ています。選ぶのに使っていないlow-lightでも、同じように上がっています。"),
        ] {
            var results = results(language: language)
            results.nextSteps = [NextStep(model: "RN50 openai", code: .improvePrompts, domain: "reference", domains: ["low-light"], value: 0.83, limit: 0.8,
                                          ci: Interval(lower: 0.01, upper: 0.05), names: Self.changes)]
            XCTAssertEqual(try SiteFixture.context(results, language).nextStepTexts("RN50 openai"), [carried])
        }
    }
}
