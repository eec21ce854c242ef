/// A checkpoint ready for a model: canonical tensors, the full configuration, and what the
/// user needs to know about the file (`shiftlens inspect` prints all of it).
package struct LoadedCheckpoint: @unchecked Sendable {
    package var stateDict: StateDict
    package var config: CLIPConfig
    /// Lower-case hex SHA-256 of the file (content address of the weights).
    package var sha256: String
    /// Container and naming, e.g. "safetensors (open_clip naming)".
    package var format: String
    /// Storage dtype(s) of the weights in the file, e.g. "F16" or "F32+F16"; tensors are fp32 in memory.
    package var dtype: String
    /// Learned parameters (PyTorch's count: batch-norm running statistics excluded).
    package var parameterCount: Int
    /// Things the user should know that do not stop loading (NaN/Inf tensors, ignored files, overridden requests).
    package var warnings: [String]
    /// Where `config.imageMean`/`imageStd` came from ("open_clip_config.json", "OpenAI default", …).
    package var normalizationSource: String
    /// Where the vision tower's head count came from.
    package var headsSource: String
    /// Why the activation is unknown, when the caller let loading go on without it
    /// (`ConfigOverrides.allowsUnknownActivation`, for `inspect`): `config.activation` then holds
    /// a value only because the type needs one, and the checkpoint must not be encoded with.
    package var unknownActivation: WeightsError? = nil
}

/// What the caller knows about a checkpoint that its files may not say (the pilot's model
/// entry, `--activation`). Configuration files beside the weights take precedence; a request
/// they contradict becomes a warning.
package struct ConfigOverrides: Sendable, Equatable {
    package var activation: Activation?
    package var imageMean: [Float]?
    package var imageStd: [Float]?
    /// Named as the source in the loaded configuration ("pilot", "--activation").
    package var source: String
    /// Extra known checkpoints, consulted before the built-in table.
    package var knownCheckpoints: [KnownCheckpoint]
    /// Load even when nothing tells the activation, recording why in
    /// `LoadedCheckpoint.unknownActivation` (only `inspect`, which shows what it knows).
    package var allowsUnknownActivation = false

    package init(
        activation: Activation? = nil, imageMean: [Float]? = nil, imageStd: [Float]? = nil, source: String = "caller",
        knownCheckpoints: [KnownCheckpoint] = []
    ) {
        self.activation = activation
        self.imageMean = imageMean
        self.imageStd = imageStd
        self.source = source
        self.knownCheckpoints = knownCheckpoints
    }
}
