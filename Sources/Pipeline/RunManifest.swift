import Foundation
import Pilot
import Support

/// `manifest.json` of a run: what went in (files with sha256), the tool, seeds, timings
/// and the machine — enough to tell months later exactly what a run measured.
enum RunManifest {
    /// Per-image listings are kept up to this many images in total; above it, each domain keeps a digest.
    static let maxListedImages = 50_000

    static func make(spec: PilotSpec, models: [EncodedModel], skippedModels: [(String, String)], scanned: [ScannedDomain],
                     timings: [String: Double], options: PilotRunner.Options, extra: [String: Any] = [:]) throws -> Data {
        let first = models.first
        let total = first?.domains.values.reduce(0) { $0 + $1.keys.count } ?? 0
        var domains: [[String: Any]] = []
        for domain in scanned {
            var entry: [String: Any] = ["name": domain.spec.name, "path": domain.spec.path.path, "role": domain.spec.role.rawValue]
            if let problem = domain.problem { entry["problem"] = problem }
            if let scan = domain.scan { entry["layout"] = scan.layout.rawValue }
            if let encoded = first?.domains[domain.spec.name] {
                entry["images"] = encoded.keys.count
                // Imported embeddings have no image bytes to hash (keys are empty): paths only.
                let hashed = !encoded.keys.contains("")
                let lines = zip(encoded.paths, encoded.keys).map { hashed ? "\($0.1)  \($0.0)\n" : "\($0.0)\n" }.sorted().joined()
                entry[hashed ? "images_sha256" : "paths_sha256"] = SHA256.hex(Array(lines.utf8))
                if total <= maxListedImages {
                    entry["files"] = zip(encoded.paths, encoded.keys).map { hashed ? ["path": $0.0, "sha256": $0.1] : ["path": $0.0] }
                }
            }
            domains.append(entry)
        }
        let specSHA = (try? SHA256.hex(fileAt: spec.file)) ?? ""
        var manifest: [String: Any] = [
            "manifest_version": 1,
            "tool": ["name": "shiftlens", "version": ToolVersion.current],
            "pilot_spec": ["path": spec.file.path, "sha256": specSHA],
            "models": models.map { model -> [String: Any] in
                var entry: [String: Any] = [
                    "name": model.entry.name, "weights": model.entry.weights.path, "sha256": model.sha256, "family": model.family,
                    "activation": model.activation, "dimension": model.dimension, "baseline": model.entry.baseline, "warnings": model.warnings,
                    "encoding": Dictionary(uniqueKeysWithValues: model.domains.map { name, domain in
                        (name, ["images": domain.keys.count, "encoded": domain.encoded, "cached": domain.cached, "skipped": domain.failures.count,
                                "seconds": (domain.elapsed * 1000).rounded() / 1000, "encoder_seconds": (domain.encodeSeconds * 1000).rounded() / 1000,
                                "cpu_seconds": (domain.cpuSeconds * 1000).rounded() / 1000] as [String: Any])
                    })]
                if let precision = model.precision { entry["precision"] = precision }
                if let batch = model.batch {
                    entry["batch_size"] = batch.size
                    entry["batch_source"] = batch.source.rawValue
                }
                return entry
            },
            "skipped_models": skippedModels.map { ["name": $0.0, "reason": $0.1] },
            "domains": domains,
            "seeds": ["base": spec.probes.seed],
            "settings": ["outlier_threshold": spec.probes.outlierThreshold, "concept_threshold": spec.probes.conceptThreshold, "linear_probe": spec.probes.linearProbe, "batch_size": options.batchSize.map { $0 as Any } ?? "per model"],
            "embedding_store": options.store.path,
            "timings_seconds": timings.mapValues { ($0 * 1000).rounded() / 1000 },
            "machine": machine(),
        ]
        manifest.merge(extra) { _, new in new }
        return try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    static func machine() -> [String: Any] {
        let info = ProcessInfo.processInfo
        let cpu = Machine.cpuModel ?? "unknown"
        return ["cores": info.activeProcessorCount, "memory_bytes": info.physicalMemory, "os": info.operatingSystemVersionString, "cpu": cpu, "host": info.hostName]
    }
}
