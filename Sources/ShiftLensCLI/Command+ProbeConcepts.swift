import Foundation
import Pilot
import Pipeline
import Probes
import Tensor

/// `shiftlens probe`'s input of the concept probe (probe 4), from arrays computed anywhere.
///
/// The probe correlates the probed model's reference embeddings with the image–concept
/// similarities `S` (n_ref × K) of a probing CLIP model on the same reference images, in the
/// same order. `S` is given directly (`--concept-similarities`) or computed as
/// `normalize(P) · normalize(T)ᵀ` from the probing model's concept text embeddings
/// `T` (`--concept-text`, K × d') and image embeddings `P` (`--concept-images`, n_ref × d';
/// default the probed reference embeddings themselves, i.e. the model probes itself, as in
/// `shiftlens run`). Concept names come from `--concept-names` or, when K matches, from the
/// shipped vocabulary in the order `shiftlens run` embeds it.
extension Command {
    static let conceptOptions: [Option] = [
        .value("--concept-text", "T.npy", "Concept probe: the probing model's text embeddings of the concepts (K × d')."),
        .value("--concept-images", "P.npy", "Concept probe: the probing model's embeddings of the reference images (n_ref × d'; default the reference embeddings)."),
        .value("--concept-similarities", "S.npy", "Concept probe: image–concept similarities of the reference images (n_ref × K), instead of --concept-text."),
        .value("--concept-names", "N.txt", "Concept probe: one name per line, K lines (default the shipped vocabulary when K matches it)."),
        .value("--concept-threshold", "RHO", "Correlation at which a dimension encodes a concept (default 0.5)."),
    ]

    /// The concept probe's input, or `nil` when no concept option is given. `reference` is
    /// the probed reference embeddings read from `referencePath`.
    static func conceptInput(_ invocation: Invocation, reference: Matrix<Float>, referencePath: String) throws -> ConceptProbeInput? {
        let similaritiesPath = invocation.value("--concept-similarities")
        let textPath = invocation.value("--concept-text")
        guard similaritiesPath != nil || textPath != nil else {
            for name in ["--concept-images", "--concept-names", "--concept-threshold"] where invocation.value(name) != nil {
                throw UsageError("\(name) needs --concept-text T.npy or --concept-similarities S.npy")
            }
            return nil
        }
        if similaritiesPath != nil, textPath != nil || invocation.value("--concept-images") != nil {
            throw UsageError("give either --concept-similarities S.npy or --concept-text T.npy [--concept-images P.npy], not both")
        }
        let rowsHint = "row i must belong to reference image i (the rows of \(referencePath)), in the same order"
        let similarities: Matrix<Float>
        let conceptsPath: String
        if let path = similaritiesPath {
            similarities = try readMatrix(path, what: "concept similarities")
            guard similarities.rows == reference.rows else {
                throw ShiftLensError(step: "read concept similarities", path: path,
                                     message: "\(similarities.rows) rows, but the reference embeddings have \(reference.rows) images", hint: rowsHint)
            }
            conceptsPath = path
        } else {
            let path = textPath!
            let text = try readMatrix(path, what: "concept text embeddings")
            var images = reference
            var imagesPath = referencePath
            if let path = invocation.value("--concept-images") {
                images = try readMatrix(path, what: "concept image embeddings")
                imagesPath = path
                guard images.rows == reference.rows else {
                    throw ShiftLensError(step: "read concept image embeddings", path: path,
                                         message: "\(images.rows) rows, but the reference embeddings have \(reference.rows) images", hint: rowsHint)
                }
            }
            guard text.columns == images.columns else {
                throw ShiftLensError(step: "read concept text embeddings", path: path,
                                     message: "\(text.columns) dimensions, but the image embeddings \(imagesPath) have \(images.columns)",
                                     hint: "give --concept-images P.npy: the same probing model's embeddings of the reference images")
            }
            similarities = try Concepts.similarities(imageEmbeddings: images, textEmbeddings: text)
            conceptsPath = path
        }
        return ConceptProbeInput(names: try conceptNames(invocation, count: similarities.columns, conceptsPath: conceptsPath), similarities: similarities)
    }

    /// `--concept-names` (one per line; `category<TAB>concept` and `#` comments as in the shipped
    /// list), or the shipped vocabulary when it has exactly `count` concepts.
    static func conceptNames(_ invocation: Invocation, count: Int, conceptsPath: String) throws -> [String] {
        if let path = invocation.value("--concept-names") {
            let text = try attributing(step: "read concept names", path: path) { try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8) }
            let names = Concepts.parseList(text)
            guard names.count == count else {
                throw ShiftLensError(step: "read concept names", path: path, message: "\(names.count) names, but \(conceptsPath) has \(count) concepts",
                                     hint: "write one name per line, in the order of the concepts")
            }
            return names
        }
        let shipped: [String]
        do {
            shipped = try ConceptVocabulary.load(assets: try Assets.locate(), extra: nil)
        } catch {
            throw ShiftLensError(step: "concept names", path: conceptsPath, message: "no --concept-names and the shipped vocabulary cannot be read: \(ShiftLensError.describe(error).message)",
                                 hint: "give --concept-names N.txt with one name per line")
        }
        guard shipped.count == count else {
            throw ShiftLensError(step: "concept names", path: conceptsPath,
                                 message: "\(count) concepts, but the shipped vocabulary (assets/concepts/concepts.txt) has \(shipped.count), so it cannot name them",
                                 hint: "give --concept-names N.txt with one name per line, in the order of the concepts")
        }
        return shipped
    }
}
