import CLIP
import Foundation
import Pilot
import Site
import Support
import Tensor

/// `run --embeddings DIR`: image embeddings computed elsewhere (open_clip on GPUs, say)
/// instead of encoding.
///
/// DIR holds
/// ```
/// images.csv              path,label,domain — one row per embedding row; path relative to the
///                         domain's folder as the spec names it; label a class name, WordNet id or
///                         class index, empty when unlabelled; domain a domain name of the spec
/// <model-slug>.npy        (N, D) float32 (float16/float64 accepted), row i = image i of images.csv
/// <model-slug>-head.npy   optional (C, D) zero-shot head, rows in the class list's order
/// ```
/// `<model-slug>` is the model's name as the site spells it (`ViT-B/32 LAION-2B` →
/// `vit-b-32-laion-2b`). Without a head file the head (and the concept probe's text
/// embeddings) come from the model's text tower, so its weights are loaded; with one, the
/// weights are loaded only if they can be (for the concept probe and the model's sha256).
///
/// Each domain's rows are put in the order encoding would use (sorted by path for a folder
/// domain, images.csv order otherwise), so that seeded probes see the same inputs as after
/// encoding the same images.
struct EmbeddingImport {
    struct Row {
        var index: Int
        var path: String
        var label: Int?
    }

    let directory: URL
    /// Rows per spec domain, in probe order.
    let rows: [String: [Row]]
    let rowCount: Int
    /// Domains as the rest of the run sees them (items built from images.csv).
    let scanned: [ScannedDomain]
    /// sha256 of images.csv, for the manifest.
    let csvSHA256: String

    static func load(directory: URL, spec: PilotSpec, classes: ClassList) throws -> EmbeddingImport {
        let csvURL = directory.appendingPathComponent("images.csv")
        guard let data = FileManager.default.contents(atPath: csvURL.path), let text = String(data: data, encoding: .utf8) else {
            throw ShiftLensError(step: "import", path: csvURL.path, message: "cannot be read as UTF-8 text",
                                 hint: "--embeddings DIR needs DIR/images.csv (path,label,domain) and one <model-slug>.npy per model")
        }
        var table = CSV.parse(text)
        if let header = table.first, header.first?.lowercased() == "path" { table.removeFirst() }
        let byName = DatasetScanner.lookup(classes.names)
        let byWnid = Dictionary(classes.wnids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let domainNames = Set(spec.domains.map(\.name))
        var rows: [String: [Row]] = [:]
        var unknownLabels: [String: [String: Int]] = [:]
        for (index, fields) in table.enumerated() {
            guard fields.count == 3 else {
                throw ShiftLensError(step: "import", path: csvURL.path, message: "row \(index + 1) has \(fields.count) columns; expected path,label,domain",
                                     hint: "quote fields that contain commas")
            }
            let (path, labelText, domain) = (fields[0], fields[1], fields[2])
            guard domainNames.contains(domain) else {
                throw ShiftLensError(step: "import", path: csvURL.path, message: "row \(index + 1) names domain \"\(domain)\", which the pilot spec does not have",
                                     hint: "the domain column must be one of: \(spec.domains.map(\.name).joined(separator: ", "))")
            }
            var label: Int?
            if !labelText.isEmpty {
                label = byName(labelText) ?? byWnid[labelText] ?? Int(labelText).flatMap { classes.names.indices.contains($0) ? $0 : nil }
                if label == nil {
                    unknownLabels[domain, default: [:]][labelText, default: 0] += 1
                    continue
                }
            }
            rows[domain, default: []].append(Row(index: index, path: path, label: label))
        }
        var scanned: [ScannedDomain] = []
        for domain in spec.domains {
            var list = rows[domain.name] ?? []
            if domain.labels == .none { list = list.map { Row(index: $0.index, path: $0.path, label: nil) } }
            if DatasetScanner.isDirectory(domain.path) { list.sort { $0.path < $1.path } }
            rows[domain.name] = list
            let items = list.map { DatasetItem(url: domain.path.appendingPathComponent($0.path), relativePath: $0.path, label: $0.label) }
            let labelled = items.contains { $0.label != nil }
            let scan = DatasetScan(layout: labelled ? .manifest : .unlabeled, items: items, hiddenSkipped: 0, nonImagesSkipped: 0,
                                   unknownLabels: unknownLabels[domain.name] ?? [:], missingFiles: [])
            scanned.append(ScannedDomain(spec: domain, scan: scan, problem: items.isEmpty ? "no rows in \(csvURL.lastPathComponent)" : nil))
        }
        return EmbeddingImport(directory: directory, rows: rows, rowCount: table.count, scanned: scanned, csvSHA256: SHA256.hex(Array(data)))
    }

    /// The file names of each model's arrays.
    static func slugs(_ spec: PilotSpec) -> [String: String] { Slug.unique(spec.models.map(\.name)) }

    /// One model's imported embeddings per domain (probe order), checked against images.csv.
    func domains(for entry: PilotSpec.Model, slug: String) throws -> (domains: [String: EncodedDomain], dimension: Int, sha256: String) {
        let url = directory.appendingPathComponent("\(slug).npy")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ShiftLensError(step: "import", path: url.path, message: "missing: no embeddings for model \"\(entry.name)\"",
                                 hint: "name each model's array <model-slug>.npy (see `shiftlens run --help`)")
        }
        let (bytes, array) = try attributing(step: "import", path: url.path, hint: "write it with numpy.save(path, array.astype(numpy.float32))") {
            let bytes = try InputFile.contents(of: url.path, maxBytes: .max)
            return (bytes, try NPY.decode(bytes))
        }
        guard array.shape.count == 2, array.shape[0] == rowCount, array.shape[1] > 0 else {
            throw ShiftLensError(step: "import", path: url.path, message: "shape \(array.shape) does not match images.csv's \(rowCount) rows (expected (\(rowCount), D))")
        }
        let dimension = array.shape[1]
        let values = array.floats()
        guard values.allSatisfy(\.isFinite) else {
            throw ShiftLensError(step: "import", path: url.path, message: "contains NaN or infinite values")
        }
        var result: [String: EncodedDomain] = [:]
        for domain in scanned where domain.problem == nil {
            let list = rows[domain.spec.name] ?? []
            var selected: [Float] = []
            selected.reserveCapacity(list.count * dimension)
            for row in list { selected += values[(row.index * dimension)..<((row.index + 1) * dimension)] }
            result[domain.spec.name] = EncodedDomain(
                embeddings: Tensor(shape: [list.count, dimension], scalars: selected), labels: list.map(\.label), paths: list.map(\.path),
                keys: Array(repeating: "", count: list.count), failures: [], encoded: 0, cached: 0)
        }
        return (result, dimension, SHA256.hex(bytes))
    }

    /// The optional `<slug>-head.npy`, checked against the class list and the embedding width.
    func head(slug: String, classCount: Int, dimension: Int) throws -> Tensor? {
        let url = directory.appendingPathComponent("\(slug)-head.npy")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let tensor = try attributing(step: "import", path: url.path) { try NPY.readTensor(at: url) }
        guard tensor.shape == [classCount, dimension] else {
            throw ShiftLensError(step: "import", path: url.path, message: "shape \(tensor.shape) is not (classes, D) = (\(classCount), \(dimension))")
        }
        guard tensor.scalars.allSatisfy(\.isFinite) else {
            throw ShiftLensError(step: "import", path: url.path, message: "contains NaN or infinite values")
        }
        return tensor
    }
}
