import Foundation

/// A model given as a folder, as the Hugging Face / open_clip hubs lay out a snapshot: the
/// weights file inside it, which the configuration files sit beside.
package enum ModelFolder {
    /// The weights files looked for, in order: open_clip's hub layout, then Hugging Face's.
    package static let weightsFiles = ["open_clip_model.safetensors", "model.safetensors"]

    /// `url` itself when it is not a folder; else the first of `weightsFiles` inside it; nil for a
    /// folder holding none of them.
    package static func weights(at url: URL) -> URL? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else { return url }
        return weightsFiles.map { url.appendingPathComponent($0) }.first { FileManager.default.fileExists(atPath: $0.path) }
    }
}
