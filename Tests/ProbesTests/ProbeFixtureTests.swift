import Foundation
@testable import Probes
import Results
import Tensor
import XCTest

/// Every probe against numpy / scipy / scikit-learn values (Fixtures/make_fixtures.py).
final class ProbeFixtureTests: XCTestCase {
    var head: Matrix<Float>!
    var reference: Matrix<Float>!
    var shift: Matrix<Float>!
    var referenceLabels: [Int]!
    var shiftLabels: [Int]!

    override func setUpWithError() throws {
        head = try Fixture.matrix("head.npy")
        reference = try Fixture.matrix("reference.npy")
        shift = try Fixture.matrix("shift.npy")
        referenceLabels = try Fixture.labels("reference_labels.txt")
        shiftLabels = try Fixture.labels("shift_labels.txt")
    }

    func testZeroShotMatchesNumpy() throws {
        for (name, x, y) in [("reference", reference!, referenceLabels!), ("shift", shift!, shiftLabels!)] {
            let scores = try ZeroShot.scores(embeddings: x, head: head, labels: y)
            let result = try XCTUnwrap(ZeroShot.result(scores: scores, labels: y, classCount: head.rows))
            XCTAssertEqual(result.top1Correct, Fixture.int("zero_shot.\(name).top1_correct"), name)
            XCTAssertEqual(result.top5Correct, Fixture.int("zero_shot.\(name).top5_correct"), name)
            XCTAssertEqual(result.count, x.rows)
            let ci = Fixture.doubles("zero_shot.\(name).top1_ci")
            assertClose(result.top1CI.lower, ci[0], relative: 1e-9)
            assertClose(result.top1CI.upper, ci[1], relative: 1e-9)
            let perClass = (Fixture.object("zero_shot.\(name).per_class") as! [[NSNumber]]).map { $0.map(\.intValue) }
            XCTAssertEqual(result.perClass.map { [$0.count, $0.correct] }, perClass)
        }
    }

    /// The most frequent wrong predictions against numpy (Fixtures/make_confusions.py).
    func testConfusionsMatchNumpy() throws {
        let data = try Data(contentsOf: Fixture.directory.appendingPathComponent("confusions.json"))
        let expected = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for (name, x, y) in [("reference", reference!, referenceLabels!), ("shift", shift!, shiftLabels!)] {
            let scores = try ZeroShot.scores(embeddings: x, head: head, labels: y)
            let result = try XCTUnwrap(ZeroShot.result(scores: scores, labels: y, classCount: head.rows))
            let pairs = try XCTUnwrap(expected[name] as? [[Int]])
            XCTAssertFalse(pairs.isEmpty, name)
            XCTAssertEqual(result.confusions?.map { [$0.trueClass, $0.predictedClass, $0.count] }, pairs, name)
        }
        // Ties: count, then true class, then predicted class.
        XCTAssertEqual(ZeroShot.confusions(predictions: [1, 0, 2, 2, 0, 1], labels: [0, 1, 0, 1, 2, 2], limit: 3),
                       [Confusion(trueClass: 0, predictedClass: 1, count: 1), Confusion(trueClass: 0, predictedClass: 2, count: 1),
                        Confusion(trueClass: 1, predictedClass: 0, count: 1)])
    }

    func testOutliersMatchNumpyAndScipyKurtosis() throws {
        let a = try Outliers.analyze(reference, threshold: 10, topK: 10)
        let b = try Outliers.analyze(shift, threshold: 10, topK: 10)
        for (name, result) in [("reference", a), ("shift", b)] {
            assertClose(result.meanAbsActivation, Fixture.doubles("outliers.\(name).mean_abs"), name)
            assertClose(result.ratios, Fixture.doubles("outliers.\(name).ratios"), name)
            XCTAssertEqual(result.count, Fixture.int("outliers.\(name).count"), name)
            XCTAssertEqual(result.topDimensions, Fixture.ints("outliers.\(name).top"), name)
            assertClose(result.kurtosisMean, Fixture.double("outliers.\(name).kurtosis_mean"), name)
            assertClose(result.kurtosisPerDimension.map { $0 ?? .nan }, Fixture.doubles("outliers.\(name).kurtosis_per_dimension"), name)
        }
        XCTAssertGreaterThanOrEqual(a.count, 1)
        XCTAssertTrue(a.dimensions.contains(3))
        assertClose(Outliers.jaccard(a.topDimensions, b.topDimensions), Fixture.double("outliers.shift.jaccard"), relative: 1e-12)
    }

    func testDirectionsMatchNumpySVD() throws {
        let basis = try Directions.basis(head: head, reference: reference)
        assertClose(basis.singularValues, Fixture.doubles("directions.singular_values"))
        assertClose(basis.importance, Fixture.doubles("directions.importance"))
        let m = try Outliers.analyze(reference).meanAbsActivation
        for (name, x, y) in [("reference", reference!, referenceLabels!), ("shift", shift!, shiftLabels!)] {
            let result = try Directions.result(basis: basis, head: head, referenceMeanAbs: m, embeddings: x, labels: y)
            XCTAssertEqual(result.curve.map(\.accuracy), Fixture.doubles("directions.\(name)_curve"), name)
            XCTAssertEqual(result.coordinateCurve.map(\.accuracy), Fixture.doubles("directions.\(name)_coordinate_curve"), name)
            XCTAssertEqual(result.curve.map(\.prunedFraction), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
            XCTAssertEqual(result.curve.first?.kept, head.rows)
            XCTAssertEqual(result.coordinateCurve.first?.kept, head.columns)
        }
        // The suite's shared path: scores from the coordinate curve's full logits.
        for (x, y) in [(reference!, referenceLabels!), (shift!, shiftLabels!)] {
            let (shared, scores) = try Directions.resultAndScores(basis: basis, head: head, referenceMeanAbs: m, embeddings: x, labels: y, prunedPercents: Directions.defaultPrunedPercents)
            let direct = try ZeroShot.scores(embeddings: x, head: head, labels: y)
            XCTAssertEqual(shared, try Directions.result(basis: basis, head: head, referenceMeanAbs: m, embeddings: x, labels: y))
            XCTAssertEqual(scores.predictions, direct.predictions)
            XCTAssertEqual(scores.labelRanks, direct.labelRanks)
            assertClose(scores.confidences, direct.confidences, relative: 1e-4)
        }
        // Unpruned directions span the head's rows: the curve starts at the zero-shot accuracy.
        let zeroShot = ZeroShot.result(scores: try ZeroShot.scores(embeddings: reference, head: head, labels: referenceLabels), labels: referenceLabels, classCount: head.rows)!
        let curve = try Directions.result(basis: basis, head: head, referenceMeanAbs: m, embeddings: reference, labels: referenceLabels).curve
        XCTAssertEqual(curve[0].accuracy, zeroShot.top1)
    }

    func testATCMatchesNumpy() throws {
        let scoresA = try ZeroShot.scores(embeddings: reference, head: head, labels: referenceLabels)
        let scoresB = try ZeroShot.scores(embeddings: shift, head: head, labels: shiftLabels)
        let correct = Fixture.int("zero_shot.reference.top1_correct")
        let threshold = try ATC.threshold(referenceConfidences: scoresA.confidences, referenceCorrect: correct)
        assertClose(threshold, Fixture.double("atc.threshold"), relative: 1e-6)
        XCTAssertEqual(ATC.result(threshold: threshold, confidences: scoresA.confidences, actualAccuracy: nil)?.estimate, Fixture.double("atc.reference_estimate"))
        let shifted = try XCTUnwrap(ATC.result(threshold: threshold, confidences: scoresB.confidences, actualAccuracy: 0.67))
        XCTAssertEqual(shifted.estimate, Fixture.double("atc.shift_estimate"))
        assertClose(shifted.error, shifted.estimate - 0.67, relative: 1e-12)
    }

    func testFrechetMatchesScipySqrtm() throws {
        let a = try XCTUnwrap(Distance.Gaussian(reference))
        let b = try XCTUnwrap(Distance.Gaussian(shift))
        assertClose(try Distance.frechet(a, b), Fixture.double("distance.frechet"))
        XCTAssertEqual(try Distance.frechet(a, a), 0, accuracy: 1e-9 * Fixture.double("distance.frechet"))
        // n < d: singular covariances take the eigendecomposition path.
        let small = try Distance.frechet(
            XCTUnwrap(Distance.Gaussian(reference.selectingRows(Array(0..<10)))),
            XCTUnwrap(Distance.Gaussian(shift.selectingRows(Array(0..<12)))))
        assertClose(small, Fixture.double("distance.frechet_small"), relative: 1e-5)
    }

    func testMMDMatchesNumpy() throws {
        let x = reference.selectingRows(Array(0..<Fixture.int("distance.mmd_x_rows")))
        let y = shift.selectingRows(Array(0..<Fixture.int("distance.mmd_y_rows")))
        let result = try XCTUnwrap(Distance.mmd(x, y, permutations: 200, seed: 5))
        assertClose(result.mmd2, Fixture.double("distance.mmd2"))
        assertClose(result.bandwidth, Fixture.double("distance.bandwidth"))
        XCTAssertEqual(Distance.mmd(x, y, permutations: 200, seed: 5), result)
        // These domains differ clearly: no permutation reaches the observed value.
        XCTAssertEqual(result.pValue, 1.0 / 201)
        // Two halves of one domain: not significant.
        let same = try XCTUnwrap(Distance.mmd(reference.selectingRows(Array(0..<100)), reference.selectingRows(Array(100..<200)), permutations: 200, seed: 5))
        XCTAssertGreaterThan(same.pValue, 0.05)
        XCTAssertLessThan(abs(same.mmd2), result.mmd2 / 5)
    }

    /// sklearn and our L-BFGS minimise the same strictly convex objective; run to tight
    /// tolerances both give the same ranking (AUC to 1e-6). At the suite's default stopping
    /// tolerance (1e-5) a near-tie pair may swap: the AUC moves by at most a few pairs (< 3e-4 here).
    func testDomainClassifierAUCMatchesSklearn() throws {
        let nx = Fixture.int("distance.auc_x_rows"), ny = Fixture.int("distance.auc_y_rows")
        let x = reference.selectingRows(Array(0..<nx)).converted(to: Double.self).rowNormalized()
        let y = shift.selectingRows(Array(0..<ny)).converted(to: Double.self).rowNormalized()
        let folds = (0..<(nx + ny)).map { $0 % 5 }
        let auc = try Distance.domainClassifierAUC(reference: x, other: y, folds: folds, foldCount: 5, inverseRegularization: 1, tolerance: 1e-9)
        assertClose(auc, Fixture.double("distance.auc"), relative: 1e-6)
        let quick = try Distance.domainClassifierAUC(reference: x, other: y, folds: folds, foldCount: 5, inverseRegularization: 1)
        XCTAssertEqual(try XCTUnwrap(quick), Fixture.double("distance.auc"), accuracy: 3e-4)
    }

    /// Multinomial fit vs sklearn `LogisticRegression(C=10)` (same objective): coefficients to
    /// 1e-4 of their scale, probabilities to 1e-5, predictions exactly.
    func testMultinomialLogisticRegressionMatchesSklearn() throws {
        let c = Fixture.double("logistic.C")
        let x = reference.converted(to: Double.self).rowNormalized()
        let model = try LogisticRegression.fit(
            features: x, labels: referenceLabels, classCount: head.rows, l2: 1 / (c * Double(x.rows)), tolerance: 1e-9, maxIterations: 5000)
        XCTAssertTrue(model.converged)
        let coef = (Fixture.object("logistic.coef") as! [[NSNumber]]).flatMap { $0.map(\.doubleValue) }
        let scale = coef.map(abs).max()!
        for (a, b) in zip(model.weights.values, coef) { XCTAssertEqual(a, b, accuracy: 1e-4 * scale) }
        let intercepts = Fixture.doubles("logistic.intercept")
        for (a, b) in zip(model.intercepts, intercepts) { XCTAssertEqual(a, b, accuracy: 1e-4 * scale) }
        let xs = shift.converted(to: Double.self).rowNormalized()
        let z = model.decisionFunction(xs)
        let expected = (Fixture.object("logistic.proba_shift") as! [[NSNumber]]).map { $0.map(\.doubleValue) }
        for i in 0..<xs.rows {
            let row = (0..<head.rows).map { z[i, $0] }
            let top = row.max()!
            let sum = row.reduce(0) { $0 + exp($1 - top) }
            for k in 0..<head.rows { XCTAssertEqual(exp(row[k] - top) / sum, expected[i][k], accuracy: 1e-5) }
        }
        let accuracy = Double(zip(model.predict(xs), shiftLabels).filter { $0 == $1 }.count) / Double(xs.rows)
        XCTAssertEqual(accuracy, Fixture.double("logistic.accuracy_shift"))
        // fp32 products (the linear probe's large-problem path): the same optimum to 3e-3 of the
        // weights' scale (measured 1.5e-3; mostly the looser stopping tolerance), same predictions.
        let single = try LogisticRegression.fit(
            features: x, labels: referenceLabels, classCount: head.rows, l2: 1 / (c * Double(x.rows)), tolerance: 1e-5,
            maxIterations: 5000, singlePrecisionProducts: true)
        for (a, b) in zip(single.weights.values, coef) { XCTAssertEqual(a, b, accuracy: 3e-3 * scale) }
        XCTAssertEqual(single.predict(xs), model.predict(xs))
    }

    func testConceptsMatchNumpyCorrcoef() throws {
        let similarities = try Fixture.matrix("concept_similarities.npy")
        let names = (Fixture.object("concepts.names") as! [String])
        let result = try Concepts.analyze(activations: reference, similarities: similarities, conceptNames: names, threshold: 0.5)
        let rho = Concepts.correlations(activations: reference, similarities: similarities)
        let expected = (Fixture.object("concepts.correlations") as! [[NSNumber]]).flatMap { $0.map(\.doubleValue) }
        for (a, b) in zip(rho.values, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertEqual(result.conceptsPerDimension, Fixture.ints("concepts.per_dimension"))
        XCTAssertEqual(result.uniqueConceptCount, Fixture.int("concepts.unique"))
        assertClose(result.polysemanticityMean, Fixture.double("concepts.polysemanticity_mean"), relative: 1e-12)
        XCTAssertEqual(result.bestConcept[3]?.concept, "concept-0")
        XCTAssertEqual(Concepts.parseList("color\tred\n\n# comment\nobject\tfork lift\nplain\n"), ["red", "fork lift", "plain"])
    }

    func testEffectiveRobustnessMatchesPolyfit() throws {
        let x = Fixture.doubles("effective_robustness.x"), y = Fixture.doubles("effective_robustness.y")
        let points = zip(x, y).enumerated().map { EffectiveRobustnessProbe.BaselinePoint(model: "m\($0)", referenceAccuracy: $1.0, accuracy: $1.1) }
        let fit = try XCTUnwrap(EffectiveRobustnessProbe.fit(baseline: points, source: "fixture", resamples: 300, seed: 3))
        assertClose(fit.slope, Fixture.double("effective_robustness.slope"), relative: 1e-10)
        assertClose(fit.intercept, Fixture.double("effective_robustness.intercept"), relative: 1e-10)
        let point = EffectiveRobustnessProbe.point(
            domain: "s", referenceAccuracy: Fixture.double("effective_robustness.model_x"),
            accuracy: Fixture.double("effective_robustness.model_y"), fit: fit)
        assertClose(point.effectiveRobustness, Fixture.double("effective_robustness.er"), relative: 1e-10)
        for band in fit.band {
            XCTAssertLessThanOrEqual(band.lower, band.fitted + 1e-12)
            XCTAssertGreaterThanOrEqual(band.upper, band.fitted - 1e-12)
        }
        XCTAssertEqual(EffectiveRobustnessProbe.fit(baseline: points, source: "fixture", resamples: 300, seed: 3), fit)
        // No baseline: relative accuracy and drop only, never a line.
        XCTAssertNil(EffectiveRobustnessProbe.fit(baseline: Array(points.prefix(1)), source: "x", seed: 1))
        let bare = EffectiveRobustnessProbe.point(domain: "s", referenceAccuracy: 0.8, accuracy: 0.6, fit: nil)
        XCTAssertNil(bare.effectiveRobustness)
        assertClose(bare.relativeAccuracy, 0.75, relative: 1e-12)
        assertClose(bare.drop, 0.2, relative: 1e-12)
    }
}
