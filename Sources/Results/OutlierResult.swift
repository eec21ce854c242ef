/// Outlier features and activation kurtosis of `H` (before normalisation).
package struct OutlierResult: Codable, Sendable, Equatable {
    /// τ: a dimension is an outlier when its ratio is ≥ τ (default 10).
    package var threshold: Double
    /// `m_j = mean_i |H_ij|` per dimension.
    package var meanAbsActivation: [Double]
    /// `r_j = m_j / mean_k m_k` per dimension (all 0 when every activation is 0).
    package var ratios: [Double]
    /// Number of dimensions with `r_j ≥ τ`.
    package var count: Int
    /// The outlier dimensions, largest ratio first.
    package var dimensions: [Int]
    /// The `top_k` dimensions with the largest ratios, largest first (ties: lower index first).
    package var topDimensions: [Int]
    var topK: Int
    /// Mean over images of the Pearson (non-excess) kurtosis of each row `H_i,:` (Gaussian = 3);
    /// rows with zero variance are left out; `null` if none is left.
    package var kurtosisMean: Double?
    /// Pearson kurtosis of each dimension `H_:,j` across images; `null` for a constant dimension or n < 2.
    var kurtosisPerDimension: [Double?]
    /// Jaccard index of `top_dimensions` with the reference domain's; `null` on the reference.
    package var jaccardWithReference: Double?

    package init(
        threshold: Double, meanAbsActivation: [Double], ratios: [Double], count: Int, dimensions: [Int],
        topDimensions: [Int], topK: Int, kurtosisMean: Double?, kurtosisPerDimension: [Double?],
        jaccardWithReference: Double? = nil
    ) {
        self.threshold = threshold
        self.meanAbsActivation = meanAbsActivation
        self.ratios = ratios
        self.count = count
        self.dimensions = dimensions
        self.topDimensions = topDimensions
        self.topK = topK
        self.kurtosisMean = kurtosisMean
        self.kurtosisPerDimension = kurtosisPerDimension
        self.jaccardWithReference = jaccardWithReference
    }

    /// Ratios sorted from largest to smallest — the log-scale profile chart.
    package var sortedRatios: [Double] { ratios.sorted(by: >) }

    enum CodingKeys: String, CodingKey {
        case threshold, meanAbsActivation = "mean_abs_activation", ratios, count, dimensions
        case topDimensions = "top_dimensions", topK = "top_k", kurtosisMean = "kurtosis_mean"
        case kurtosisPerDimension = "kurtosis_per_dimension", jaccardWithReference = "jaccard_with_reference"
    }
}
