/// Weights — CLIP checkpoints read without Python.
///
/// Entry point: `Checkpoint.load(_:overrides:)` → `LoadedCheckpoint` (canonical `StateDict`,
/// `CLIPConfig`, sha256, format, dtype, parameter count, warnings).
///
/// - `SafetensorsFile` maps a `.safetensors` file and validates its header (sizes, offsets,
///   coverage); fp32 tensors point into the mapping, fp16/bf16 are widened (`Widening`).
/// - Key tables, one file per naming scheme: `OpenCLIPNames` (canonical: open_clip / OpenAI,
///   with the expected shape of every tensor for a configuration) and `HuggingFaceNames`
///   (`CLIPModel`, `CLIPVisionModelWithProjection` → canonical; q/k/v stacked, projections transposed).
/// - `ArchitectureDetection` finds ViT / ModifiedResNet and text-tower sizes from shapes alone.
/// - `ConfigurationFiles` (open_clip_config.json, Hugging Face config.json and
///   preprocessor_config.json), `ConfigOverrides` and `KnownCheckpoints` supply what shapes
///   cannot tell: activation, image mean/std, attention heads.
/// - PyTorch `.pt/.pth/.bin` files are refused in one place, `Checkpoint.readPyTorch(_:)`,
///   until the torch zip/pickle reader replaces it.
///
/// Errors are `WeightsError` (terse `code`, human `message`, `hint`), always naming the file
/// and, where there is one, the tensor.
