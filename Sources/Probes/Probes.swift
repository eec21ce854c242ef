/// Probes — statistics and every probe of the suite; pure functions from embeddings,
/// labels and heads to Codable results, every random choice seeded.
