import CLIP

extension ShiftLensError {
    /// A model or tokenizer error as the user sees it.
    package init(step: String, path: String?, clip error: CLIPError) {
        let hint: String
        switch error {
        case .checkpoint, .badConfig: hint = "run `shiftlens inspect` on the checkpoint to see what it contains"
        case .badInput: hint = "check that the inputs fit the model (image size, token ids within its vocabulary)"
        case .badVocabulary: hint = "restore assets/clip/bpe_simple_vocab_16e6.txt.gz from the repository"
        case .noTextTower: hint = "use a checkpoint that includes the text tower, or leave out --text"
        case .unsupportedPrecision: hint = "leave out --precision bf16 (or \"precision\": \"bf16\" in the pilot) for this model"
        }
        self.init(step: step, path: path, message: error.description, hint: hint)
    }
}
