import Foundation

/// `shiftlens init DIR`: a pilot folder to fill in — a commented `pilot.json`, class and
/// template files, dataset folders and a README for the person preparing the data.
package enum PilotScaffold {
    /// Creates the scaffold; refuses to touch a folder that already has files in it.
    package static func create(at folder: URL) throws -> [String] {
        let fileManager = FileManager.default
        if let existing = try? fileManager.contentsOfDirectory(atPath: folder.path), !existing.isEmpty {
            throw PilotError.dataset(path: folder.path, message: "is not empty; choose a new folder (shiftlens init never overwrites files)")
        }
        let pilotName = sanitized(folder.lastPathComponent)
        let files: [(String, String)] = [
            ("pilot.json", specText(pilot: pilotName)),
            ("classes.txt", "screw\nwasher\nhex nut\n"),
            ("templates.txt", "a photo of a {c}.\na close-up photo of a {c}.\na photo of a {c} on a conveyor belt.\n"),
            ("README.md", readmeText),
            ("data/reference/screw/PUT-IMAGES-HERE.txt", "Images of screws taken under today's conditions (JPEG or PNG).\n"),
            ("data/reference/washer/PUT-IMAGES-HERE.txt", "Images of washers taken under today's conditions.\n"),
            ("data/reference/hex nut/PUT-IMAGES-HERE.txt", "Images of hex nuts taken under today's conditions.\n"),
            ("data/low-light/screw/PUT-IMAGES-HERE.txt", "The same kinds of images under the new lighting.\n"),
            ("data/camera-2/PUT-IMAGES-HERE.txt", "Unlabelled images from the new camera (no class folders needed).\n"),
            ("models/PUT-WEIGHTS-HERE.txt", "CLIP checkpoints: .safetensors (open_clip or Hugging Face naming), PyTorch .pt/.pth/.bin or OpenAI TorchScript .pt.\n"),
        ]
        var written: [String] = []
        for (path, text) in files {
            let url = folder.appendingPathComponent(path)
            try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .withoutOverwriting)
            written.append(path)
        }
        return written
    }

    static func sanitized(_ name: String) -> String {
        let cleaned = String(name.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "-" })
        let trimmed = cleaned.trimmingCharacters(in: CharacterSet(charactersIn: "-."))
        return trimmed.isEmpty ? "my-pilot" : trimmed
    }

    static func specText(pilot: String) -> String {
        """
        {
          "//": "A ShiftLens pilot. Keys starting with // are comments. Paths are relative to this file.",
          "pilot": "\(pilot)",
          "title": "Line 3 — lighting and camera change",
          "question": "Can we deploy the CLIP classifier on line 3 after the lighting and camera change?",
          "language": "en",
          "// language": "en or ja: the language of the pages and the meeting packet.",
          "classes": { "names": "classes.txt", "templates": "templates.txt" },
          "// classes": "Or \\"classes\\": \\"imagenet\\" for the 1000 ImageNet classes and the 80 CLIP templates.",
          "domains": [
            { "name": "reference", "path": "data/reference", "role": "reference",
              "//": "Images as the model sees them today: one folder per class, named like classes.txt." },
            { "name": "low-light", "path": "data/low-light",
              "//": "A shifted set, labelled the same way." },
            { "name": "camera-2", "path": "data/camera-2", "labels": "none",
              "//": "Unlabelled images: accuracy is estimated without labels (ATC)." }
          ],
          "models": [
            { "name": "ViT-B/32", "weights": "models/vit-b-32.safetensors",
              "//": "Add \\"activation\\": \\"quick_gelu\\" for OpenAI-trained weights if shiftlens cannot tell." }
          ],
          "criteria": { "min_accuracy": 0.80, "max_relative_drop": 0.10,
            "//": "Pass/fail thresholds as fractions: 0.80 = 80 % top-1; 0.10 = at most 10 % of the reference accuracy lost." }
        }

        """
    }

    static let readmeText = """
        # Filling in this pilot

        1. Put the reference images in `data/reference/<class>/` — one folder per class, named exactly as in
           `classes.txt` (or by WordNet id). JPEG and PNG, any size.
        2. Put each shifted set in its own folder (`data/low-light/<class>/` when labelled, or images directly in the
           folder when you have no labels) and list it under `domains` in `pilot.json`.
           A CSV manifest `path,label` works too: give its path instead of a folder.
        3. Put the model checkpoints (.safetensors, .pt, .pth or .bin) in `models/` and list them under `models`.
        4. Adjust `criteria` to what the decision needs, then run `shiftlens run pilot.json`.

        Files whose names start with "." and files that are not images are skipped and counted in the report.
        The `PUT-…-HERE.txt` notes can stay; they are not images.

        """
}
