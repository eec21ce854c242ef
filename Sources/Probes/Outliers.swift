import Foundation
import Results
import Tensor

/// Probe 2 — outlier features and activation kurtosis (Crabbé et al. 2024, §3).
enum Outliers {
    /// Outlier statistics of `embeddings` (n×d, before normalisation).
    ///
    /// `m_j = mean_i |H_ij|`, `r_j = m_j / mean_k m_k` (all 0 if every activation is 0),
    /// outliers are `r_j ≥ threshold`; `topK` (clamped to d) dimensions by ratio, ties by
    /// lower index. Kurtosis as `Statistics.pearsonKurtosis` per row (then averaged over rows
    /// with non-zero variance) and per column. Requires n ≥ 1.
    static func analyze(_ embeddings: Matrix<Float>, threshold: Double = 10, topK: Int = 10) throws -> OutlierResult {
        let n = embeddings.rows, d = embeddings.columns
        guard n >= 1, d >= 1 else { throw ProbesError.invalid("outlier features need at least one embedding of one dimension") }
        var sumAbs = [Double](repeating: 0, count: d)
        var sum = [Double](repeating: 0, count: d)
        var kurtosisSum = 0.0, kurtosisRows = 0
        embeddings.values.withUnsafeBufferPointer { h in
            // Pointers, not arrays, in the loops over all values: per-dimension sums, in lanes.
            sumAbs.withUnsafeMutableBufferPointer { sumAbs in
                sum.withUnsafeMutableBufferPointer { sum in
                    for i in 0..<n {
                        let row = h.baseAddress! + i * d
                        for j in 0..<d {
                            let v = Double(row[j])
                            sumAbs[j] += abs(v)
                            sum[j] += v
                        }
                    }
                }
            }
            for k in Statistics.pearsonKurtosisOfRows(h.baseAddress!, rows: n, columns: d) {
                guard let k else { continue }
                kurtosisSum += k
                kurtosisRows += 1
            }
        }
        let meanAbs = sumAbs.map { $0 / Double(n) }
        let overall = meanAbs.reduce(0, +) / Double(d)
        let ratios = overall > 0 ? meanAbs.map { $0 / overall } : [Double](repeating: 0, count: d)
        let ranked = (0..<d).sorted { ratios[$0] != ratios[$1] ? ratios[$0] > ratios[$1] : $0 < $1 }
        let outliers = ranked.filter { ratios[$0] >= threshold }
        let k = max(0, min(topK, d))

        // Per-dimension kurtosis: second pass for central moments.
        let means = sum.map { $0 / Double(n) }
        var m2 = [Double](repeating: 0, count: d), m4 = m2
        embeddings.values.withUnsafeBufferPointer { h in
            means.withUnsafeBufferPointer { means in
                m2.withUnsafeMutableBufferPointer { m2 in
                    m4.withUnsafeMutableBufferPointer { m4 in
                        for i in 0..<n {
                            let row = h.baseAddress! + i * d
                            for j in 0..<d {
                                let dev = Double(row[j]) - means[j]
                                let dev2 = dev * dev
                                m2[j] += dev2
                                m4[j] += dev2 * dev2
                            }
                        }
                    }
                }
            }
        }
        let perDimension: [Double?] = (0..<d).map { j in
            guard n >= 2 else { return nil }
            let variance = m2[j] / Double(n)
            guard variance > 0, variance > 1e-28 * means[j] * means[j] else { return nil }
            return (m4[j] / Double(n)) / (variance * variance)
        }
        return OutlierResult(
            threshold: threshold, meanAbsActivation: meanAbs, ratios: ratios, count: outliers.count,
            dimensions: outliers, topDimensions: Array(ranked.prefix(k)), topK: k,
            kurtosisMean: kurtosisRows > 0 ? kurtosisSum / Double(kurtosisRows) : nil,
            kurtosisPerDimension: perDimension)
    }

    /// Jaccard index `|A ∩ B| / |A ∪ B|` of two dimension sets; `nil` when both are empty.
    static func jaccard(_ a: [Int], _ b: [Int]) -> Double? {
        let sa = Set(a), sb = Set(b)
        let union = sa.union(sb).count
        guard union > 0 else { return nil }
        return Double(sa.intersection(sb).count) / Double(union)
    }
}
