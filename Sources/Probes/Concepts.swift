import Foundation
import Results
import Support
import Tensor

/// Probe 4 — concepts per representation dimension, in the style of CLIP-Dissect
/// (Oikarinen & Weng 2023) with Pearson correlation as the similarity. Descriptive only: the
/// final (TMLR 2024) version of Crabbé et al. finds the number of unique concepts is *not* an
/// indicator of robustness (it comes with language supervision), so no summary of robustness
/// uses it.
///
/// Inputs are the probed model's activations `H` (n×d) on probe images and the
/// image–text similarity matrix `S` (n×K) of a probing CLIP model: `S_ik = cos(image_i,
/// concept_k)` (see `similarities(imageEmbeddings:textEmbeddings:)`). For every dimension j
/// and concept k, `ρ_jk = corr_i(H_ij, S_ik)`. Among d × K pairs some correlations are large
/// by chance alone (at n = 50 images, chance exceeds ρ = 0.5 somewhere), so j encodes k only
/// when `ρ_jk ≥ threshold` **and** `ρ_jk` beats a seeded permutation null:
///
/// - `permutations` times, the images of `S` are shuffled (SplitMix64 permutations) and the
///   largest correlation over all d × K pairs is kept: `M_1 … M_P`;
/// - the familywise p-value of `ρ_jk` is `(1 + #{p : M_p ≥ ρ_jk}) / (1 + P)` (Westfall & Young's
///   max-T), and the pair counts when it is ≤ `level`, i.e. when `ρ_jk` exceeds the
///   `⌊level·(P + 1)⌋`-th largest `M_p` (`nullCritical`). The chance that any pair is counted
///   by chance alone is then at most `level`.
///
/// Fewer than `minimumImages` images: no result (the caller says so). More than
/// `maximumImages`: a seeded subsample of that size (drawn before the permutations, from the
/// same generator), so the d × K × n product of each permutation stays affordable.
package enum Concepts {
    /// `normalize(images) · normalize(texts)ᵀ` (n×K).
    package static func similarities(imageEmbeddings: Matrix<Float>, textEmbeddings: Matrix<Float>) throws -> Matrix<Float> {
        guard imageEmbeddings.columns == textEmbeddings.columns else {
            throw ProbesError.shape("image embeddings have \(imageEmbeddings.columns) dimensions, concept embeddings \(textEmbeddings.columns)")
        }
        return imageEmbeddings.rowNormalized().multiplied(byTransposeOf: textEmbeddings.rowNormalized())
    }

    /// The d×K Pearson correlations; NaN marks a constant column on either side (internal).
    static func correlations(activations: Matrix<Float>, similarities: Matrix<Float>) -> Matrix<Double> {
        let a = standardizedColumns(activations).transposed()  // (d, n)
        let s = standardizedColumns(similarities)  // (n, K)
        return a.multiplied(by: s)
    }

    /// Columns centred and scaled to unit Euclidean norm (constant columns become NaN).
    static func standardizedColumns(_ x: Matrix<Float>) -> Matrix<Double> {
        let n = x.rows, d = x.columns
        var out = x.converted(to: Double.self)
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += out.values[i * d + j] } }
        for j in 0..<d { mean[j] /= Double(max(n, 1)) }
        var norm = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d {
                let v = out.values[i * d + j] - mean[j]
                out.values[i * d + j] = v
                norm[j] += v * v
            }
        }
        for j in 0..<d {
            let scale = norm[j] > 1e-24 * max(mean[j] * mean[j], 1e-300) * Double(n) && norm[j] > 0 ? 1 / norm[j].squareRoot() : Double.nan
            for i in 0..<n { out.values[i * d + j] *= scale }
        }
        return out
    }

    static let defaultPermutations = 99
    static let defaultLevel = 0.05
    /// Below ~110 images, the largest of ~10⁶ chance correlations exceeds 0.5.
    static let defaultMinimumImages = 100
    static let defaultMaximumImages = 2_000

    /// The concept result; see the type's documentation. Throws `.invalid` with fewer than
    /// `minimumImages` images, no concept, or too few permutations for `level` (at least
    /// `1/level − 1`).
    static func analyze(
        activations: Matrix<Float>, similarities: Matrix<Float>, conceptNames: [String], threshold: Double = 0.5,
        permutations: Int = defaultPermutations, level: Double = defaultLevel, minimumImages: Int = defaultMinimumImages,
        maximumImages: Int = defaultMaximumImages, seed: UInt64 = 0
    ) throws -> ConceptResult {
        guard activations.rows == similarities.rows else {
            throw ProbesError.shape("\(activations.rows) activation rows but \(similarities.rows) similarity rows")
        }
        guard similarities.columns == conceptNames.count else {
            throw ProbesError.shape("\(similarities.columns) similarity columns but \(conceptNames.count) concept names")
        }
        let available = activations.rows
        guard available >= max(minimumImages, 3), !conceptNames.isEmpty else {
            throw ProbesError.invalid("the concept probe needs at least \(max(minimumImages, 3)) images and 1 concept, got \(available) images")
        }
        let allowed = criticalRank(permutations: permutations, level: level)
        guard allowed >= 0 else {
            throw ProbesError.invalid("\(permutations) permutations cannot reach level \(level): at least \(Int((1 / level).rounded(.up)) - 1) are needed")
        }
        var generator = SplitMix64(seed: seed)
        var h = activations, s = similarities
        if available > maximumImages {
            let rows = generator.subsample(maximumImages, of: available)
            h = activations.selectingRows(rows)
            s = similarities.selectingRows(rows)
        }
        let n = h.rows
        let a = standardizedColumns(h)  // (n, d)
        let b = standardizedColumns(s)  // (n, K)
        let rho = a.transposed().multiplied(by: b)  // (d, K)
        let maxima = nullMaxima(a, b, permutations: permutations, generator: &generator)
        let critical = maxima.sorted(by: >)[allowed]

        let d = h.columns, k = conceptNames.count
        var perDimension = [Int](repeating: 0, count: d)
        var encoded = [Bool](repeating: false, count: k)
        var best = [ConceptMatch?](repeating: nil, count: d)
        for j in 0..<d {
            var bestIndex = -1, bestValue = -Double.infinity
            for c in 0..<k {
                let value = rho.values[j * k + c]
                guard value.isFinite else { continue }
                if value > bestValue { bestValue = value; bestIndex = c }
                if value >= threshold && value > critical {
                    perDimension[j] += 1
                    encoded[c] = true
                }
            }
            if bestIndex >= 0 { best[j] = ConceptMatch(conceptIndex: bestIndex, concept: conceptNames[bestIndex], correlation: bestValue) }
        }
        let active = perDimension.filter { $0 > 0 }
        var result = ConceptResult(
            threshold: threshold, conceptCount: k, imageCount: n,
            uniqueConceptCount: encoded.filter { $0 }.count, conceptsPerDimension: perDimension,
            polysemanticityMean: active.isEmpty ? nil : Double(active.reduce(0, +)) / Double(active.count),
            bestConcept: best)
        result.permutations = permutations
        result.level = level
        result.nullCritical = critical
        result.seed = seed
        result.availableImageCount = available
        return result
    }

    /// How many null maxima may reach a correlation that still counts: `⌊level·(P + 1)⌋ − 1`
    /// (negative: no correlation can count). The 1e-9 absorbs `0.05 · 100 = 5.000…01`.
    static func criticalRank(permutations: Int, level: Double) -> Int {
        Int((level * Double(permutations + 1) + 1e-9).rounded(.down)) - 1
    }

    /// `max_{j,k} corr(a_:j, b_π(:),k)` for each of `permutations` shuffles π of the rows of
    /// `b`, in fp32 products (columns already standardised; constant ones, NaN, count as 0).
    static func nullMaxima(_ a: Matrix<Double>, _ b: Matrix<Double>, permutations: Int, generator: inout SplitMix64) -> [Double] {
        let n = a.rows, d = a.columns, k = b.columns
        let left = a.values.map { $0.isFinite ? Float($0) : 0 }
        let right = b.values.map { $0.isFinite ? Float($0) : 0 }
        var shuffled = [Float](repeating: 0, count: n * k)
        var product = [Float](repeating: 0, count: d * k)
        var maxima = [Double]()
        maxima.reserveCapacity(permutations)
        for _ in 0..<permutations {
            let order = generator.permutation(n)
            for (i, source) in order.enumerated() {
                for c in 0..<k { shuffled[i * k + c] = right[source * k + c] }
            }
            left.withUnsafeBufferPointer { lp in
                shuffled.withUnsafeBufferPointer { sp in
                    product.withUnsafeMutableBufferPointer { pp in
                        // (d, K) = aᵀ (read in place through strides) · shuffled b.
                        Kernels.matmul(
                            a: lp.baseAddress!, aRowStride: 1, aColumnStride: d, b: sp.baseAddress!, bRowStride: k,
                            c: pp.baseAddress!, cRowStride: k, m: d, n: k, k: n, accumulate: false)
                    }
                }
            }
            maxima.append(Double(product.max() ?? 0))
        }
        return maxima
    }

    /// Reads a concept list: one concept per line, `category<TAB>concept` or just `concept`;
    /// blank lines and `#` comments are skipped. Returns the concept names.
    package static func parseList(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            return String(trimmed.split(separator: "\t", omittingEmptySubsequences: false).last!).trimmingCharacters(in: .whitespaces)
        }
    }
}
