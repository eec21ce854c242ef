import Tensor

/// Zero-shot classifier weights exactly as open_clip's `build_zero_shot_classifier`:
/// for each class, embed every template with the class name substituted, L2-normalise
/// each embedding (`F.normalize`, eps 1e-12), average over templates, normalise the mean.
/// Rows are classes: the result is (C, D), so logits are `normalize(h) · Wᵀ`.
public enum ZeroShotHead {
    /// The placeholder a template carries for the class name.
    public static let placeholder = "{c}"

    /// Builds the head with `model`'s text tower; prompts are `template` with `{c}`
    /// replaced by the class name, tokenized by `tokenizer`.
    public static func build(model: CLIPModel, tokenizer: Tokenizer, classNames: [String], templates: [String]) throws -> Tensor {
        // One class's prompts (typically 7–80) go through the text tower together.
        try build(classNames: classNames, templates: templates) { prompts in
            try model.encodeText(tokenizer.tokenize(prompts), batch: max(prompts.count, 1))
        }
    }

    /// Builds the head from any text encoder; `embed` receives one class's prompts (in
    /// template order) and returns their embeddings (T, D), normalised or not.
    public static func build(
        classNames: [String], templates: [String], embed: ([String]) throws -> Tensor
    ) throws -> Tensor {
        guard !classNames.isEmpty else { throw CLIPError.badInput("no class names") }
        guard !templates.isEmpty else { throw CLIPError.badInput("no prompt templates") }
        if let template = templates.first(where: { !$0.contains(placeholder) }) {
            throw CLIPError.badInput("template '\(template)' has no \(placeholder) for the class name")
        }
        var rows: [Float] = []
        var dimension = 0
        for name in classNames {
            let prompts = templates.map { $0.replacingOccurrences(of: placeholder, with: name) }
            let embeddings = try embed(prompts)
            guard embeddings.rank == 2, embeddings.shape[0] == templates.count, embeddings.shape[1] > 0,
                  dimension == 0 || embeddings.shape[1] == dimension else {
                throw CLIPError.badInput("text embeddings for '\(name)' have shape \(embeddings.shape), expected (\(templates.count), D)")
            }
            dimension = embeddings.shape[1]
            rows += try build(textEmbeddings: embeddings, classCount: 1).scalars
        }
        return Tensor(shape: [classNames.count, dimension], scalars: rows)
    }

    /// The head from precomputed text embeddings (C·T, D), class-major (all templates of
    /// class 0, then class 1, …), normalised or not.
    public static func build(textEmbeddings: Tensor, classCount: Int) throws -> Tensor {
        guard textEmbeddings.rank == 2, classCount > 0, textEmbeddings.shape[0] % classCount == 0,
              textEmbeddings.shape[0] > 0, textEmbeddings.shape[1] > 0 else {
            throw CLIPError.badInput("text embeddings of shape \(textEmbeddings.shape) do not split into \(classCount) classes")
        }
        let dimension = textEmbeddings.shape[1], templateCount = textEmbeddings.shape[0] / classCount
        do {
            let head = try EnsembleHead.build(
                textEmbeddings: textEmbeddings.scalars, classCount: classCount, templateCount: templateCount, dimension: dimension)
            return Tensor(shape: [classCount, dimension], scalars: head)
        } catch {
            throw CLIPError.badInput("class \(error.classIndex)'s mean text embedding has norm \(error.norm)")
        }
    }
}
