/// CLIP-Dissect-style concept matching of representation dimensions.
package struct ConceptResult: Codable, Sendable, Equatable {
    /// ρ: a dimension encodes a concept when their correlation is ≥ ρ (default 0.5).
    package var threshold: Double
    package var conceptCount: Int
    package var imageCount: Int
    /// Concepts encoded by at least one dimension.
    package var uniqueConceptCount: Int
    /// Number of concepts each dimension encodes (polysemanticity), per dimension.
    package var conceptsPerDimension: [Int]
    /// Mean of `concepts_per_dimension` over dimensions that encode at least one concept; `null` if none.
    package var polysemanticityMean: Double?
    /// The best-matching concept of each dimension (highest correlation, even below ρ); `null`
    /// for a constant dimension.
    var bestConcept: [ConceptMatch?]
    /// The permutation null (absent in results written before it): shuffles of the images,
    /// the familywise level, and the correlation a pair had to exceed besides ρ. When present,
    /// `unique_concept_count`, `concepts_per_dimension` and `polysemanticity_mean` count only
    /// pairs beating it.
    package var permutations: Int?
    package var level: Double?
    package var nullCritical: Double?
    package var seed: UInt64?
    /// Reference images available; `image_count` is what the probe used (a seeded subsample above its cap).
    package var availableImageCount: Int?

    package init(
        threshold: Double, conceptCount: Int, imageCount: Int, uniqueConceptCount: Int,
        conceptsPerDimension: [Int], polysemanticityMean: Double?, bestConcept: [ConceptMatch?]
    ) {
        self.threshold = threshold
        self.conceptCount = conceptCount
        self.imageCount = imageCount
        self.uniqueConceptCount = uniqueConceptCount
        self.conceptsPerDimension = conceptsPerDimension
        self.polysemanticityMean = polysemanticityMean
        self.bestConcept = bestConcept
    }

    enum CodingKeys: String, CodingKey {
        case threshold, conceptCount = "concept_count", imageCount = "image_count"
        case uniqueConceptCount = "unique_concept_count", conceptsPerDimension = "concepts_per_dimension"
        case polysemanticityMean = "polysemanticity_mean", bestConcept = "best_concept"
        case permutations, level, nullCritical = "null_critical", seed, availableImageCount = "available_image_count"
    }
}

package struct ConceptMatch: Codable, Sendable, Equatable {
    var conceptIndex: Int
    var concept: String
    /// Pearson correlation, −1…1.
    var correlation: Double

    package init(conceptIndex: Int, concept: String, correlation: Double) {
        self.conceptIndex = conceptIndex
        self.concept = concept
        self.correlation = correlation
    }

    enum CodingKeys: String, CodingKey { case conceptIndex = "concept_index", concept, correlation }
}
