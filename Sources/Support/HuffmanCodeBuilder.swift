/// Length-limited Huffman codes for the deflate encoder.
///
/// Lengths come from a plain Huffman tree (two-queue construction over symbols sorted
/// by frequency); when the tree is deeper than the limit, frequencies are halved (never
/// below 1) and the tree rebuilt — slightly suboptimal in rare cases, always valid, and
/// it terminates because equal frequencies give a balanced tree of depth ⌈log2 n⌉.
enum HuffmanCodeBuilder {
    /// Code lengths for `frequencies` (0 = unused symbol), none longer than `limit`.
    /// Callers pass at least two used symbols so that the code is complete.
    static func lengths(for frequencies: [Int], limit: Int) -> [UInt8] {
        var weights = frequencies
        while true {
            let lengths = treeDepths(weights)
            if (lengths.max() ?? 0) <= limit { return lengths }
            weights = weights.map { $0 == 0 ? 0 : max(1, $0 >> 1) }
        }
    }

    private static func treeDepths(_ weights: [Int]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: weights.count)
        let leaves = weights.indices.filter { weights[$0] > 0 }.sorted { (weights[$0], $0) < (weights[$1], $1) }
        if leaves.isEmpty { return result }
        if leaves.count == 1 {
            result[leaves[0]] = 1
            return result
        }
        // Node i < leaves.count is leaf i; later nodes are internal, created in weight order.
        var nodeWeight = leaves.map { weights[$0] }
        var parent = [Int](repeating: -1, count: 2 * leaves.count - 1)
        var nextLeaf = 0
        var nextInternal = leaves.count
        func takeSmallest() -> Int {
            if nextLeaf < leaves.count, nextInternal >= nodeWeight.count || nodeWeight[nextLeaf] <= nodeWeight[nextInternal] {
                nextLeaf += 1
                return nextLeaf - 1
            }
            nextInternal += 1
            return nextInternal - 1
        }
        while nodeWeight.count < 2 * leaves.count - 1 {
            let a = takeSmallest()
            let b = takeSmallest()
            let node = nodeWeight.count
            nodeWeight.append(nodeWeight[a] + nodeWeight[b])
            parent[a] = node
            parent[b] = node
        }
        var depth = [Int](repeating: 0, count: nodeWeight.count)
        for node in stride(from: nodeWeight.count - 2, through: 0, by: -1) { depth[node] = depth[parent[node]] + 1 }
        for (index, symbol) in leaves.enumerated() { result[symbol] = UInt8(depth[index]) }
        return result
    }

    /// Canonical codes for `lengths` (RFC 1951 §3.2.2), bit-reversed for an LSB-first writer.
    static func reversedCodes(for lengths: [UInt8]) -> [UInt16] {
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths where length > 0 { counts[Int(length)] += 1 }
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1..<16 {
            code = (code + counts[length - 1]) << 1
            nextCode[length] = code
        }
        return lengths.map { length in
            guard length > 0 else { return 0 }
            let value = nextCode[Int(length)]
            nextCode[Int(length)] += 1
            var reversed = 0
            for bit in 0..<Int(length) where value & (1 << bit) != 0 { reversed |= 1 << (Int(length) - 1 - bit) }
            return UInt16(reversed)
        }
    }
}
