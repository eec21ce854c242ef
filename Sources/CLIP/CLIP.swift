/// CLIP — open_clip's preprocessing, vision towers (ViT, ModifiedResNet), text tower,
/// BPE tokenizer and zero-shot heads, numerically faithful to open_clip fp32.
///
/// Typical use:
///
///     let loaded = try Checkpoint.load(url)                       // Weights: names, shapes, config
///     let model = try CLIPModel(checkpoint: loaded.stateDict, config: loaded.config)
///     let pixels = Preprocessor.preprocess(image, config: PreprocessConfig(loaded.config))
///     let h = try model.encodeImages(pixels.reshaped([1, 3, model.imageSize, model.imageSize]))
///     let tokenizer = try Tokenizer(vocabularyAt: assets.url("clip/bpe_simple_vocab_16e6.txt.gz"))
///     let w = try ZeroShotHead.build(model: model, tokenizer: tokenizer, classNames: names, templates: templates)
///
/// - `CLIPModel` checks every tensor of the checkpoint against the configuration
///   (missing, misshapen and leftover tensors are `CLIPError.checkpoint` naming them) and
///   owns the towers: `VisionTransformer`, `ModifiedResNet` (batch norms folded into
///   their convolutions at load), `TextTransformer` (runs each prompt only up to its
///   end-of-text token).
/// - Forward passes call only `Tensor.Kernels` for arithmetic; the transformer towers
///   batch several images/prompts per pass so the linear layers see many rows.
/// - Fidelity (Tests/CLIPTests): every layer of tiny seeded ViT, ModifiedResNet and text
///   towers, and opt-in full-size ViT-B/32 and RN50, agree with open_clip to cosine
///   ≥ 0.99999 and max relative error ≤ 1e-4 (relative to the layer's largest value).
/// - `Tokenizer` reproduces open_clip's `SimpleTokenizer` ids, its text cleaning included
///   (ftfy's `fix_text` — `TextFixer` — and Python's `html.unescape`); `ZeroShotHead` its
///   `build_zero_shot_classifier`.
