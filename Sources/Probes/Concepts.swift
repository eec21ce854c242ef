import Foundation
import Results
import Tensor

/// Probe 4 — concepts per representation dimension, in the style of CLIP-Dissect
/// (Oikarinen & Weng 2023) with Pearson correlation as the similarity.
///
/// Inputs are the probed model's activations `H` (n×d) on probe images and the
/// image–text similarity matrix `S` (n×K) of a probing CLIP model: `S_ik = cos(image_i,
/// concept_k)` (see `similarities(imageEmbeddings:textEmbeddings:)`). For every dimension j
/// and concept k, `ρ_jk = corr_i(H_ij, S_ik)`; j encodes k when `ρ_jk ≥ threshold`.
public enum Concepts {
    /// `normalize(images) · normalize(texts)ᵀ` (n×K).
    public static func similarities(imageEmbeddings: Matrix<Float>, textEmbeddings: Matrix<Float>) throws -> Matrix<Float> {
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

    /// The concept result. Requires at least 3 images and one concept.
    public static func analyze(
        activations: Matrix<Float>, similarities: Matrix<Float>, conceptNames: [String], threshold: Double = 0.5
    ) throws -> ConceptResult {
        guard activations.rows == similarities.rows else {
            throw ProbesError.shape("\(activations.rows) activation rows but \(similarities.rows) similarity rows")
        }
        guard similarities.columns == conceptNames.count else {
            throw ProbesError.shape("\(similarities.columns) similarity columns but \(conceptNames.count) concept names")
        }
        guard activations.rows >= 3, !conceptNames.isEmpty else {
            throw ProbesError.invalid("the concept probe needs at least 3 images and 1 concept")
        }
        let rho = correlations(activations: activations, similarities: similarities)
        let d = activations.columns, k = conceptNames.count
        var perDimension = [Int](repeating: 0, count: d)
        var encoded = [Bool](repeating: false, count: k)
        var best = [ConceptMatch?](repeating: nil, count: d)
        for j in 0..<d {
            var bestIndex = -1, bestValue = -Double.infinity
            for c in 0..<k {
                let value = rho.values[j * k + c]
                guard value.isFinite else { continue }
                if value > bestValue { bestValue = value; bestIndex = c }
                if value >= threshold {
                    perDimension[j] += 1
                    encoded[c] = true
                }
            }
            if bestIndex >= 0 { best[j] = ConceptMatch(conceptIndex: bestIndex, concept: conceptNames[bestIndex], correlation: bestValue) }
        }
        let active = perDimension.filter { $0 > 0 }
        return ConceptResult(
            threshold: threshold, conceptCount: k, imageCount: activations.rows,
            uniqueConceptCount: encoded.filter { $0 }.count, conceptsPerDimension: perDimension,
            polysemanticityMean: active.isEmpty ? nil : Double(active.reduce(0, +)) / Double(active.count),
            bestConcept: best)
    }

    /// Reads a concept list: one concept per line, `category<TAB>concept` or just `concept`;
    /// blank lines and `#` comments are skipped. Returns the concept names.
    public static func parseList(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            return String(trimmed.split(separator: "\t", omittingEmptySubsequences: false).last!).trimmingCharacters(in: .whitespaces)
        }
    }
}
