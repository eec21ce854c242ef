import Foundation
import Tensor

/// Writes the captioned training sets of the bundled demo models as numpy arrays, for
/// `scripts/demo/train_demo_models.py` (run once by the maintainers; users never need it):
/// `<set>-images.npy` uint8 (N, 64, 64, 3), `<set>-labels.npy` int64 (N,),
/// `<set>-captions.txt` one caption per line, for the sets `narrow` and `diverse`; and the
/// evaluation domains as `eval-<domain>-images.npy` / `eval-<domain>-labels.npy` so the
/// training log can report each model's zero-shot accuracy as PyTorch computes it.
package enum DemoTrainingSet {
    package static func write(to folder: URL, perClass: Int) throws -> [String] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var written: [String] = []
        var sets: [(String, [DemoDataset.Sample])] = [
            ("narrow", DemoDataset.trainingSamples(diverse: false, perClass: perClass)),
            ("diverse", DemoDataset.trainingSamples(diverse: true, perClass: perClass)),
        ]
        for (index, domain) in DemoDataset.domains.enumerated() {
            sets.append(("eval-\(domain.name)", DemoDataset.evaluationSamples(domain: index)))
        }
        for (name, samples) in sets {
            let size = DemoDataset.imageSize
            let pixels = samples.flatMap(\.pixels)
            try NPY.write(NPY.encode(uint8: pixels, shape: [samples.count, size, size, 3]), to: folder.appendingPathComponent("\(name)-images.npy"))
            var labels: [UInt8] = []
            for sample in samples {
                withUnsafeBytes(of: Int64(sample.label).littleEndian) { labels += $0 }
            }
            try NPY.write(NPY.encode(dtype: .int64, shape: [samples.count], payload: labels), to: folder.appendingPathComponent("\(name)-labels.npy"))
            try Data((samples.map(\.caption).joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("\(name)-captions.txt"))
            written += ["\(name)-images.npy", "\(name)-labels.npy", "\(name)-captions.txt"]
        }
        return written
    }
}
