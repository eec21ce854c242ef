/// CLIP — open_clip's preprocessing, vision towers (ViT, ModifiedResNet), text tower,
/// BPE tokenizer and zero-shot heads, numerically faithful to open_clip fp32.
