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

    /// What light adaptation would buy: the largest k against zero-shot, then the criterion
    /// sentence, word for word in both languages; the packet's line is the lowest shift's.
    func testFewShotSentences() throws {
        var results = SiteFixture.results()
        let point = { (k: Int, accuracy: Double) in
            FewShotPoint(shots: k, trainCount: 10 * k, testCount: 400 - 10 * k, accuracy: accuracy, ci: Interval(lower: accuracy - 0.05, upper: accuracy + 0.04),
                         minAccuracy: accuracy - 0.02, maxAccuracy: accuracy + 0.03, zeroShotAccuracy: 0.41)
        }
        var curve = FewShotResult(draws: 5, l2: 1e-3, seed: 1, classes: 10, minImagesPerClass: 40, points: [point(1, 0.52), point(8, 0.78)])
        (curve.code, curve.threshold) = (.shortOfMinAccuracy, 0.8)
        let index = try XCTUnwrap(results.probes.firstIndex { $0.model == "RN50 openai" && $0.domain == "low-light" })
        results.probes[index].results.fewShot = curve
        let run = SiteRun(results: results, classNames: SiteFixture.classNames)
        XCTAssertEqual(try PageContext(run: run, catalog: en).fewShotSentences(model: "RN50 openai", domain: "low-light"), [
            "low-light: with 8 labelled images per class, accuracy rises from 41.0% (zero-shot) to 78.0% (73.0–82.0%; draws 76.0–81.0%).",
            "Even 8 labelled images per class stay below the minimum accuracy of 80.0%: these images cannot show that light adaptation is enough.",
        ])
        XCTAssertEqual(try PageContext(run: run, catalog: ja).fewShotSentences(model: "RN50 openai", domain: "low-light"), [
            "low-light：クラスごとに8枚ラベル付けして学習させると、正解率はゼロショットの41.0%から78.0%（73.0〜82.0%、抽出ごとに76.0〜81.0%）に上がります。",
            "クラスごとに8枚でも最低精度80.0%に届きません。この画像からは、少しの学習で十分とは言えません。",
        ])
        XCTAssertEqual(try PageContext(run: run, catalog: en).fewShotPacketLine(model: "RN50 openai"),
                       "low-light: with 8 labelled images per class, accuracy rises from 41.0% (zero-shot) to 78.0% (73.0–82.0%; draws 76.0–81.0%). Even 8 labelled images per class stay below the minimum accuracy of 80.0%: these images cannot show that light adaptation is enough.")
        (curve.code, curve.threshold, curve.shotsReaching) = (.reachesMinAccuracy, 0.5, 1)
        results.probes[index].results.fewShot = curve
        let reaching = SiteRun(results: results, classNames: SiteFixture.classNames)
        XCTAssertEqual(try PageContext(run: reaching, catalog: en).fewShotSentences(model: "RN50 openai", domain: "low-light").last,
                       "The minimum accuracy of 50.0% is reached from 1 labelled image per class on.")
        XCTAssertEqual(try PageContext(run: reaching, catalog: en).fewShotSentences(model: "RN50 openai", domain: "reference"), [])
        for code in FewShotResult.Code.allCases {
            XCTAssertNotNil(en.entries["adapt.\(code.rawValue)"], code.rawValue)
            XCTAssertNotNil(ja.entries["adapt.\(code.rawValue)"], code.rawValue)
        }
    }

    /// Stages: the line under each verdict line says the highest stage met and the most important
    /// reason the next misses, word for word in both languages; no stages, no line.
    func testStageLines() throws {
        var results = SiteFixture.results()
        XCTAssertNil(try PageContext(run: SiteRun(results: results, classNames: SiteFixture.classNames), catalog: en).stageLine("RN50 openai"))
        let trial = StageDefinition(name: "trial", criteria: Criteria(minAccuracy: 0.6))
        let line = StageDefinition(name: "line 3", criteria: Criteria(minAccuracy: 0.8))
        let pass = ModelVerdict(model: "m", status: .pass, reasons: [VerdictReason(code: .criteriaMet, status: .pass)])
        let short = ModelVerdict(model: "m", status: .fail, reasons: [
            VerdictReason(code: .accuracyUncertain, status: .watch, value: 0.79, limit: 0.8, domain: "sketch"),
            VerdictReason(code: .accuracyBelowMinimum, status: .fail, value: 0.71, limit: 0.8, domain: "low-light"),
        ])
        results.stages = StageResults(stages: [trial, line], models: [
            ModelStages(model: "RN50 openai", verdicts: [pass, short], reached: 0, next: 1),
            ModelStages(model: "ViT-B/32 LAION-2B", verdicts: [short, short], reached: nil, next: 0),
            ModelStages(model: "ViT-B/16 \"tuned\" <v2>", verdicts: [pass, pass], reached: 1, next: nil),
        ])
        let run = SiteRun(results: results, classNames: SiteFixture.classNames)
        let english = PageContext(run: run, catalog: en), japanese = PageContext(run: run, catalog: ja)
        XCTAssertEqual(try english.stageLine("RN50 openai"), "Stage: trial met; next, line 3: low-light: accuracy 71.0%, below the minimum of 80.0%")
        XCTAssertEqual(try english.stageLine("ViT-B/32 LAION-2B"), "Stage: none met yet; first, trial: low-light: accuracy 71.0%, below the minimum of 80.0%")
        XCTAssertEqual(try english.stageLine("ViT-B/16 \"tuned\" <v2>"), "Stage: line 3 met, the last stage")
        XCTAssertEqual(try japanese.stageLine("RN50 openai"), "段階：「trial」はクリア。次の「line 3」に向けては、low-light：精度71.0%、最低基準80.0%を下回る")
        XCTAssertEqual(try japanese.stageLine("ViT-B/16 \"tuned\" <v2>"), "段階：最後の「line 3」までクリア")
        let rows = try english.stageRows("RN50 openai")
        XCTAssertEqual(rows.count, 2)
    }

    /// Drift: one sentence per drifted comparison, largest change first, word for word in both
    /// languages; "no change" counts the comparisons; a first run says nothing.
    func testDriftSentences() throws {
        var results = SiteFixture.results()
        XCTAssertEqual(try PageContext(run: SiteRun(results: results, classNames: SiteFixture.classNames), catalog: en).driftTexts(withModel: true), [])
        let fell = DriftComparison(code: .accuracy, model: "RN50 openai", domain: "low-light", previous: 0.71, current: 0.58,
                                   previousCount: 400, currentCount: 400, ci: Interval(lower: -0.193, upper: -0.064))
        let estimated = DriftComparison(code: .estimatedAccuracy, model: "RN50 openai", domain: "camera-2", previous: 0.62, current: 0.70,
                                        previousCount: 300, currentCount: 300, ci: Interval(lower: 0.004, upper: 0.155))
        let same = DriftComparison(code: .accuracy, model: "RN50 openai", domain: "sketch", previous: 0.5, current: 0.5,
                                   previousCount: 350, currentCount: 350, ci: Interval(lower: -0.07, upper: 0.07))
        let darker = DriftComparison(code: .imageMean, model: nil, domain: "low-light", measure: .brightness, previous: 0.55, current: 0.21,
                                     previousCount: 400, currentCount: 400, ci: Interval(lower: -0.36, upper: -0.32))
        results.drift = DriftResults(previousRunID: "r0", previousCreatedAt: "2026-11-02T09:00:00Z", comparisons: [estimated, fell, same, darker])
        let run = SiteRun(results: results, classNames: SiteFixture.classNames)
        let english = PageContext(run: run, catalog: en), japanese = PageContext(run: run, catalog: ja)
        XCTAssertEqual(try english.driftTexts(withModel: true), [
            "RN50 openai — low-light: accuracy fell from 71.0% to 58.0% since the run of 2026-11-02; the difference −13.0 pp (−19.3 to −6.4 pp) is beyond chance.",
            "RN50 openai — camera-2: the estimated accuracy (no labels) rose from 62.0% to 70.0% since the run of 2026-11-02; the difference +8.0 pp (+0.4 to +15.5 pp) is beyond chance — label a sample to confirm.",
            "low-light: brightness fell from 0.55 to 0.21 since the run of 2026-11-02; the difference −0.34 (−0.36 to −0.32) is beyond chance.",
        ])
        XCTAssertEqual(try japanese.driftTexts(withModel: false) { $0.domain == "low-light" }, [
            "low-light：正解率が2026-11-02の実行時の71.0%から58.0%に下がりました。差−13.0ポイント（−19.3〜−6.4ポイント）は偶然の範囲を超えています。",
            "low-light：明るさが2026-11-02の実行時の0.55から0.21に下がりました。差−0.34（−0.36〜−0.32）は偶然の範囲を超えています。",
        ])
        XCTAssertNil(try english.driftNone())
        XCTAssertEqual(try english.driftNone { $0.domain == "sketch" }, "No change beyond chance since the run of 2026-11-02 (1 comparison).")
        XCTAssertEqual(try japanese.driftNone { $0.domain == "reference" }, "前回（2026-11-02）の実行には、同じモデル・同じ画像セットの結果がないため、比較できません。")
    }

    /// Next steps: each code said from the catalogue with its numbers, word for word in both languages.
    func testNextStepSentences() throws {
        var results = SiteFixture.results()
        results.nextSteps = [
            NextStep(model: "RN50 openai", code: .deployLimitedTrial, domain: "low-light", value: 0.87, limit: 0.855),
            NextStep(model: "RN50 openai", code: .collectLabels, domains: ["low-light", "camera-2"], labels: 1240),
            NextStep(model: "ViT-B/32 LAION-2B", code: .preferModel, value: 0.5, limit: 0.967, otherModel: "RN50 openai", outlierFeatures: 3),
        ]
        // The preferred model's verdict decides the wording: "prefer" when it does not fail.
        results.verdicts.models = results.verdicts.models.map { verdict in
            var verdict = verdict
            verdict.status = verdict.model == "RN50 openai" ? .watch : .fail
            return verdict
        }
        let run = SiteRun(results: results, classNames: SiteFixture.classNames)
        let english = PageContext(run: run, catalog: en), japanese = PageContext(run: run, catalog: ja)
        XCTAssertEqual(try english.nextStepTexts("RN50 openai"), [
            "RN50 openai: deploy on a limited trial and monitor one KPI — top-1 accuracy on low-light of at least 85.5% (now 87.0%) — by re-running this pilot on each month's images.",
            "RN50 openai: label about 1,240 more images (low-light and camera-2) to decide.",
        ])
        XCTAssertEqual(try english.nextStepTexts("ViT-B/32 LAION-2B"), [
            "ViT-B/32 LAION-2B: prefer RN50 openai, which keeps 96.7% of its reference accuracy on its hardest shift (this model: 50.0%). RN50 openai has outlier features (3 dimensions); Crabbé et al. associated them with robustness across models on ImageNet shifts — an association, not a guarantee.",
        ])
        XCTAssertEqual(try japanese.nextStepTexts("RN50 openai"), [
            "RN50 openai：まず限定運用で様子を見る。KPIはlow-lightの正解率85.5%以上（現在87.0%）とし、毎月の画像でこのパイロットを再実行して確認します。",
            "RN50 openai：追加で約1,240枚ラベル付けすれば判断できます（low-light、camera-2）。",
        ])
        XCTAssertEqual(try english.recommendedSteps().count, 2)
        // When it fails too, it is only the closest.
        results.verdicts.models = results.verdicts.models.map { ModelVerdict(model: $0.model, status: .fail, reasons: $0.reasons) }
        let failing = SiteRun(results: results, classNames: SiteFixture.classNames)
        XCTAssertEqual(try PageContext(run: failing, catalog: en).nextStepTexts("ViT-B/32 LAION-2B").first?.hasPrefix(
            "ViT-B/32 LAION-2B: of these models RN50 openai comes closest — it keeps 96.7% of its reference accuracy on its hardest shift (this model: 50.0%) — but it fails the criteria too."), true)
    }

    /// Adaptation: the expected gain with its interval, the labels to collect and the hedge (the
    /// curve's draws), and the shortfall in its two forms — word for word in both languages — and
    /// the recommendation on the run overview and the packet's first page.
    func testAdaptationStepSentences() throws {
        func results(language: String) -> RunResults {
            var results = SiteFixture.results(language: language)
            for index in results.probes.indices where results.probes[index].domain == "sketch" {
                results.probes[index].results.fewShot = FewShotResult(draws: 5, l2: 1e-3, seed: 0, classes: 8, minImagesPerClass: 40, points: [])
            }
            results.nextSteps = [
                NextStep(model: "RN50 openai", code: .adapt, domain: "sketch", value: 0.78, limit: 0.7, labels: 64, shots: 8,
                         ci: Interval(lower: 0.72, upper: 0.83), zeroShot: 0.41),
                NextStep(model: "ViT-B/32 LAION-2B", code: .adapt, domain: "sketch", domains: ["low-light", "sketch"], value: 0.78, limit: 0.7,
                         labels: 80, shots: 1, ci: Interval(lower: 0.72, upper: 0.83), zeroShot: 0.41),
                NextStep(model: "ViT-B/16 \"tuned\" <v2>", code: .adaptationShort, domain: "sketch", value: 0.62, limit: 0.7, shots: 16,
                         ci: Interval(lower: 0.55, upper: 0.72), zeroShot: 0.41),
            ]
            return results
        }
        let english = PageContext(run: SiteRun(results: results(language: "en"), classNames: SiteFixture.classNames), catalog: en)
        let japanese = PageContext(run: SiteRun(results: results(language: "ja"), classNames: SiteFixture.classNames), catalog: ja)
        let expected = [
            "RN50 openai: adapt — with 8 labelled images per class of sketch (about 64 labels), top-1 there is expected to rise from 41.0% to 78.0% (72.0–83.0%), clearing the minimum of 70.0% even at the interval's low end. An expectation from 5 random choices of which of this pilot's images to label — not a guarantee.",
            "ViT-B/32 LAION-2B: adapt — with 1 labelled image per class of sketch, top-1 there is expected to rise from 41.0% to 78.0% (72.0–83.0%), clearing the minimum of 70.0% even at the interval's low end; doing the same on every image set it misses (low-light and sketch) takes about 80 labels. An expectation from 5 random choices of which of this pilot's images to label — not a guarantee.",
            "ViT-B/16 \"tuned\" <v2>: on sketch, light adaptation is not shown to reach the minimum of 70.0% — 16 labelled images per class are expected to give top-1 62.0% (55.0–72.0%), against 41.0% zero-shot. Do not fund it on this evidence.",
        ]
        XCTAssertEqual(try english.recommendedSteps().sorted(), expected.sorted())
        XCTAssertEqual(try japanese.nextStepTexts("RN50 openai"), [
            "RN50 openai：sketchでクラスごとに8枚（計約64枚）ラベルを付けて軽く追加学習すれば、正解率はゼロショットの41.0%から78.0%（72.0〜83.0%）に上がる見込みです。区間の下限でも最低精度70.0%に届きます。ただし、このパイロットの画像で、ラベルを付ける画像の選び方を5通り試した見込みであって、保証ではありません。",
        ])
        XCTAssertEqual(try japanese.nextStepTexts("ViT-B/16 \"tuned\" <v2>"), [
            "ViT-B/16 \"tuned\" <v2>：sketchでは、今ある画像で見る限り、追加学習しても最低精度70.0%に届くとは言えません（クラスごとに16枚で見込み62.0%、55.0〜72.0%。ゼロショットは41.0%）。この結果では、追加学習への投資は見送りましょう。",
        ])
        // Short as a whole interval: "does not reach"; short although the mean at the largest k
        // clears the minimum: only its interval's lower bound falls short.
        let variants: [(value: Double, shots: Int, ci: Interval, english: String, japanese: String)] = [
            (0.55, 1, Interval(lower: 0.49, upper: 0.61),
             "RN50 openai: on sketch, light adaptation does not reach the minimum of 70.0% — even 1 labelled image per class is expected to give top-1 55.0% (49.0–61.0%), against 41.0% zero-shot. Do not fund it on this evidence.",
             "RN50 openai：sketchでは、今ある画像で見る限り、クラスごとに1枚ラベルを付けて追加学習しても、正解率の見込みは55.0%（49.0〜61.0%）で、最低精度70.0%に届きません（ゼロショットは41.0%）。この結果では、追加学習への投資は見送りましょう。"),
            (0.72, 16, Interval(lower: 0.66, upper: 0.78),
             "RN50 openai: on sketch, light adaptation may reach the minimum of 70.0%, but these images cannot show it — 16 labelled images per class are expected to give top-1 72.0% (66.0–78.0%), against 41.0% zero-shot. Collect more images of sketch before funding it.",
             "RN50 openai：sketchでは、追加学習で最低精度70.0%に届く可能性はありますが、今ある画像では確かめられません（クラスごとに16枚で見込み72.0%、66.0〜78.0%。ゼロショットは41.0%）。投資を決める前に、sketchの画像をもっと集めましょう。"),
        ]
        for variant in variants {
            let step = NextStep(model: "RN50 openai", code: .adaptationShort, domain: "sketch", value: variant.value, limit: 0.7,
                                shots: variant.shots, ci: variant.ci, zeroShot: 0.41)
            XCTAssertEqual(try english.nextStepText(step), variant.english)
            XCTAssertEqual(try japanese.nextStepText(step), variant.japanese)
        }

        // On the pages: the run overview and the packet's first page, in both languages.
        let site = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        let builder = try SiteFixture.builder(site: site)
        var japaneseRun = results(language: "ja")
        japaneseRun.pilot.name = "line3-ja"
        for (run, sentence) in [(results(language: "en"), expected[0]), (japaneseRun, try japanese.nextStepTexts("RN50 openai")[0])] {
            let folder = try builder.addRun(results: run, classNames: SiteFixture.classNames, manifestJSON: SiteFixture.manifest)
            for page in ["index.html", "packet.html"] {
                XCTAssertTrue(SiteChecks.read(folder.appendingPathComponent(page)).contains("<li>\(HTML.escape(sentence))</li>"), "\(run.pilot.language) \(page)")
            }
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
