import Foundation
@testable import Probes
@testable import Results
@testable import Support
@testable import Tensor
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

    /// The most confident mistakes against numpy (Fixtures/make_confusions.py): the same images in
    /// the same order. Probabilities to 1e-6: the cosines are float32 here and float64 there.
    func testConfidentMistakesMatchNumpy() throws {
        let data = try Data(contentsOf: Fixture.directory.appendingPathComponent("confusions.json"))
        let expected = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for (name, x, y) in [("reference", reference!, referenceLabels!), ("shift", shift!, shiftLabels!)] {
            let paths = (0..<y.count).map { String(format: "img-%04d.png", y.count - 1 - $0) }
            let scores = try ZeroShot.scores(embeddings: x, head: head, labels: y)
            let mistakes = try XCTUnwrap(ZeroShot.result(scores: scores, labels: y, classCount: head.rows, paths: paths)?.confidentMistakes)
            let rows = try XCTUnwrap(expected["mistakes.\(name)"] as? [[Double]])
            XCTAssertEqual(mistakes.count, 6, name)
            XCTAssertEqual(mistakes.map(\.path), rows.map { paths[Int($0[0])] }, name)
            XCTAssertEqual(mistakes.map { [$0.trueClass, $0.predictedClass] }, rows.map { [Int($0[1]), Int($0[2])] }, name)
            for (mistake, row) in zip(mistakes, rows) { XCTAssertEqual(mistake.probability, row[3], accuracy: 1e-6, name) }
        }
        // Equal confidences go by path, whatever the images' order; correct predictions never appear.
        let scores = ZeroShot.Scores(predictions: [1, 1, 0, 1], confidences: [0.9, 0.9, 0.95, 0.99], negativeEntropies: [0, 0, 0, 0], labelRanks: [1, 1, 1, 0])
        XCTAssertEqual(ZeroShot.confidentMistakes(scores, labels: [0, 0, 1, 1], groups: nil, paths: ["b.png", "a.png", "c.png", "d.png"]).map(\.path),
                       ["c.png", "a.png", "b.png"])
        XCTAssertNil(ZeroShot.result(scores: scores, labels: [0, 0, 1, 1], classCount: 2)?.confidentMistakes)
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

    /// ATC-MC and ATC-NE fitted on a seeded half of the reference and checked on the other half
    /// (numpy on the same SplitMix64 split): thresholds, estimates and errors, and the
    /// negative entropies themselves.
    func testATCOnAHalfSplitMatchesNumpy() throws {
        let scoresA = try ZeroShot.scores(embeddings: reference, head: head, labels: referenceLabels)
        let scoresB = try ZeroShot.scores(embeddings: shift, head: head, labels: shiftLabels)
        assertClose(scoresA.negativeEntropies, Fixture.doubles("label_free.negative_entropies.reference"), relative: 1e-4, floor: 1e-6)
        assertClose(scoresB.negativeEntropies, Fixture.doubles("label_free.negative_entropies.shift"), relative: 1e-4, floor: 1e-6)
        let split = ATC.split(count: reference.rows, seed: UInt64(Fixture.int("label_free.seed")))
        XCTAssertEqual(split.fitRows, Fixture.ints("label_free.fit_rows"))
        XCTAssertEqual(split.checkRows, Fixture.ints("label_free.check_rows"))
        let correctA = zip(scoresA.predictions, referenceLabels).map { $0 == $1 }
        let correctB = zip(scoresB.predictions, shiftLabels).map { $0 == $1 }
        for score in ATC.Score.allCases {
            let key = "label_free.\(score.rawValue)"
            let estimator = try ATC.fit(score: score, reference: scoresA, correct: correctA, split: split)
            assertClose(estimator.threshold, Fixture.double("\(key).threshold"), relative: 1e-5)
            let check = try XCTUnwrap(ATC.result(estimator, scores: scoresA, correct: correctA, rows: split.checkRows))
            XCTAssertEqual(check.count, split.checkRows.count)
            XCTAssertEqual(check.estimate, Fixture.double("\(key).check_estimate"), "\(score)")
            XCTAssertEqual(check.actualAccuracy, Fixture.double("\(key).check_actual"))
            // Fitted on the other half, the reference's error is a real error, not 0 by construction.
            XCTAssertEqual(try XCTUnwrap(check.error), Fixture.double("\(key).check_estimate") - Fixture.double("\(key).check_actual"), accuracy: 1e-12)
            XCTAssertNotEqual(check.error, 0)
            let shifted = try XCTUnwrap(ATC.result(estimator, scores: scoresB, correct: correctB))
            XCTAssertEqual(shifted.estimate, Fixture.double("\(key).shift_estimate"), "\(score)")
            XCTAssertEqual(shifted.actualAccuracy, Fixture.double("\(key).shift_actual"))
            let unlabelled = try XCTUnwrap(ATC.result(estimator, scores: scoresB, correct: nil))
            XCTAssertNil(unlabelled.error)
            XCTAssertEqual(unlabelled.estimate, shifted.estimate)
        }
        // The error summary over checked estimates, per score.
        let estimates = [
            LabelFreeEstimate(score: .maxConfidence, threshold: 0.9, count: 10, estimate: 0.8, actualAccuracy: 0.7, error: 0.1),
            LabelFreeEstimate(score: .negativeEntropy, threshold: -0.1, count: 10, estimate: 0.6, actualAccuracy: 0.7, error: -0.1),
            LabelFreeEstimate(score: .maxConfidence, threshold: 0.9, count: 10, estimate: 0.5, actualAccuracy: 0.8, error: -0.3),
            LabelFreeEstimate(score: .maxConfidence, threshold: 0.9, count: 10, estimate: 0.5, actualAccuracy: nil, error: nil),
        ]
        let summary = ATC.errorSummary(estimates)
        XCTAssertEqual(summary.map(\.score), [.maxConfidence, .negativeEntropy])
        XCTAssertEqual(summary[0].checks, 2)
        XCTAssertEqual(summary[0].meanAbsoluteError, 0.2, accuracy: 1e-12)
        XCTAssertEqual(summary[0].maxAbsoluteError, 0.3, accuracy: 1e-12)
        XCTAssertEqual(summary[0].meanError, -0.1, accuracy: 1e-12)
        XCTAssertEqual(summary[1].checks, 1)
    }

    /// Equal-mass ECE with 15 bins and the simulated calibrated floor, as numpy computes them
    /// with the same SplitMix64 draws.
    func testCalibrationMatchesNumpy() throws {
        for (name, x, y) in [("reference", reference!, referenceLabels!), ("shift", shift!, shiftLabels!)] {
            let scores = try ZeroShot.scores(embeddings: x, head: head, labels: y)
            let correct = zip(scores.predictions, y).map { $0 == $1 }
            let key = "calibration.\(name)"
            let result = try XCTUnwrap(Calibration.analyze(
                confidences: scores.confidences, correct: correct, resamples: Fixture.int("\(key).resamples"),
                seed: UInt64(Fixture.int("\(key).seed"))))
            assertClose(result.ece, Fixture.double("\(key).ece"), relative: 1e-5)
            assertClose(result.accuracy, Fixture.double("\(key).accuracy"), relative: 1e-12)
            assertClose(result.meanConfidence, Fixture.double("\(key).mean_confidence"), relative: 1e-6)
            assertClose(result.overconfidence, Fixture.double("\(key).mean_confidence") - Fixture.double("\(key).accuracy"), relative: 1e-5)
            let bins = Fixture.object("\(key).bins") as! [[String: Any]]
            XCTAssertEqual(result.bins.count, 15)
            XCTAssertEqual(result.bins.map(\.count), bins.map { ($0["count"] as! NSNumber).intValue }, name)
            XCTAssertEqual(result.bins.map(\.correct), bins.map { ($0["correct"] as! NSNumber).intValue }, name)
            assertClose(result.bins.map(\.meanConfidence), bins.map { ($0["mean_confidence"] as! NSNumber).doubleValue }, relative: 1e-6)
            assertClose(result.bins.map(\.lowerConfidence), bins.map { ($0["lower"] as! NSNumber).doubleValue }, relative: 1e-6)
            // The floor uses the same uniforms in the same order: equal up to the confidences' rounding.
            assertClose(result.calibratedFloor, Fixture.double("\(key).floor_mean"), relative: 1e-6)
            assertClose(result.calibratedFloor95, Fixture.double("\(key).floor_95"), relative: 1e-6)
        }
        // Fewer images than bins: one image per bin; no image: no result.
        let few = try XCTUnwrap(Calibration.analyze(confidences: [0.9, 0.6, 0.8], correct: [true, false, false], seed: 1))
        XCTAssertEqual(few.bins.map(\.count), [1, 1, 1])
        XCTAssertEqual(few.bins.map(\.meanConfidence), [0.6, 0.8, 0.9])
        XCTAssertEqual(few.ece, (0.6 + 0.8 + 0.1) / 3, accuracy: 1e-12)
        XCTAssertNil(try Calibration.analyze(confidences: [], correct: [], seed: 1))
        XCTAssertEqual(Calibration.binBounds(count: 17, bins: 5).map(\.count), [4, 4, 3, 3, 3])
    }

    /// The stratified split is numpy's mirror row for row, and the λ path chooses what
    /// scikit-learn's full path chooses, within 0.5 points of its accuracy.
    func testLinearProbeSplitAndPathMatchSklearn() throws {
        let seed = UInt64(Fixture.int("linear_probe.seed"))
        var options = LinearProbeOptions()
        let split = LinearProbe.split(labels: referenceLabels, classCount: head.rows, options: options, seed: seed)
        XCTAssertEqual(split.train, Fixture.ints("linear_probe.train"))
        XCTAssertEqual(split.validation, Fixture.ints("linear_probe.validation"))
        XCTAssertEqual(split.test, Fixture.ints("linear_probe.test"))
        options.maxTrainSamples = 50
        XCTAssertEqual(LinearProbe.split(labels: referenceLabels, classCount: head.rows, options: options, seed: seed).train,
                       Fixture.ints("linear_probe.train_capped_50"))
        // Every class is split in proportion, to within one row.
        for c in 0..<head.rows {
            let rows = referenceLabels.filter { $0 == c }.count
            let train = split.train.filter { referenceLabels[$0] == c }.count
            XCTAssertLessThanOrEqual(abs(Double(train) - 0.6 * Double(rows)), 1, "class \(c)")
        }
        let fitted = try XCTUnwrap(LinearProbe.fit(
            reference: reference, labels: referenceLabels, classCount: head.rows, options: LinearProbeOptions(), seed: seed))
        let path = Fixture.object("linear_probe.path") as! [[String: NSNumber]]
        XCTAssertEqual(fitted.candidates.map(\.l2), path.map { $0["l2"]!.doubleValue })
        XCTAssertEqual(fitted.candidates.map(\.validationAccuracy), path.map { $0["validation_accuracy"]!.doubleValue })
        XCTAssertEqual(fitted.l2, Fixture.double("linear_probe.l2"))
        let test = try XCTUnwrap(LinearProbe.result(
            fitted, embeddings: reference.selectingRows(fitted.testRows), labels: fitted.testRows.map { referenceLabels[$0] }))
        XCTAssertEqual(test.accuracy, Fixture.double("linear_probe.test_accuracy"), accuracy: 0.005)
        let shifted = try XCTUnwrap(LinearProbe.result(fitted, embeddings: shift, labels: shiftLabels))
        XCTAssertEqual(shifted.accuracy, Fixture.double("linear_probe.shift_accuracy"), accuracy: 0.005)
        XCTAssertEqual(test.trainCount, 120)
        XCTAssertEqual(test.trainClasses, 8)
        XCTAssertEqual(test.minTrainRowsPerClass, (0..<8).map { c in split.train.filter { referenceLabels[$0] == c }.count }.min())
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

    /// fp32 predictions (argmax taken inside the product) are those of `linear`'s decision
    /// values plus the intercepts, argmax'ed afterwards — ties included, which this test forces
    /// by duplicating a class's weights — and of the fp64 path on this fixture.
    func testSinglePrecisionPredictionsMatchDecisionValues() throws {
        let x = reference.converted(to: Double.self).rowNormalized()
        let fitted = try LogisticRegression.fit(
            features: x, labels: referenceLabels, classCount: head.rows, l2: 1e-3, tolerance: 1e-7, maxIterations: 500)
        // Class 2 gets class 0's weights and intercept: every row ties between them, and the first wins.
        var weights = fitted.weights, intercepts = fitted.intercepts
        for j in 0..<weights.columns { weights.values[2 * weights.columns + j] = weights.values[j] }
        intercepts[2] = intercepts[0]
        let model = LogisticRegression(weights: weights, intercepts: intercepts, classCount: head.rows, iterations: 0, converged: true)
        let xs = LinearProbe.unitRowsInSingle(shift)
        let k = weights.rows, d = xs.columns
        let w = weights.values.map { Float($0) }, b = intercepts.map { Float($0) }
        var z = [Float](repeating: 0, count: xs.rows * k)
        xs.values.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                b.withUnsafeBufferPointer { bp in
                    z.withUnsafeMutableBufferPointer { zp in
                        Kernels.linear(
                            input: xp.baseAddress!, rows: xs.rows, inFeatures: d, weight: wp.baseAddress!, bias: bp.baseAddress!,
                            outFeatures: k, output: zp.baseAddress!)
                    }
                }
            }
        }
        let expected = z.withUnsafeBufferPointer { zp in (0..<xs.rows).map { LinearAlgebra.argmax(zp.baseAddress! + $0 * k, count: k) } }
        let predictions = model.predictSingle(xs)
        XCTAssertEqual(predictions, expected)
        XCTAssertFalse(predictions.contains(2), "a tie must go to the first class")
        XCTAssertEqual(predictions, model.predict(shift.converted(to: Double.self).rowNormalized()))
    }

    /// Correlations as numpy.corrcoef; a concept counts only when it beats the max-T permutation
    /// null (numpy on the same SplitMix64 shuffles), with and without the image cap.
    func testConceptsMatchNumpyWithPermutationNull() throws {
        let similarities = try Fixture.matrix("concept_similarities.npy")
        let names = (Fixture.object("concepts.names") as! [String])
        let rho = Concepts.correlations(activations: reference, similarities: similarities)
        let expected = (Fixture.object("concepts.correlations") as! [[NSNumber]]).flatMap { $0.map(\.doubleValue) }
        for (a, b) in zip(rho.values, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        for key in ["concepts.null", "concepts.null_subsampled"] {
            let maximum = (Fixture.object(key) as! [String: Any])["maximum_images"] as? NSNumber
            let result = try Concepts.analyze(
                activations: reference, similarities: similarities, conceptNames: names, threshold: 0.5,
                permutations: Fixture.int("\(key).permutations"), level: Fixture.double("\(key).level"),
                maximumImages: maximum?.intValue ?? 2_000, seed: UInt64(Fixture.int("\(key).seed")))
            XCTAssertEqual(result.imageCount, Fixture.int("\(key).image_count"))
            XCTAssertEqual(result.availableImageCount, 200)
            assertClose(result.nullCritical, Fixture.double("\(key).critical"), relative: 1e-5)
            XCTAssertEqual(result.conceptsPerDimension, Fixture.ints("\(key).per_dimension"), key)
            XCTAssertEqual(result.uniqueConceptCount, Fixture.int("\(key).unique"), key)
            assertClose(result.polysemanticityMean, Fixture.double("\(key).polysemanticity_mean"), relative: 1e-12)
            XCTAssertEqual(result.permutations, Fixture.int("\(key).permutations"))
        }
        let result = try Concepts.analyze(activations: reference, similarities: similarities, conceptNames: names, seed: UInt64(Fixture.int("concepts.null.seed")))
        XCTAssertEqual(result.bestConcept[3]?.concept, "concept-0")
        // Without the null, correlations ≥ 0.5 alone would count more pairs than the null lets through.
        let plain = rho.values.filter { $0 >= 0.5 }.count
        XCTAssertGreaterThanOrEqual(plain, result.conceptsPerDimension.reduce(0, +))
        // Too few images, and too few permutations for the level, are refused with a reason.
        XCTAssertThrowsError(try Concepts.analyze(
            activations: reference.selectingRows(Array(0..<99)), similarities: similarities.selectingRows(Array(0..<99)),
            conceptNames: names)) { error in
            XCTAssertTrue("\(error)".contains("at least 100 images"), "\(error)")
        }
        XCTAssertThrowsError(try Concepts.analyze(activations: reference, similarities: similarities, conceptNames: names, permutations: 18))
        XCTAssertEqual(Concepts.parseList("color\tred\n\n# comment\nobject\tfork lift\nplain\n"), ["red", "fork lift", "plain"])
    }

    /// At n = 50 chance alone gives correlations above 0.5 among d × K pairs; the permutation
    /// null keeps pure noise from counting as concepts (with the minimum lowered to allow n = 50).
    func testConceptNullRejectsChanceCorrelations() throws {
        var generator = SplitMix64(seed: 99)
        func noise(_ rows: Int, _ columns: Int) -> Matrix<Float> {
            try! Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in Float(generator.unit()) })
        }
        let activations = noise(50, 64), similarities = noise(50, 300)
        let rho = Concepts.correlations(activations: activations, similarities: similarities)
        XCTAssertGreaterThan(rho.values.filter { $0 >= 0.5 }.count, 0, "chance correlations above 0.5 exist")
        let result = try Concepts.analyze(
            activations: activations, similarities: similarities, conceptNames: (0..<300).map { "c\($0)" }, minimumImages: 50, seed: 3)
        XCTAssertEqual(result.uniqueConceptCount, 0)
        XCTAssertGreaterThan(try XCTUnwrap(result.nullCritical), 0.5)
    }

    func testEffectiveRobustnessMatchesPolyfit() throws {
        let x = Fixture.doubles("effective_robustness.x"), y = Fixture.doubles("effective_robustness.y")
        let points = zip(x, y).enumerated().map { EffectiveRobustnessProbe.BaselinePoint(model: "m\($0)", referenceAccuracy: $1.0, accuracy: $1.1) }
        let fit = try XCTUnwrap(EffectiveRobustnessProbe.fit(baseline: points, sources: [BaselineSource(.csvFile, file: "fixture.csv")], resamples: 300, seed: 3))
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
        XCTAssertEqual(EffectiveRobustnessProbe.fit(baseline: points, sources: [BaselineSource(.csvFile, file: "fixture.csv")], resamples: 300, seed: 3), fit)
        // No baseline: relative accuracy and drop only, never a line.
        XCTAssertNil(EffectiveRobustnessProbe.fit(baseline: Array(points.prefix(1)), sources: [], seed: 1))
        let bare = EffectiveRobustnessProbe.point(domain: "s", referenceAccuracy: 0.8, accuracy: 0.6, fit: nil)
        XCTAssertNil(bare.effectiveRobustness)
        assertClose(bare.relativeAccuracy, 0.75, relative: 1e-12)
        assertClose(bare.drop, 0.2, relative: 1e-12)
    }
}
