/// How far a domain's embeddings are from the reference's.
package struct DistanceResult: Codable, Sendable, Equatable {
    /// Fréchet distance `|μ1 − μ2|² + tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^½)` on the raw embeddings (squared units).
    package var frechet: Double?
    /// Unbiased MMD² with an RBF kernel `exp(−|x − y|² / (2 s²))` on L2-normalised embeddings.
    package var mmd2: Double?
    /// The kernel bandwidth `s` (median pairwise distance of the pooled sample).
    var mmdBandwidth: Double?
    /// Permutation p-value `(1 + #{perm ≥ observed}) / (1 + permutations)`.
    package var mmdPValue: Double?
    package var mmdPermutations: Int
    /// Images per domain used for MMD (a seeded subsample above `DistanceOptions.mmdMaxSamples`).
    var mmdSampleSize: Int
    /// Images per domain used for Fréchet (a seeded subsample above `DistanceOptions.frechetMaxSamples`).
    package var frechetSampleSize: Int
    /// Cross-validated ROC AUC of a logistic-regression domain classifier (0.5 = indistinguishable).
    package var auc: Double?
    package var aucFolds: Int
    var aucSampleSize: Int
    package var seed: UInt64

    package init(
        frechet: Double?, mmd2: Double?, mmdBandwidth: Double?, mmdPValue: Double?, mmdPermutations: Int,
        mmdSampleSize: Int, frechetSampleSize: Int, auc: Double?, aucFolds: Int, aucSampleSize: Int, seed: UInt64
    ) {
        self.frechet = frechet
        self.mmd2 = mmd2
        self.mmdBandwidth = mmdBandwidth
        self.mmdPValue = mmdPValue
        self.mmdPermutations = mmdPermutations
        self.mmdSampleSize = mmdSampleSize
        self.frechetSampleSize = frechetSampleSize
        self.auc = auc
        self.aucFolds = aucFolds
        self.aucSampleSize = aucSampleSize
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case frechet, mmd2, mmdBandwidth = "mmd_bandwidth", mmdPValue = "mmd_p_value"
        case mmdPermutations = "mmd_permutations", mmdSampleSize = "mmd_sample_size"
        case frechetSampleSize = "frechet_sample_size", auc, aucFolds = "auc_folds", aucSampleSize = "auc_sample_size", seed
    }
}
