import Foundation
@testable import Results
@testable import Site
import XCTest

final class CatalogTests: XCTestCase {
    static var i18n: URL { SiteFixture.packageRoot.appendingPathComponent("assets/i18n") }
    var en: Catalog!
    var ja: Catalog!

    override func setUpWithError() throws {
        en = try Catalog(language: "en", directory: Self.i18n)
        ja = try Catalog(language: "ja", directory: Self.i18n)
    }

    func testBothCataloguesHaveTheSameKeysAndPlaceholders() {
        XCTAssertEqual(Set(en.entries.keys).subtracting(ja.entries.keys).sorted(), [], "keys missing in ja.json")
        XCTAssertEqual(Set(ja.entries.keys).subtracting(en.entries.keys).sorted(), [], "keys missing in en.json")
        func forms(_ entry: Catalog.Entry) -> [String] {
            switch entry {
            case .text(let text): return [text]
            case .plural(let forms): return forms.keys.sorted().compactMap { forms[$0] }
            }
        }
        for key in en.entries.keys.sorted() {
            guard let a = en.entries[key], let b = ja.entries[key] else { continue }
            // Every form of both languages must use the placeholders of the English "other" form
            // ("one" may leave out {count}).
            let expected = Set(Catalog.placeholders(forms(a).last ?? ""))
            for form in forms(a) + forms(b) {
                let names = Set(Catalog.placeholders(form))
                XCTAssertTrue(names.isSubset(of: expected), "\(key): '\(form)' uses placeholders not in English")
                XCTAssertTrue(expected.subtracting(names).isSubset(of: ["count"]), "\(key): '\(form)' drops a placeholder")
            }
            if case .plural(let forms) = a { XCTAssertNotNil(forms["one"], "\(key): English plural needs a 'one' form") }
        }
    }

    func testJapaneseHasNoFullWidthDigitsOrPercentSigns() {
        for (key, entry) in ja.entries {
            let text: String
            switch entry {
            case .text(let value): text = value
            case .plural(let forms): text = forms.values.sorted().joined()
            }
            XCTAssertFalse(text.contains { "０１２３４５６７８９％".contains($0) }, key)
        }
    }

    func testMissingKeysAndPlaceholdersAreErrors() {
        XCTAssertThrowsError(try en.text("no.such.key"))
        XCTAssertThrowsError(try en.text("sentence.keeps", ["shift": "x", "model": "y"])) { error in
            XCTAssertTrue("\(error)".contains("{relative}"))
        }
        XCTAssertThrowsError(try Catalog(language: "fr", directory: Self.i18n))
        XCTAssertThrowsError(try Catalog(language: "en", json: Data("{\"a\": {\"one\": \"x\"}}".utf8)))
        XCTAssertThrowsError(try Catalog(language: "en", json: Data("[1]".utf8)))
    }

    func testNumbersPerLanguage() {
        XCTAssertEqual(en.percent(0.9134), "91.3%")
        XCTAssertEqual(ja.percent(0.9134), "91.3%")
        XCTAssertEqual(en.percent(nil), "—")
        XCTAssertEqual(en.percentRange(0.89, 0.934), "89.0–93.4%")
        XCTAssertEqual(ja.percentRange(0.89, 0.934), "89.0〜93.4%")
        XCTAssertEqual(en.points(-0.073), "−7.3 pp")
        XCTAssertEqual(ja.points(-0.073), "−7.3ポイント")
        XCTAssertEqual(en.points(0.011), "+1.1 pp")
        XCTAssertEqual(en.pointsRange(-0.096, -0.051), "−9.6 to −5.1 pp")
        XCTAssertEqual(ja.pointsRange(-0.096, -0.051), "−9.6〜−5.1ポイント")
        XCTAssertEqual(en.integer(1234567), "1,234,567")
        XCTAssertEqual(en.significant(0.000123), "1.23×10^-4")
        XCTAssertEqual(en.significant(12.345), "12.3")
        XCTAssertEqual(en.date("2026-11-26T19:04:00Z"), "2026-11-26")
        XCTAssertEqual(en.list(["a", "b", "c"]), "a, b and c")
        XCTAssertEqual(ja.list(["a", "b", "c"]), "a、b、c")
        XCTAssertEqual(en.list(["a"]), "a")
    }

    func testEnglishPluralsAgreeJapaneseHasOneForm() throws {
        XCTAssertEqual(try en.plural("count.models", count: 1), "1 model")
        XCTAssertEqual(try en.plural("count.models", count: 2), "2 models")
        XCTAssertEqual(try en.plural("count.images", count: 1200), "1,200 images")
        XCTAssertEqual(try ja.plural("count.models", count: 1), "1モデル")
        XCTAssertEqual(try ja.plural("count.models", count: 3), "3モデル")
    }

    /// "Labels that settle it": one sentence per stored entry, word for word in both languages,
    /// past the cap too; and every code has its sentence.
    func testLabelsNeededSentences() throws {
        var results = SiteFixture.results()
        results.labelsNeeded = [
            LabelsNeeded(code: .settleMinAccuracy, model: "RN50 openai", domain: "low-light", accuracy: 0.78, estimated: false, threshold: 0.8,
                         labelled: 200, total: 1580, capped: false, decisionProbability: 0.5002),
            LabelsNeeded(code: .checkEstimate, model: "RN50 openai", domain: "camera-2", accuracy: 0.686, estimated: true, margin: 0.05,
                         labelled: 0, total: 332, capped: false),
            LabelsNeeded(code: .settleMinAccuracy, model: "ViT-B/32 LAION-2B", domain: "low-light", accuracy: 0.75, estimated: false, threshold: 0.75,
                         labelled: 60, total: 10_000, capped: true),
        ]
        let run = SiteRun(results: results, classNames: SiteFixture.classNames)
        XCTAssertEqual(try PageContext(run: run, catalog: en).labelsNeededTexts { $0.model == "RN50 openai" }, [
            "low-light: about 1,380 more labelled images (1,580 in all) would settle the minimum accuracy of 80.0%, if the measured accuracy of 78.0% holds on images like these; even at that size the chance of a clear answer is 50%.",
            "camera-2: label about 332 images to check the estimated accuracy of 68.6% to within ± 5 percentage points.",
        ])
        XCTAssertEqual(try PageContext(run: run, catalog: ja).labelsNeededTexts(), [
            "low-light：追加で約1,380枚ラベル付けすれば（合計1,580枚）、最低精度80.0%を満たすかどうか判断できます。実測の正解率78.0%が変わらず、同じような画像である前提です。ただし、その枚数でも結論が出る見込みは50%です。",
            "camera-2：約332枚ラベル付けすれば、推定正解率68.6%が±5ポイントの範囲で合っているか確かめられます。",
            "low-light：実測の正解率75.0%が基準の75.0%とほぼ同じなので、10,000枚ラベル付けしても判断はつきません。",
        ])
        for code in LabelsNeeded.Code.allCases {
            XCTAssertNotNil(en.entries["labels.\(code.rawValue)"], code.rawValue)
            XCTAssertNotNil(ja.entries["labels.\(code.rawValue)"], code.rawValue)
        }
    }

    /// The generated sentences of the fixture run, in both languages, word for word.
    func testGeneratedSentencesAreGrammaticalInBothLanguages() throws {
        let run = SiteRun(results: SiteFixture.results(), classNames: SiteFixture.classNames)
        let shift = try XCTUnwrap(run.shifts.first { $0.name == "low-light" })
        let english = try PageContext(run: run, catalog: en).shiftSentences(model: "ViT-B/32 LAION-2B", shift: shift)
        XCTAssertEqual(english, [
            "On low-light, ViT-B/32 LAION-2B keeps 93.0% of its reference accuracy.",
            "Its top-1 accuracy there is 80.0% (95% CI 76.0–84.0%).",
            "The change from the reference is −6.0 pp (95% CI −9.5 to −2.7 pp).",
            "That is 1.1 pp above what the line fitted on the baseline models (assets/baselines/imagenet-shifts-standard-testbed.csv (standard models, val ≥ 55 %)) predicts at the same reference accuracy (positive effective robustness).",
            "Verdict: this meets the pilot's criteria.",
        ])
        let japanese = try PageContext(run: run, catalog: ja).shiftSentences(model: "ViT-B/32 LAION-2B", shift: shift)
        XCTAssertEqual(japanese, [
            "low-lightでは、ViT-B/32 LAION-2Bは基準精度の93.0%を維持しています。",
            "この条件でのトップ1精度は80.0%です（95%信頼区間 76.0〜84.0%）。",
            "基準からの変化は−6.0ポイントです（95%信頼区間 −9.5〜−2.7ポイント）。",
            "これは、ベースラインのモデル（assets/baselines/imagenet-shifts-standard-testbed.csv (standard models, val ≥ 55 %)）に当てはめた直線が同じ基準精度で予測する値より1.1ポイント高い値です（実効ロバスト性がプラス）。",
            "判定：パイロットの基準を満たしています。",
        ])
        let unlabelled = try XCTUnwrap(run.shifts.first { $0.name == "camera-2" })
        XCTAssertEqual(try PageContext(run: run, catalog: en).shiftSentences(model: "RN50 openai", shift: unlabelled).prefix(2), [
            "camera-2 has no labels; the label-free estimate of the accuracy of RN50 openai there is 68.6%.",
            "On the 2 labelled shifts, this estimate was off by up to 2.0 pp.",
        ])
        XCTAssertEqual(try PageContext(run: run, catalog: ja).shiftSentences(model: "RN50 openai", shift: unlabelled)[1],
                       "ラベルのある2件のシフトでは、この推定の誤差は最大2.0ポイントでした。")
    }

    func testOverallSentenceAgreesInNumber() throws {
        let run = SiteRun(results: SiteFixture.results(), classNames: [])
        XCTAssertEqual(try PageContext(run: run, catalog: en).overallSentence(), "Of 3 models, 1 fails the pilot's criteria (0 passed, 2 to watch).")
        XCTAssertEqual(try PageContext(run: run, catalog: ja).overallSentence(), "3モデルのうち1件がパイロットの基準を満たしていません（合格0件、要注意2件）。")
    }

    /// Every code results.json stores (verdict reasons, probe notes, skipped images) has a translation.
    func testEveryStoredCodeIsTranslated() throws {
        for code in VerdictReason.Code.allCases {
            XCTAssertNotNil(en.entries["reason.\(code.rawValue)"], code.rawValue)
            XCTAssertNotNil(ja.entries["reason.\(code.rawValue)"], code.rawValue)
        }
        for code in ProbeNote.Code.allCases {
            XCTAssertNotNil(en.entries["note.\(code.rawValue)"], code.rawValue)
            XCTAssertNotNil(ja.entries["note.\(code.rawValue)"], code.rawValue)
        }
        for code in SkippedImage.Code.allCases {
            XCTAssertNotNil(en.entries["skip.\(code.rawValue)"], code.rawValue)
            XCTAssertNotNil(ja.entries["skip.\(code.rawValue)"], code.rawValue)
        }
        let context = PageContext(run: SiteRun(results: SiteFixture.results()), catalog: en)
        XCTAssertEqual(try context.reasonText(VerdictReason(code: .belowBaselineTrend, status: .watch, value: -0.072, limit: -0.05)),
                       "Accuracy is 7.2 pp below the baseline line at the same reference accuracy, and the whole 95% interval of this difference lies below the pilot's limit of −5.0 pp.")
        XCTAssertEqual(try context.reasonText(VerdictReason(code: .strongUnlabelledShift, status: .watch, value: 0.934, limit: 0.9)),
                       "The unlabelled images are easy to tell from the reference (domain classifier AUC 0.93, limit 0.90).")
        XCTAssertEqual(try context.reasonText(VerdictReason(code: .relativeDropUncertain, status: .watch, value: 0.162, limit: 0.15)),
                       "Accuracy drops by 16.2% of the reference, more than the allowed 15.0%, but within the uncertainty of the measurement.")
        for status in VerdictStatus.allCases {
            XCTAssertNotNil(en.entries["verdict.\(status.rawValue)"], status.rawValue)
            XCTAssertNotNil(ja.entries["verdict.\(status.rawValue)"], status.rawValue)
            XCTAssertNotNil(en.entries["sentence.verdict_\(status.rawValue)"], status.rawValue)
            XCTAssertNotNil(ja.entries["sentence.verdict_\(status.rawValue)"], status.rawValue)
        }
        for code in Guardrail.Code.allCases {
            XCTAssertNotNil(en.entries["guardrail.\(code.rawValue)"], code.rawValue)
            XCTAssertNotNil(ja.entries["guardrail.\(code.rawValue)"], code.rawValue)
        }
        for limitation in ["no_baseline_points", "too_few_baseline_points", "single_reference_accuracy", "too_few_distinct_baseline_points"] {
            XCTAssertNotNil(BaselineLimitation(rawValue: limitation), limitation)
            XCTAssertNotNil(en.entries["limitation.\(limitation)"], limitation)
            XCTAssertNotNil(ja.entries["limitation.\(limitation)"], limitation)
        }
        // In a model verdict the reason names its image set.
        XCTAssertEqual(try en.reasonText(VerdictReason(code: .accuracyUncertain, status: .watch, value: 0.82, limit: 0.8, domain: "sketch"), withDomain: true),
                       "sketch: Accuracy 82.0% is close to the minimum of 80.0%: its 95% interval reaches below it.")
    }

    func testTemplateValuesExposePlainMessages() {
        guard case .dict(let root) = en.templateValues(), case .dict(let nav)? = root["nav"] else { return XCTFail("no nav") }
        XCTAssertEqual(nav["home"], .text("All pilots"))
        guard case .dict(let sentence)? = root["sentence"] else { return XCTFail("no sentence") }
        XCTAssertNil(sentence["keeps"], "messages with placeholders are not template text")
    }
}

final class SlugTests: XCTestCase {
    func testFolderNamesCannotEscapeTheSite() {
        XCTAssertEqual(Slug.folder("2026-11-26T1904Z-3f2a"), "2026-11-26T1904Z-3f2a")
        XCTAssertEqual(Slug.folder("../../etc"), "etc")
        XCTAssertEqual(Slug.folder(".hidden"), "hidden")
        XCTAssertEqual(Slug.folder("a/b"), "a-b")
        XCTAssertEqual(Slug.folder(""), "item")
        XCTAssertEqual(Slug.make("ViT-B/32 LAION-2B"), "vit-b-32-laion-2b")
        XCTAssertEqual(Slug.make("<script>"), "script")
        XCTAssertEqual(Slug.make("日本語"), "item")
    }

    func testSlugsAreUniqueWithinARun() {
        let slugs = Slug.unique(["RN50 openai", "rn50-openai", "RN50/openai", "x"])
        XCTAssertEqual(slugs["RN50 openai"], "rn50-openai")
        XCTAssertEqual(slugs["rn50-openai"], "rn50-openai-2")
        XCTAssertEqual(slugs["RN50/openai"], "rn50-openai-3")
        XCTAssertEqual(slugs["x"], "x")
    }
}
