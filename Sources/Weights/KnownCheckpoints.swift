/// Checkpoints recognised by the SHA-256 of their file, for what neither the shapes nor a
/// configuration file can tell (the activation above all: OpenAI's models use QuickGELU,
/// and their `.pt` files come with no configuration).
///
/// Only entries whose digest could be verified are listed: OpenAI's published `.pt` files
/// (their download URLs embed the file's SHA-256, which OpenAI's `clip.load` checks after
/// downloading) and this project's own test fixture. Users extend the table without
/// changing code by passing entries in `ConfigOverrides.knownCheckpoints` (the CLI reads them
/// from a JSON array of `KnownCheckpoint`, see `KnownCheckpoint`'s coding keys).
package struct KnownCheckpoint: Codable, Sendable, Equatable {
    /// Lower-case hex SHA-256 of the weights file.
    package var sha256: String
    /// What the file is, e.g. "OpenAI ViT-B/32"; shown as the source of the activation.
    package var name: String
    package var activation: Activation
    /// nil: open_clip's OpenAI defaults.
    package var imageMean: [Float]?
    package var imageStd: [Float]?

    package init(sha256: String, name: String, activation: Activation, imageMean: [Float]? = nil, imageStd: [Float]? = nil) {
        self.sha256 = sha256.lowercased()
        self.name = name
        self.activation = activation
        self.imageMean = imageMean
        self.imageStd = imageStd
    }

    enum CodingKeys: String, CodingKey {
        case sha256, name, activation
        case imageMean = "image_mean"
        case imageStd = "image_std"
    }
}

package enum KnownCheckpoints {
    /// The built-in table.
    static let builtIn: [KnownCheckpoint] = [
        openAI("afeb0e10f9e5a86da6080e35cf09123aca3b358a0c3e3b6c78a7b63bc04b6762", "RN50"),
        openAI("8fa8567bab74a42d41c5915025a8e4538c3bdbe8804a470a72f30b0d94fab599", "RN101"),
        openAI("7e526bd135e493cef0776de27d5f42653e6b4c8bf9e0f653bb11773263205fdd", "RN50x4"),
        openAI("52378b407f34354e150460fe41077663dd5b39c54cd0bfd2b27167a4a06ec9aa", "RN50x16"),
        openAI("be1cfb55d75a9666199fb2206c106743da0f6468c9d327f3e0d0a543a9919d9c", "RN50x64"),
        openAI("40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af", "ViT-B/32"),
        openAI("5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f", "ViT-B/16"),
        openAI("b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836", "ViT-L/14"),
        openAI("3035c92b350959924f9f00213499208652fc7ea050643e8b385c2dac08641f02", "ViT-L/14@336px"),
        // Tests/WeightsTests/Fixtures/rn-openclip/open_clip_model.safetensors (make_fixtures.py):
        // a tiny random ModifiedResNet saved without any configuration file.
        KnownCheckpoint(
            sha256: "13849d0c90aad6b909f599cb5880f9e44c84e752cefa053d342a9fc4b3b10a82",
            name: "ShiftLens test fixture tiny ModifiedResNet", activation: .quickGelu),
    ]

    private static func openAI(_ sha256: String, _ model: String) -> KnownCheckpoint {
        KnownCheckpoint(
            sha256: sha256, name: "OpenAI \(model)", activation: .quickGelu,
            imageMean: CLIPConfig.openAIMean, imageStd: CLIPConfig.openAIStd)
    }

    /// The entry for `sha256`, looking in `extra` (the caller's) before the built-in table.
    package static func lookup(sha256: String, extra: [KnownCheckpoint] = []) -> KnownCheckpoint? {
        let digest = sha256.lowercased()
        return extra.first { $0.sha256.lowercased() == digest } ?? builtIn.first { $0.sha256 == digest }
    }
}
