/// Probes — statistics and every probe of the suite; pure functions from embeddings,
/// labels and heads to Codable results, every random choice seeded.
///
/// Definitions: `H` (n×d) image embeddings of one domain before L2 normalisation; `W`
/// (C×d) the zero-shot head (rows normalised). Logits are `normalize(H) · Wᵀ` (cosines);
/// where a probability is needed (ATC confidence) they are scaled by CLIP's logit scale 100
/// before the softmax (`ZeroShot.logitScale`).
///
/// Entry points: `ProbeSuite.run` (one model over its domains), `ProbeSuite.effectiveRobustness`,
/// `ProbeSuite.verdicts`; the results schema is `RunResults` (results.json). Each probe is
/// also callable on its own: `ZeroShot`, `Outliers`, `Directions`, `Concepts`,
/// `EffectiveRobustnessProbe`, `ATC`, `Distance`, `LinearProbe`, `Verdict`; shared maths in
/// `Statistics`, `SymmetricEigen`, `LogisticRegression`, `Matrix`, `SplitMix64`.
package enum Probes {}
