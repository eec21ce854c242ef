/// Weights — CLIP checkpoints read without Python: safetensors (memory-mapped),
/// PyTorch zip/pickle and TorchScript archives, key-name tables per format, and
/// architecture detection from tensor names and shapes alone.
