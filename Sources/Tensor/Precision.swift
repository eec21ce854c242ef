/// The arithmetic of a tower's linear layers.
///
/// - `fp32`: fp32 weights, activations and accumulation — open_clip fp32's results to the
///   numerical contract (cosine ≥ 0.99999).
/// - `bf16`: weights and the activations entering each linear layer rounded to bfloat16
///   (8 significant bits, fp32's exponent range), products accumulated in fp32; everything
///   else (layer norms, attention, GELU, residual stream) stays fp32. Faster on CPUs with
///   AVX512_BF16 (`vdpbf16ps`; 1.4× the fp32 images per CPU-second measured on ViT-B/32,
///   docs/performance.md); elsewhere a portable kernel gives the same results at fp32 speed. bf16 keeps the exponent range, so the large
///   activations of outlier features survive; an int8 path is not offered because it
///   would have to clip exactly those activations.
public enum Precision: String, Sendable, CaseIterable, Codable {
    case fp32
    case bf16
}
