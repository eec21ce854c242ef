/// Pipeline — the application layer of ShiftLens: a pilot run from spec to site
/// (scan → encode through the embedding store → probe → render, `PilotRunner`), imported
/// embeddings, the run's manifest, progress on the console, and the generated demo
/// dataset with its pilot. The `shiftlens` commands (ShiftLensCLI) are thin wrappers over it.

/// The tool's version, written into results.json and manifest.json.
package enum ToolVersion {
    package static let current = "0.1.0"
}
