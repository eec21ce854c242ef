import Weights

extension ShiftLensError {
    /// A checkpoint error as the user sees it: the step, the file, the message and the hint.
    package init(step: String, weights error: WeightsError) {
        self.init(step: step, path: error.path, message: error.message, hint: error.hint)
    }
}
