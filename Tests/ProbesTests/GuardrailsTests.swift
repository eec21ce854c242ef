import XCTest
@testable import Probes
@testable import Results

final class GuardrailsTests: XCTestCase {
    /// A zero-shot result of `correct` of `count` over `classes` classes (counts spread evenly).
    func zeroShot(_ correct: Int, of count: Int, classes: Int) -> ZeroShotResult {
        let perClass = (0..<classes).map { c in
            ClassAccuracy(classIndex: c, count: count / classes + (c < count % classes ? 1 : 0), correct: 0, accuracy: nil, ci: nil)
        }
        return ZeroShotResult(
            count: count, top1Correct: correct, top1: Double(correct) / Double(count),
            top1CI: Statistics.clopperPearson(successes: correct, trials: count)!, top5Correct: correct, top5: Double(correct) / Double(count),
            top5CI: Statistics.clopperPearson(successes: correct, trials: count)!, perClass: perClass)
    }

    /// 12 of 100 with 10 classes: 95 % CI 6.4–20.0 % (scipy beta.ppf) reaches chance 10 %; 25 of 100 does not (16.9–34.7 %).
    func testChanceLevelWhenTheIntervalReachesOneOverC() throws {
        let flag = try XCTUnwrap(Guardrails.chanceLevel(model: "m", domain: "night", zeroShot: zeroShot(12, of: 100, classes: 10)))
        XCTAssertEqual(flag.code, .chanceLevelAccuracy)
        XCTAssertEqual(flag.limit, 0.1)
        XCTAssertEqual(flag.value, 0.12)
        XCTAssertNil(Guardrails.chanceLevel(model: "m", domain: "night", zeroShot: zeroShot(25, of: 100, classes: 10)))
        // Below chance is not above chance either.
        XCTAssertNotNil(Guardrails.chanceLevel(model: "m", domain: "night", zeroShot: zeroShot(0, of: 100, classes: 10)))
        XCTAssertNotNil(Guardrails.chanceLevel(model: "m", domain: "night", zeroShot: zeroShot(25, of: 100, classes: 10), chance: 0.2))
    }

    func testSmallDomainsAndClasses() {
        XCTAssertEqual(Guardrails.domainSize(domain: "d", imageCount: 29, classCounts: nil).map(\.code), [.domainTooFewImages])
        XCTAssertEqual(Guardrails.domainSize(domain: "d", imageCount: 30, classCounts: [10, 16, 4, 0]).map(\.code), [.domainTooFewPerClass])
        XCTAssertEqual(Guardrails.domainSize(domain: "d", imageCount: 30, classCounts: [10, 15, 5, 0]), [])
        XCTAssertEqual(Guardrails.domainSize(domain: "d", imageCount: 8, classCounts: [4, 4]).map(\.value), [8, 4])
    }

    func testLinearProbeTrainedOnFewRows() {
        XCTAssertEqual(Guardrails.linearProbe(model: "m", domain: "r", trainCount: 36, classCount: 8)?.value, 4.5)
        XCTAssertNil(Guardrails.linearProbe(model: "m", domain: "r", trainCount: 40, classCount: 8))
        XCTAssertEqual(Guardrails.linearProbe(model: "m", domain: "r", trainCount: 400, classCount: 8, smallestClassRows: 2)?.value, 2)
    }

    func testReferenceFailuresAndNoConclusion() {
        let verdict = { (model: String, domain: String, status: VerdictStatus) in ShiftVerdict(model: model, domain: domain, status: status, reasons: []) }
        let some = Guardrails.referenceFailures(referenceDomain: "ref", verdicts: [
            verdict("a", "ref", .fail), verdict("b", "ref", .watch), verdict("b", "night", .fail)])
        XCTAssertEqual(some, [Guardrail(code: .referenceFailsCriteria, model: "a", domain: "ref")])
        let all = Guardrails.referenceFailures(referenceDomain: "ref", verdicts: [verdict("a", "ref", .fail), verdict("b", "ref", .fail)])
        XCTAssertEqual(all.map(\.code), [.referenceFailsCriteria, .referenceFailsCriteria, .noConclusionAboutShift])
        XCTAssertEqual(Guardrails.referenceFailures(referenceDomain: "ref", verdicts: []), [])
    }

    /// On stored results: the 10-image shift is too small (for every model), chance is judged
    /// per model × domain.
    func testEvaluateOnStoredResults() {
        let ref = zeroShot(180, of: 200, classes: 8), small = zeroShot(1, of: 10, classes: 8)
        let probes = [
            ModelDomainProbes(model: "m", domain: "ref", results: ProbeResults(zeroShot: ref)),
            ModelDomainProbes(model: "m", domain: "tiny", results: ProbeResults(zeroShot: small)),
        ]
        let domains = [DomainSummary(name: "ref", role: .reference, isLabelled: true, imageCount: 200),
                       DomainSummary(name: "tiny", role: .shift, isLabelled: true, imageCount: 10)]
        let flags = Guardrails.evaluate(probes: probes, domains: domains, referenceDomain: "ref", verdicts: [])
        XCTAssertEqual(flags.map(\.code), [.domainTooFewImages, .domainTooFewPerClass, .chanceLevelAccuracy])
        XCTAssertEqual(flags.map(\.domain), ["tiny", "tiny", "tiny"])
    }
}
