import Foundation

/// The checkout (found from this file's path) and the demo models in its assets.
enum PipelineFixtures {
    static let root: URL = {
        var url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
        while url.path != "/", !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }()
    static let diverse = root.appendingPathComponent("assets/demo-models/diverse-6k-small/open_clip_model.safetensors")
}
