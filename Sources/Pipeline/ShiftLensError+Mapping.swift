import CLIP
import Embeddings
import Foundation
import ImageCodec
import Pilot
import Probes
import Site
import Support
import Tensor
import Weights

extension ShiftLensError {
    /// The one mapping from an error of any module to what the user sees: the message, and the
    /// file and the hint when the error knows them, come from `ShiftLensError.describe`; the
    /// caller names the step, the file when the error does not, and a hint when it knows better
    /// what to do next. A `ShiftLensError` passes through unchanged: it already names its step.
    package init(step: String, path: String? = nil, error: any Error, hint: String? = nil) {
        if let error = error as? ShiftLensError {
            self = error
            return
        }
        let described = Self.describe(error)
        self.init(step: step, path: path ?? described.path, message: described.message, hint: hint ?? described.hint)
    }

    /// What an error of any module says: its message, the file it names and what to do next.
    package static func describe(_ error: any Error) -> (message: String, path: String?, hint: String?) {
        switch error {
        case let error as WeightsError:
            return (error.message, error.path, error.hint)
        case let error as CLIPError:
            return (error.description, nil, hint(for: error))
        case let error as ImageCodecError:
            return ("\(error.description) [\(error.code)]", nil, hint(for: error))
        case let error as InputFile.Error:
            return ("cannot read the file: \(error)", nil, hint(for: error))
        case let error as PilotError:
            return ("\(error)", nil, "see docs/pilot-spec.md; `shiftlens init DIR` writes a commented example")
        case let error as Assets.Error:
            return ("\(error)", nil, "install shiftlens with scripts/install.sh --prefix DIR, or set SHIFTLENS_ASSETS to the assets/ folder of a checkout")
        case let error as SiteError:
            return (error.description, nil, error.code == "template" ? "fix the template named above; nothing else was changed by this error" : nil)
        case is CancellationError:
            return ("interrupted", nil, nil)
        case is CocoaError, is POSIXError:
            return (error.localizedDescription, nil, nil)
        default:
            // EmbeddingsError, NPY.Error, ProbesError, LinearAlgebraError and the rest say it all in their description.
            return ("\(error)", nil, nil)
        }
    }

    private static func hint(for error: CLIPError) -> String {
        switch error {
        case .checkpoint, .badConfig: return "run `shiftlens inspect` on the checkpoint to see what it contains"
        case .badInput: return "check that the inputs fit the model (image size, token ids within its vocabulary)"
        case .badVocabulary: return "restore assets/clip/bpe_simple_vocab_16e6.txt.gz from the repository"
        case .noTextTower: return "use a checkpoint that includes the text tower, or leave out --text"
        case .unsupportedPrecision: return "leave out --precision bf16 (or \"precision\": \"bf16\" in the pilot) for this model"
        }
    }

    private static func hint(for error: ImageCodecError) -> String {
        switch error {
        case .truncated, .corrupt: return "the file is damaged; re-download or re-export it"
        case .unsupported: return "re-save it as a baseline JPEG or a PNG (e.g. with Pillow) and retry"
        case .tooLarge: return "downscale the image below the pixel limit (or raise \(ImageLimitSetting.pixels.variable))"
        case .exceedsMemory: return "downscale the image (or raise \(ImageLimitSetting.memory.variable))"
        case .unknownFormat: return "only JPEG and PNG files are read (by content, not by name)"
        }
    }

    private static func hint(for error: InputFile.Error) -> String {
        switch error {
        case .notFound: return "check the path"
        case .notRegularFile: return "name an image file, not a pipe, device or folder"
        case .tooLarge: return "raise \(ImageLimitSetting.fileBytes.variable) if the file really is an image"
        case .unreadable: return "check the file's permissions"
        }
    }
}

/// Runs `body`; an error it throws becomes a `ShiftLensError` naming `step`, and `path` and
/// `hint` when given (`ShiftLensError(step:path:error:hint:)`). A `CancellationError` passes
/// through: the command says what an interruption kept.
package func attributing<T>(step: String, path: String? = nil, hint: String? = nil, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch is CancellationError {
        throw CancellationError()
    } catch {
        throw ShiftLensError(step: step, path: path, error: error, hint: hint)
    }
}
