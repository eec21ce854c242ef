/// A linear layer's weight, repacked once into the panels the GEMM streams.
///
/// `Kernels.linear(input:rows:weight:…)` multiplies activations (the broadcast operand,
/// read in place) by these panels, so the product comes out in the output's own layout
/// and needs neither packing of the activations nor a transposed store per call — about
/// 5 % of a ViT-B/32 linear layer's time against reading the PyTorch-layout weight in
/// place. The packed copy belongs to its layer (no cache keyed by a pointer, so nothing
/// can go stale when a buffer is freed and its address reused).
///
/// Layout: panel `j` holds output features `32j ..< 32j + 32` (zero past `outFeatures`)
/// as `inFeatures` rows of 32 floats, `W[32j + t, q]`.
public final class PackedWeight: @unchecked Sendable {
    // @unchecked Sendable: `storage` is written only in `init`, read-only afterwards.
    public let outFeatures: Int
    public let inFeatures: Int
    /// Four-byte units per panel row: `inFeatures`.
    let depth: Int
    let panelCount: Int
    let storage: UnsafeMutableRawPointer

    /// Units (floats or pair words) per panel.
    var panelUnits: Int { depth * Self.panelWidth }
    static let panelWidth = 32

    /// Packs `weight` (outFeatures × inFeatures, row-major, as `torch.nn.Linear` stores it).
    public init(weight: UnsafePointer<Float>, outFeatures: Int, inFeatures: Int) {
        precondition(outFeatures > 0 && inFeatures > 0, "empty weight \(outFeatures)×\(inFeatures)")
        self.outFeatures = outFeatures
        self.inFeatures = inFeatures
        depth = inFeatures
        panelCount = (outFeatures + Self.panelWidth - 1) / Self.panelWidth
        let units = panelCount * depth * Self.panelWidth
        storage = UnsafeMutableRawPointer.allocate(byteCount: units * 4, alignment: 64)
        let panelUnits = depth * Self.panelWidth
        let panels = storage.bindMemory(to: Float.self, capacity: units)
        ThreadPool.shared.parallelFor(count: panelCount) { range in
            for j in range {
                Kernels.pack(
                    .transposedRows(weight, rowStride: inFeatures), panel: j, depth: inFeatures, columns: outFeatures,
                    into: panels + j * panelUnits)
            }
        }
    }

    deinit { storage.deallocate() }

    /// Bytes of the packed panels.
    public var byteCount: Int { panelCount * depth * Self.panelWidth * 4 }
}
