/// Embeddings — the content-addressed embedding store (`.npy` shards + index),
/// the encoding pipeline, sharding and merging.
