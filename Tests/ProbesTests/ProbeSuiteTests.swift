import Foundation
@testable import Probes
@testable import Results
@testable import Support
@testable import Tensor
import XCTest

final class ProbeSuiteTests: XCTestCase {
    func fixtureDomains() throws -> (Matrix<Float>, DomainEmbeddings, DomainEmbeddings) {
        (try Fixture.matrix("head.npy"),
         DomainEmbeddings(name: "reference", embeddings: try Fixture.matrix("reference.npy"), labels: try Fixture.labels("reference_labels.txt")),
         DomainEmbeddings(name: "shift", embeddings: try Fixture.matrix("shift.npy"), labels: try Fixture.labels("shift_labels.txt")))
    }

    func smallOptions() -> ProbeOptions {
        var options = ProbeOptions()
        options.seed = 17
        options.bootstrapResamples = 200
        options.distance.mmdPermutations = 50
        options.linearProbe.candidates = [1e-2, 1e-4]
        return options
    }

    /// The pruning curve equals a direct count per checkpoint (logits of the kept prefix in
    /// fp64), on more rows than two of the logits' chunks, with one and two threads; the logits
    /// handed on, chunk by chunk, are the full product, bit for bit.
    func testPruningCurveMatchesDirectCounts() throws {
        var generator = SplitMix64(seed: 23)
        let n = 2 * Directions.logitChunkRows + 37, total = 29, classes = 11
        let features = Matrix(unchecked: n, total, (0..<(n * total)).map { _ in Float(generator.unit() - 0.5) })
        let weights = Matrix(unchecked: total, classes, (0..<(total * classes)).map { _ in Float(generator.unit() - 0.5) })
        let labels = (0..<n).map { _ in generator.index(below: classes) }
        let percents = Directions.defaultPrunedPercents
        var expected = [Double]()
        for percent in percents {
            let kept = Directions.kept(total: total, prunedPercent: percent)
            var correct = 0
            for i in 0..<n {
                let logits = (0..<classes).map { c in
                    (0..<kept).reduce(0.0) { $0 + Double(features[i, $1]) * Double(weights[$1, c]) }
                }
                if logits.firstIndex(of: logits.max()!) == labels[i] { correct += 1 }
            }
            expected.append(Double(correct) / Double(n))
        }
        for threads in [1, 2] {
            ThreadPool.shared.setThreadCount(threads)
            defer { ThreadPool.shared.setThreadCount(ThreadPool.defaultThreadCount) }
            var kept = [Float](), chunks = [Range<Int>]()
            let points = Directions.pruningCurve(
                orderedFeatures: features, orderedWeights: weights, labels: labels, prunedPercents: percents) { rows, logits in
                    chunks.append(rows)
                    kept += UnsafeBufferPointer(start: logits, count: rows.count * classes)
                }
            XCTAssertEqual(points.map(\.accuracy), expected, "threads \(threads)")
            XCTAssertEqual(points.map(\.kept), percents.map { Directions.kept(total: total, prunedPercent: $0) })
            XCTAssertEqual(chunks.first?.lowerBound, 0)
            XCTAssertEqual(chunks.last?.upperBound, n)
            XCTAssertTrue(zip(chunks, chunks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "chunks in row order")
            let full = features.multiplied(by: weights)
            XCTAssertEqual(kept.map(\.bitPattern), full.values.map(\.bitPattern))
        }
    }

    /// The direction coordinates through packed panels are `multiplied(byTransposeOf:)` of the
    /// leading directions, bit for bit (odd sizes: rows past the 6-row tile, a partial panel).
    func testCoordinatesOnDirectionsMatchTheProduct() {
        var generator = SplitMix64(seed: 29)
        let n = 103, d = 45, r = 45
        let embeddings = Matrix(unchecked: n, d, (0..<(n * d)).map { _ in Float(generator.unit() - 0.5) })
        let directions = Matrix(unchecked: r, d, (0..<(r * d)).map { _ in Float(generator.unit() - 0.5) })
        for count in [1, 7, 33, 45] {
            let packed = Directions.coordinatesOnDirections(embeddings, directions, count: count)
            let plain = embeddings.multiplied(byTransposeOf: directions.selectingRows(Array(0..<count)))
            XCTAssertEqual(packed.rows, n)
            XCTAssertEqual(packed.columns, count)
            XCTAssertEqual(packed.values.map(\.bitPattern), plain.values.map(\.bitPattern), "count \(count)")
        }
    }

    /// Models probed concurrently give, in order, exactly what each gives alone; the first
    /// failing model's error comes back.
    func testConcurrentModelsMatchSequentialRuns() throws {
        let (head, reference, shift) = try fixtureDomains()
        let options = smallOptions()
        var shifted = shift
        shifted.embeddings.values = shift.embeddings.values.map { $0 * 1.5 + 0.01 }
        let inputs = [(reference, shift), (shift, reference), (reference, shifted)]
        let alone = try inputs.enumerated().map { index, pair in
            try ProbeSuite.run(model: "m\(index)", head: head, reference: pair.0, shifts: [pair.1], options: options)
        }
        let together = try ProbeSuite.concurrentMap(inputs.count) { index in
            try ProbeSuite.run(model: "m\(index)", head: head, reference: inputs[index].0, shifts: [inputs[index].1], options: options)
        }
        XCTAssertEqual(together, alone)
        struct Failure: Error, Equatable { let index: Int }
        XCTAssertThrowsError(try ProbeSuite.concurrentMap(4) { index -> Int in
            if index >= 2 { throw Failure(index: index) }
            return index
        }) { XCTAssertEqual($0 as? Failure, Failure(index: 2)) }
    }

    func testSuiteAgreesWithTheProbesAndIsDeterministic() throws {
        let (head, reference, shift) = try fixtureDomains()
        let options = smallOptions()
        let results = try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [shift], options: options)
        XCTAssertEqual(results.map(\.domain), ["reference", "shift"])
        let ref = results[0].results, sh = results[1].results
        XCTAssertEqual(ref.zeroShot?.top1Correct, Fixture.int("zero_shot.reference.top1_correct"))
        XCTAssertEqual(sh.zeroShot?.top1Correct, Fixture.int("zero_shot.shift.top1_correct"))
        XCTAssertNil(ref.zeroShot?.differenceFromReference)
        let difference = try XCTUnwrap(sh.zeroShot?.differenceFromReference)
        assertClose(difference.difference, sh.zeroShot!.top1 - ref.zeroShot!.top1, relative: 1e-12)
        XCTAssertEqual(difference.seed, SplitMix64.derive(Seeds(base: 17).bootstrap, index: 1))
        // ATC-MC and ATC-NE: thresholds fitted on the reference's seeded fit half; on the
        // reference the estimate and its error are over the other half, not 0 by construction.
        let split = ATC.split(count: 200, seed: try XCTUnwrap(Seeds(base: 17).labelFree))
        let scores = try ZeroShot.scores(embeddings: reference.embeddings, head: head, labels: reference.labels)
        let correct = zip(scores.predictions, reference.labels!).map { $0 == $1 }
        let checkActual = Double(split.checkRows.filter { correct[$0] }.count) / Double(split.checkRows.count)
        XCTAssertEqual(ref.labelFree?.map(\.score), [.maxConfidence, .negativeEntropy])
        XCTAssertEqual(sh.labelFree?.map(\.score), [.maxConfidence, .negativeEntropy])
        for (estimate, score) in zip(try XCTUnwrap(ref.labelFree), ATC.Score.allCases) {
            let estimator = try ATC.fit(score: score, reference: scores, correct: correct, split: split)
            assertClose(estimate.threshold, estimator.threshold, relative: 1e-6)  // the suite's logits come through the pruning curves
            XCTAssertEqual(estimate.count, split.checkRows.count)
            XCTAssertEqual(estimate.actualAccuracy, checkActual)
            XCTAssertEqual(estimate.error, estimate.estimate - checkActual)
        }
        XCTAssertNotEqual(ref.atc?.error, 0)
        XCTAssertEqual(ref.atc?.estimate, ref.labelFree?[0].estimate)
        for estimate in try XCTUnwrap(sh.labelFree) {
            XCTAssertEqual(estimate.count, 200)
            XCTAssertEqual(estimate.actualAccuracy, sh.zeroShot?.top1)
            XCTAssertEqual(try XCTUnwrap(estimate.error), estimate.estimate - sh.zeroShot!.top1, accuracy: 1e-15)
        }
        XCTAssertEqual(sh.atc?.estimate, sh.labelFree?[0].estimate)
        XCTAssertNil(ref.labelFreeErrors)
        XCTAssertNil(sh.labelFreeErrors)
        // Calibration on every labelled domain, the floor's draws seeded per domain.
        let shiftScores = try ZeroShot.scores(embeddings: shift.embeddings, head: head, labels: shift.labels)
        for (index, (stored, domainScores, labels)) in [(ref.calibration, scores, reference.labels!), (sh.calibration, shiftScores, shift.labels!)].enumerated() {
            let calibration = try XCTUnwrap(stored)
            let direct = try XCTUnwrap(Calibration.analyze(
                confidences: domainScores.confidences, correct: zip(domainScores.predictions, labels).map { $0 == $1 },
                seed: SplitMix64.derive(try XCTUnwrap(Seeds(base: 17).calibration), index: index)))
            XCTAssertEqual(calibration.seed, direct.seed)
            XCTAssertEqual(calibration.bins.map(\.count), direct.bins.map(\.count))
            XCTAssertEqual(calibration.bins.map(\.correct), direct.bins.map(\.correct))
            assertClose(calibration.ece, direct.ece, relative: 1e-6)
            assertClose(calibration.calibratedFloor, try XCTUnwrap(direct.calibratedFloor), relative: 1e-6)
        }
        XCTAssertNil(ref.distance)
        let distance = try XCTUnwrap(sh.distance)
        assertClose(distance.frechet, Fixture.double("distance.frechet"))
        XCTAssertEqual(distance.frechetSampleSize, 200)
        XCTAssertEqual(distance.mmdSampleSize, 200)
        XCTAssertGreaterThan(try XCTUnwrap(distance.auc), 0.6)
        XCTAssertLessThan(try XCTUnwrap(distance.mmdPValue), 0.05)
        XCTAssertEqual(sh.outliers?.jaccardWithReference.map { ($0 * 1e12).rounded() }, (Fixture.double("outliers.shift.jaccard") * 1e12).rounded())
        XCTAssertEqual(sh.directions?.curve.map(\.accuracy), Fixture.doubles("directions.shift_curve"))
        let probe = try XCTUnwrap(ref.linearProbe)
        XCTAssertEqual(probe.trainCount, 120)
        XCTAssertEqual(probe.validationCount, 40)
        XCTAssertEqual(probe.count, 40)
        XCTAssertGreaterThan(probe.accuracy, 0.5)
        XCTAssertEqual(sh.linearProbe?.count, 200)
        // Same seed, same numbers; another seed moves only the seeded ones.
        XCTAssertEqual(try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [shift], options: options), results)
        var sequential = options
        sequential.parallelDomains = false
        XCTAssertEqual(try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [shift, reference], options: sequential).prefix(2),
                       try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [shift, reference], options: options).prefix(2))
        XCTAssertEqual(Array(try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [shift, reference], options: options).prefix(2)), results)
        var other = options
        other.seed = 18
        let moved = try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [shift], options: other)
        XCTAssertEqual(moved[1].results.zeroShot?.top1, sh.zeroShot?.top1)
        XCTAssertNotEqual(moved[1].results.zeroShot?.differenceFromReference?.seed, difference.seed)
    }

    func testSubsamplesAboveTheCapsAndRecordsTheSize() throws {
        let (head, reference, shift) = try fixtureDomains()
        var options = smallOptions()
        options.distance.frechetMaxSamples = 150
        options.distance.mmdMaxSamples = 40
        options.distance.aucMaxSamples = 60
        options.runLinearProbe = false
        let results = try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [shift], options: options)
        let distance = try XCTUnwrap(results[1].results.distance)
        XCTAssertEqual(distance.frechetSampleSize, 150)
        XCTAssertEqual(distance.mmdSampleSize, 40)
        XCTAssertEqual(distance.aucSampleSize, 60)
        XCTAssertNotEqual(distance.frechet, Fixture.double("distance.frechet"))
        XCTAssertNil(results[0].results.linearProbe)
    }

    // MARK: Degenerate inputs: a defined result or a clear message, never NaN.

    func assertEncodable(_ results: [ModelDomainProbes], file: StaticString = #filePath, line: UInt = #line) throws {
        // JSONEncoder throws on NaN/infinity, so encoding proves every number is finite.
        let data = try RunResults.encoder().encode(results)
        XCTAssertFalse(String(decoding: data, as: UTF8.self).contains(": NaN"), file: file, line: line)
    }

    func testNaNEmbeddingsAreLeftOutAndCounted() throws {
        let (head, reference, shift) = try fixtureDomains()
        var broken = shift
        broken.embeddings.values[5 * broken.embeddings.columns + 2] = .nan
        broken.embeddings.values[9 * broken.embeddings.columns] = .infinity
        broken.embeddings.values[13 * broken.embeddings.columns - 1] = -.infinity  // the last dimension of row 12
        let results = try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [broken], options: smallOptions())
        XCTAssertEqual(results[1].results.zeroShot?.count, 197)
        XCTAssertEqual(results[1].results.notes, [ProbeNote(.nonfiniteEmbeddings, count: 3)])
        XCTAssertEqual(results[0].results.notes, [])
        try assertEncodable(results)
    }

    func testNotesAreCodesAndSchema1NotesStillRead() throws {
        let (head, reference, shift) = try fixtureDomains()
        let unlabelledReference = DomainEmbeddings(name: "r", embeddings: reference.embeddings, labels: nil)
        let single = DomainEmbeddings(name: "one", embeddings: shift.embeddings.selectingRows([0]), labels: [shift.labels![0]])
        let results = try ProbeSuite.run(model: "m", head: head, reference: unlabelledReference, shifts: [single], options: smallOptions())
        XCTAssertEqual(results[0].results.notes.map(\.code), [.referenceUnlabelled])
        XCTAssertEqual(results[1].results.notes.map(\.code), [.singleImageDistance, .singleLabel])
        let json = String(decoding: try RunResults.encoder().encode(results[1].results), as: UTF8.self)
        XCTAssertFalse(json.contains("\"note_codes\""))
        XCTAssertTrue(json.contains("\"code\" : \"single_label\""))
        XCTAssertEqual(try JSONDecoder().decode(ProbeResults.self, from: Data(json.utf8)), results[1].results)
        // Schema 1: English sentences with their codes beside them read as the codes ...
        let coded = try JSONDecoder().decode(ProbeResults.self, from: Data("""
            {"notes": ["3 embeddings with NaN or infinity left out", "one image: Fréchet distance and MMD need at least 2"],
             "note_codes": [{"code": "nonfinite_embeddings", "count": 3}, {"code": "single_image_distance"}]}
            """.utf8))
        XCTAssertEqual(coded.notes, [ProbeNote(.nonfiniteEmbeddings, count: 3), ProbeNote(.singleImageDistance)])
        XCTAssertEqual(coded.uncodedNotes, [])
        // ... and without codes (written before codes existed), or with codes that do not match
        // the sentences one for one, as the sentences.
        let old = try JSONDecoder().decode(ProbeResults.self, from: Data("{\"notes\": [\"one image: Fréchet distance and MMD need at least 2\"]}".utf8))
        XCTAssertEqual(old.notes, [])
        XCTAssertEqual(old.uncodedNotes, ["one image: Fréchet distance and MMD need at least 2"])
        let mismatched = try JSONDecoder().decode(ProbeResults.self, from: Data("""
            {"notes": ["a", "b"], "note_codes": [{"code": "single_label"}]}
            """.utf8))
        XCTAssertEqual(mismatched.notes, [])
        XCTAssertEqual(mismatched.uncodedNotes, ["a", "b"])
        // The concept probe's two ways of being skipped have their own codes.
        let rows = reference.embeddings.rows
        let noConcept = ConceptProbeInput(names: [], similarities: try Matrix(rows: rows, columns: 0, values: []))
        let tooFew = try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [], concepts: noConcept, options: smallOptions())
        XCTAssertEqual(tooFew[0].results.notes.map(\.code), [.conceptProbeTooFew])
        let wrongRows = ConceptProbeInput(names: ["c"], similarities: try Matrix(rows: rows - 1, columns: 1, values: [Float](repeating: 0, count: rows - 1)))
        let mismatch = try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [], concepts: wrongRows, options: smallOptions())
        XCTAssertEqual(mismatch[0].results.notes.map(\.code), [.conceptSimilaritiesMismatch])
    }

    func testOneImageDomainAndConstantDimension() throws {
        let (head, reference, shift) = try fixtureDomains()
        var ref = reference
        for i in 0..<ref.embeddings.rows { ref.embeddings.values[i * ref.embeddings.columns + 4] = 0.25 }  // constant dimension
        let single = DomainEmbeddings(name: "one", embeddings: shift.embeddings.selectingRows([0]), labels: [shift.labels![0]])
        let results = try ProbeSuite.run(model: "m", head: head, reference: ref, shifts: [single], options: smallOptions())
        let one = results[1].results
        XCTAssertEqual(one.zeroShot?.count, 1)
        XCTAssertNil(one.distance?.frechet)
        XCTAssertNil(one.distance?.mmd2)
        XCTAssertNil(one.distance?.auc)
        XCTAssertNil(one.outliers?.kurtosisPerDimension[0])  // n = 1
        XCTAssertNil(results[0].results.outliers?.kurtosisPerDimension[4])  // constant
        XCTAssertNotNil(results[0].results.outliers?.kurtosisPerDimension[5])
        try assertEncodable(results)
    }

    func testOneClassAndUnlabelledAndFewerImagesThanDimensions() throws {
        let (head, reference, shift) = try fixtureDomains()
        let oneClass = DomainEmbeddings(name: "one-class", embeddings: shift.embeddings.selectingRows(Array(0..<10)), labels: Array(repeating: 2, count: 10))
        let unlabelled = DomainEmbeddings(name: "unlabelled", embeddings: shift.embeddings.selectingRows(Array(0..<20)), labels: nil)
        let results = try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [oneClass, unlabelled], options: smallOptions())
        let c = results[1].results
        XCTAssertEqual(c.zeroShot?.perClass.filter { $0.count > 0 }.map(\.classIndex), [2])
        XCTAssertNil(c.zeroShot?.perClass[0].accuracy)
        XCTAssertNotNil(c.distance?.frechet)  // n = 10 < d = 32: singular covariance, still defined
        let u = results[2].results
        XCTAssertNil(u.zeroShot)
        XCTAssertNil(u.directions)
        XCTAssertNotNil(u.atc?.estimate)
        XCTAssertNil(u.atc?.error)
        XCTAssertEqual(u.labelFree?.compactMap(\.error), [])
        // The unlabelled shift says how far each estimator was off where labels exist: the
        // reference's check half and the one-class shift.
        let checked = try XCTUnwrap(u.labelFreeErrors)
        XCTAssertEqual(checked.map(\.score), [.maxConfidence, .negativeEntropy])
        for summary in checked {
            let errors = [results[0], results[1]].compactMap { $0.results.labelFree?.first { $0.score == summary.score }?.error }
            XCTAssertEqual(summary.checks, 2)
            XCTAssertEqual(summary.meanAbsoluteError, errors.map(abs).reduce(0, +) / 2, accuracy: 1e-15)
            XCTAssertEqual(summary.maxAbsoluteError, errors.map(abs).max())
        }
        XCTAssertNil(c.labelFreeErrors)
        XCTAssertEqual(c.calibration?.count, 10)
        XCTAssertNil(u.calibration)
        XCTAssertNotNil(u.outliers)
        try assertEncodable(results)
        // A reference of one class: the linear probe is impossible and says so.
        let oneClassReference = DomainEmbeddings(name: "r", embeddings: reference.embeddings, labels: Array(repeating: 0, count: 200))
        let r = try ProbeSuite.run(model: "m", head: head, reference: oneClassReference, shifts: [], options: smallOptions())
        XCTAssertNil(r[0].results.linearProbe)
        XCTAssertEqual(r[0].results.notes.map(\.code), [.linearProbeTooFew, .singleLabel])
        try assertEncodable(r)
    }

    func testBadShapesAndLabelsAreTypedErrors() throws {
        let (head, reference, shift) = try fixtureDomains()
        let narrow = DomainEmbeddings(name: "x", embeddings: shift.embeddings.selectingColumns(Array(0..<31)), labels: nil)
        XCTAssertThrowsError(try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [narrow])) { error in
            XCTAssertEqual((error as? ProbesError)?.code, "probes.shape")
        }
        var badLabel = shift
        badLabel.labels![0] = 99
        XCTAssertThrowsError(try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [badLabel])) { error in
            XCTAssertEqual((error as? ProbesError)?.code, "probes.invalid")
        }
        let empty = DomainEmbeddings(name: "r", embeddings: Matrix(zeros: 0, 32), labels: [])
        XCTAssertThrowsError(try ProbeSuite.run(model: "m", head: head, reference: empty, shifts: []))
        XCTAssertThrowsError(try Matrix<Float>(rows: 2, columns: 3, values: [1, 2]))
    }

    // MARK: Verdicts

    func testVerdictRules() throws {
        func probes(top1 correct: Int, of n: Int, differenceCI: Interval? = nil) -> ProbeResults {
            let ci = Statistics.clopperPearson(successes: correct, trials: n)!
            var zeroShot = ZeroShotResult(count: n, top1Correct: correct, top1: Double(correct) / Double(n), top1CI: ci, top5Correct: n, top5: 1, top5CI: ci, perClass: [])
            zeroShot.differenceFromReference = differenceCI.map { BootstrapDifference(difference: 0, ci: $0, resamples: 1, seed: 0) }
            return ProbeResults(zeroShot: zeroShot)
        }
        let criteria = Criteria(minAccuracy: 0.8, maxRelativeDrop: 0.1)
        let good = Verdict.shift(model: "m", domain: "r", isReference: true, probes: probes(top1: 900, of: 1000), referenceAccuracy: 0.9, robustness: nil, criteria: criteria)
        XCTAssertEqual(good.status, .pass)
        XCTAssertEqual(good.reasons.map(\.code), [.criteriaMet])
        let low = Verdict.shift(model: "m", domain: "s", isReference: false, probes: probes(top1: 700, of: 1000), referenceAccuracy: 0.9, robustness: nil, criteria: criteria)
        XCTAssertEqual(low.status, .fail)
        XCTAssertEqual(low.reasons.map(\.code), [.accuracyBelowMinimum, .relativeDropUncertain])
        let strongDrop = Verdict.shift(model: "m", domain: "s", isReference: false, probes: probes(top1: 700, of: 1000, differenceCI: Interval(lower: -0.23, upper: -0.17)), referenceAccuracy: 0.9, robustness: nil, criteria: criteria)
        XCTAssertTrue(strongDrop.reasons.contains { $0.code == .relativeDropAboveMaximum && $0.status == .fail })
        let uncertain = Verdict.shift(model: "m", domain: "s", isReference: false, probes: probes(top1: 41, of: 50), referenceAccuracy: 0.84, robustness: nil, criteria: criteria)
        XCTAssertEqual(uncertain.status, .watch)
        XCTAssertEqual(uncertain.reasons.first?.code, .accuracyUncertain)
        let unlabelled = Verdict.shift(model: "m", domain: "u", isReference: false, probes: ProbeResults(atc: ATCResult(threshold: 0.5, estimate: 0.6)), referenceAccuracy: 0.9, robustness: nil, criteria: criteria)
        XCTAssertEqual(unlabelled.status, .watch)  // an estimate never fails a model
        XCTAssertEqual(unlabelled.reasons.map(\.code), [.estimatedAccuracyBelowMinimum, .estimatedRelativeDropAboveMaximum])
        let noCriteria = Verdict.shift(model: "m", domain: "s", isReference: false, probes: probes(top1: 100, of: 1000), referenceAccuracy: 0.9, robustness: nil, criteria: Criteria())
        XCTAssertEqual(noCriteria.status, .notAssessed)  // no criterion set: no evidence either way
        let model = Verdict.model("m", shifts: [good, low, uncertain])
        XCTAssertEqual(model.status, .fail)
        XCTAssertTrue(model.reasons.allSatisfy { $0.status != .pass })
        XCTAssertEqual(model.reasons[0].domain, "s")
        XCTAssertNil(low.reasons[0].domain, "an image-set verdict does not repeat its domain")
        // Schema 1 stored an English `message` (in model verdicts prefixed with the domain): read, not kept.
        let stored = try JSONDecoder().decode(VerdictReason.self, from: Data("""
            {"code": "accuracy_uncertain", "status": "watch", "message": "s: top-1 82.0 % has a 95 % CI …", "value": 0.82, "limit": 0.8}
            """.utf8))
        XCTAssertEqual(stored, VerdictReason(code: .accuracyUncertain, status: .watch, value: 0.82, limit: 0.8))
    }

    // MARK: Schema

    /// Skip codes are lower snake_case; every spelling schema 1 wrote still decodes, keeps its
    /// spelling for the pages of that run, and is written in the new style.
    func testSkipCodesOfSchema1StillDecode() throws {
        let old: [String: SkippedImage.Code] = [
            "image.truncated": .imageTruncated, "image.corrupt": .imageCorrupt, "image.unsupported": .imageUnsupported,
            "image.too-large": .imageTooLarge, "image.memory-limit": .imageMemoryLimit, "image.unknown-format": .imageUnknownFormat,
            "image.unreadable": .imageUnreadable, "image.error": .imageError, "label.unknown": .labelUnknown,
            "file.missing": .fileMissing, "not-an-image": .notAnImage, "hidden": .hiddenFile, "domain": .domainUnusable,
        ]
        XCTAssertEqual(Set(old.values), Set(SkippedImage.Code.allCases))
        for (spelling, code) in old {
            let image = try JSONDecoder().decode(SkippedImage.self, from: Data("{\"path\": \"a\", \"code\": \"\(spelling)\", \"reason\": \"r\"}".utf8))
            XCTAssertEqual(image.code, code, spelling)
            XCTAssertEqual(image.shownCode, spelling)
            let written = String(decoding: try JSONEncoder().encode(image), as: UTF8.self)
            XCTAssertTrue(written.contains("\"code\":\"\(code.rawValue)\""), written)
            XCTAssertFalse(written.contains("\"\(spelling)\""), written)
        }
        for code in SkippedImage.Code.allCases {
            XCTAssertEqual(code.rawValue, code.rawValue.lowercased())
            XCTAssertTrue(code.rawValue.allSatisfy { $0.isLetter || $0 == "_" }, code.rawValue)
            let image = try JSONDecoder().decode(SkippedImage.self, from: Data("{\"path\": \"a\", \"code\": \"\(code.rawValue)\", \"reason\": \"r\"}".utf8))
            XCTAssertEqual(image, SkippedImage(path: "a", code: code, reason: "r"))
        }
        XCTAssertThrowsError(try JSONDecoder().decode(SkippedImage.self, from: Data("{\"path\": \"a\", \"code\": \"image.brand-new\", \"reason\": \"r\"}".utf8)))
    }

    func testRunResultsRoundTripsWithSnakeCaseKeys() throws {
        let (head, reference, shift) = try fixtureDomains()
        let options = smallOptions()
        let probes = try ProbeSuite.run(model: "ViT-B/32", head: head, reference: reference, shifts: [shift], options: options)
        let robustness = ProbeSuite.effectiveRobustness(model: "ViT-B/32", referenceDomain: "reference", probes: probes)
        let criteria = Criteria(minAccuracy: 0.7, maxRelativeDrop: 0.1)
        let results = RunResults(
            pilot: PilotSummary(name: "line3", title: "Line 3 — <lighting>", language: "ja"), runID: "2026-11-26T1900Z-0001",
            createdAt: "2026-11-26T19:00:00Z", toolVersion: "0.1.0",
            models: [ModelSummary(name: "ViT-B/32", sha256: String(repeating: "a", count: 64), family: "ViT-B/32", activation: "gelu")],
            domains: [DomainSummary(name: "reference", role: .reference, isLabelled: true, imageCount: 200),
                      DomainSummary(name: "shift", role: .shift, isLabelled: true, imageCount: 200,
                                    skippedImages: [SkippedImage(path: "a.jpg", code: .imageCorrupt, reason: "bad DQT")])],
            probes: probes, effectiveRobustness: [robustness],
            verdicts: ProbeSuite.verdicts(probes: probes, referenceDomain: "reference", robustness: [robustness], criteria: criteria),
            criteria: criteria, seeds: Seeds(base: options.seed))
        let data = try RunResults.encoder().encode(results)
        XCTAssertEqual(try RunResults.decode(data), results)
        let text = String(decoding: data, as: UTF8.self)
        for key in ["\"schema_version\" : 2", "\"run_id\"", "\"zero_shot\"", "\"top1_ci\"", "\"kurtosis_mean\"", "\"effective_robustness\"",
                    "\"skipped_images\"", "\"pruned_fraction\"", "\"mmd2\"", "\"linear_probe\"", "\"max_relative_drop\""] {
            XCTAssertTrue(text.contains(key), key)
        }
        XCTAssertFalse(text.contains("topDimensions"))
        XCTAssertEqual(robustness.points.first?.domain, "shift")
        XCTAssertNil(robustness.points.first?.effectiveRobustness)
        XCTAssertEqual(results.verdicts.shifts.count, 2)
        XCTAssertEqual(results.probes(model: "ViT-B/32", domain: "shift")?.zeroShot?.count, 200)
    }

    func testBaselineCSVParsing() throws {
        let long = "model,domain,reference_accuracy,accuracy\nrn50,sketch,0.76,0.24\nvit,sketch,0.81,0.31\nvit,night,0.81,0.5\n"
        let parsed = try EffectiveRobustnessProbe.parseBaselineCSV(long)
        XCTAssertEqual(parsed["sketch"]?.count, 2)
        XCTAssertEqual(parsed["night"]?.first?.accuracy, 0.5)
        XCTAssertThrowsError(try EffectiveRobustnessProbe.parseBaselineCSV("model,domain,reference_accuracy,accuracy\nrn50,sketch,76,24\n"))
        XCTAssertThrowsError(try EffectiveRobustnessProbe.parseBaselineCSV("a,b\n"))
        let table = "model,imagenet,imagenet_sketch\nalexnet,56.52,10.72\nsqueeze,50.0,9.0\nresnet,76.1,24.1\n"
        let points = try EffectiveRobustnessProbe.parsePercentTable(table, referenceColumn: "imagenet", shiftColumn: "imagenet_sketch")
        XCTAssertEqual(points.map(\.model), ["alexnet", "resnet"])  // val ≥ 55 % only
        XCTAssertEqual(points[0].referenceAccuracy, 0.5652, accuracy: 1e-12)
    }

    /// Both baseline readers read RFC 4180 CSV: a quoted field may hold a comma or a `""`
    /// escape, lines may end in CRLF, a UTF-8 byte-order mark is not part of the first header,
    /// and blank lines are skipped.
    func testBaselineReadersHonourQuotesEscapesCRLFAndBOM() throws {
        let long = "\u{FEFF}model,domain,reference_accuracy,accuracy\r\n\"ViT-B/32, LAION\",sketch,0.7,0.4\r\n   \r\n\"say \"\"hi\"\"\",sketch,0.6,0.3\r\n"
        let parsed = try EffectiveRobustnessProbe.parseBaselineCSV(long)
        XCTAssertEqual(parsed["sketch"]?.map(\.model), ["ViT-B/32, LAION", "say \"hi\""])
        let table = "\u{FEFF}model,imagenet,imagenet_sketch\r\n\"a \"\"quoted\"\", model\",76.1,24.1\r\n"
        let points = try EffectiveRobustnessProbe.parsePercentTable(table, referenceColumn: "imagenet", shiftColumn: "imagenet_sketch")
        XCTAssertEqual(points.map(\.model), ["a \"quoted\", model"])
        XCTAssertEqual(points.first?.accuracy ?? 0, 0.241, accuracy: 1e-12)
    }

    func testShippedTestbedBaselineFitsASensibleLine() throws {
        var root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) { root.deleteLastPathComponent() }
        let text = try String(contentsOf: root.appendingPathComponent("assets/baselines/imagenet-shifts-standard-testbed.csv"), encoding: .utf8)
        let points = try EffectiveRobustnessProbe.parsePercentTable(text, referenceColumn: "imagenet", shiftColumn: "imagenet_v2")
        XCTAssertGreaterThan(points.count, 20)
        let fit = try XCTUnwrap(EffectiveRobustnessProbe.fit(baseline: points, sources: [BaselineSource(.testbed, file: BaselineSource.testbedFile)], resamples: 200, seed: 1))
        // ImageNet-V2 tracks val closely in logit space: slope near 1, V2 below val.
        XCTAssertEqual(fit.slope, 1, accuracy: 0.2)
        XCTAssertLessThan(EffectiveRobustnessProbe.point(domain: "v2", referenceAccuracy: 0.76, accuracy: 0.64, fit: fit).effectiveRobustness!.magnitude, 0.03)
        // R uses the val-on-R-classes column as x and keeps only val ≥ 55 % models.
        let r = try EffectiveRobustnessProbe.imagenetTestbedBaseline(text, shiftColumn: "imagenet_r")
        let alexnet = try XCTUnwrap(r.first { $0.model == "alexnet" })
        XCTAssertEqual(alexnet.referenceAccuracy, 0.7691, accuracy: 1e-12)
        XCTAssertEqual(alexnet.accuracy, 0.2177, accuracy: 1e-12)
        XCTAssertEqual(r.count, points.count)
    }
}
