/// A linear layer's weight, repacked once into the panels the GEMM streams, fp32 or bf16.
///
/// `Kernels.linear(input:rows:weight:…)` multiplies activations (the broadcast operand,
/// read in place) by these panels, so the product comes out in the output's own layout
/// and needs neither packing of the activations nor a transposed store per call — about
/// 5 % of a ViT-B/32 linear layer's time against reading the PyTorch-layout weight in
/// place. The packed copy belongs to its layer (no cache keyed by a pointer, so nothing
/// can go stale when a buffer is freed and its address reused). For bf16 the conversion
/// is needed anyway; the panels are half the size of the fp32 weight.
///
/// Layout: panel `j` holds output features `32j ..< 32j + 32` (zero past `outFeatures`)
/// as `depth` rows of 32 four-byte units: fp32 `W[32j + t, q]`, or for bf16 the pair word
/// of `W[32j + t, 2q]` (low half) and `W[32j + t, 2q + 1]` (high half; 0 past
/// `inFeatures`), each rounded by `Kernels.bf16Bits`.
public final class PackedWeight: @unchecked Sendable {
    // @unchecked Sendable: `storage` is written only in `init`, read-only afterwards.
    public let outFeatures: Int
    public let inFeatures: Int
    public let precision: Precision
    /// Four-byte units per panel row: `inFeatures` (fp32) or `(inFeatures + 1) / 2` pair words (bf16).
    let depth: Int
    let panelCount: Int
    let storage: UnsafeMutableRawPointer

    /// Units (floats or pair words) per panel.
    var panelUnits: Int { depth * Self.panelWidth }
    static let panelWidth = 32

    /// Packs `weight` (outFeatures × inFeatures, row-major, as `torch.nn.Linear` stores it).
    public init(weight: UnsafePointer<Float>, outFeatures: Int, inFeatures: Int, precision: Precision) {
        precondition(outFeatures > 0 && inFeatures > 0, "empty weight \(outFeatures)×\(inFeatures)")
        self.outFeatures = outFeatures
        self.inFeatures = inFeatures
        self.precision = precision
        depth = precision == .fp32 ? inFeatures : (inFeatures + 1) / 2
        panelCount = (outFeatures + Self.panelWidth - 1) / Self.panelWidth
        let units = panelCount * depth * Self.panelWidth
        storage = UnsafeMutableRawPointer.allocate(byteCount: units * 4, alignment: 64)
        let panelUnits = depth * Self.panelWidth
        switch precision {
        case .fp32:
            let panels = storage.bindMemory(to: Float.self, capacity: units)
            ThreadPool.shared.parallelFor(count: panelCount) { range in
                for j in range {
                    Kernels.pack(
                        .transposedRows(weight, rowStride: inFeatures), panel: j, depth: inFeatures, columns: outFeatures,
                        into: panels + j * panelUnits)
                }
            }
        case .bf16:
            let panels = storage.bindMemory(to: UInt32.self, capacity: units)
            let depth = self.depth
            ThreadPool.shared.parallelFor(count: panelCount) { range in
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: depth) { row in
                    for j in range {
                        let panel = panels + j * panelUnits
                        panel.initialize(repeating: 0, count: panelUnits)
                        for t in 0..<min(Self.panelWidth, outFeatures - j * Self.panelWidth) {
                            Kernels.convertToBF16Pairs(
                                weight + (j * Self.panelWidth + t) * inFeatures, rows: 1, columns: inFeatures, rowStride: inFeatures,
                                into: row.baseAddress!, pairStride: depth)
                            for q in 0..<depth { panel[q * Self.panelWidth + t] = row[q] }
                        }
                    }
                }
            }
        }
    }

    deinit { storage.deallocate() }

    /// Bytes of the packed panels.
    var byteCount: Int { panelCount * depth * Self.panelWidth * 4 }
}
