import Foundation
import XCTest
@testable import Weights
@testable import Support

/// `Checkpoint.load` on the fixtures written by make_fixtures.py with open_clip and transformers.
final class CheckpointLoadTests: XCTestCase {
    let vitOpenCLIP = fixturesDirectory.appendingPathComponent("vit-openclip/open_clip_model.safetensors")
    let vitHuggingFace = fixturesDirectory.appendingPathComponent("vit-hf/model.safetensors")
    let vitHuggingFaceVision = fixturesDirectory.appendingPathComponent("vit-hf-vision/model.safetensors")
    let resnetOpenCLIP = fixturesDirectory.appendingPathComponent("rn-openclip/open_clip_model.safetensors")

    func expectedViT(_ manifest: FixtureManifest) -> (vision: ViTConfig, text: TextConfig) {
        let cfg = manifest.vit_cfg
        let width = cfg.vision_cfg["width"]!.int!
        let vision = ViTConfig(
            width: width, layers: cfg.vision_cfg["layers"]!.int!, heads: width / cfg.vision_cfg["head_width"]!.int!,
            patchSize: cfg.vision_cfg["patch_size"]!.int!, imageSize: cfg.vision_cfg["image_size"]!.int!,
            outputDim: cfg.embed_dim, mlpWidth: 4 * width)
        let text = TextConfig(
            contextLength: cfg.text_cfg["context_length"]!.int!, vocabSize: cfg.text_cfg["vocab_size"]!.int!,
            width: cfg.text_cfg["width"]!.int!, heads: cfg.text_cfg["heads"]!.int!, layers: cfg.text_cfg["layers"]!.int!,
            outputDim: cfg.embed_dim)
        return (vision, text)
    }

    func testOpenCLIPFixtureWithItsConfigFile() throws {
        let manifest = try FixtureManifest.load()
        let loaded = try Checkpoint.load(vitOpenCLIP)
        let (vision, text) = expectedViT(manifest)
        XCTAssertEqual(loaded.config.vision, .vit(vision))
        XCTAssertEqual(loaded.config.text, text)
        XCTAssertEqual(loaded.config.activation, manifest.vit_cfg.quick_gelu ? .quickGelu : .gelu)
        XCTAssertEqual(loaded.config.activationSource, "open_clip_config.json")
        XCTAssertEqual(loaded.config.imageMean, manifest.vit_preprocess_cfg["mean"]!.list!)
        XCTAssertEqual(loaded.config.imageStd, manifest.vit_preprocess_cfg["std"]!.list!)
        XCTAssertEqual(loaded.normalizationSource, "open_clip_config.json")
        XCTAssertEqual(loaded.headsSource, "open_clip_config.json")
        XCTAssertEqual(loaded.format, "safetensors (open_clip naming)")
        XCTAssertEqual(loaded.dtype, "F32")
        XCTAssertEqual(loaded.sha256, manifest.sha256["vit-openclip/open_clip_model.safetensors"])
        XCTAssertEqual(loaded.parameterCount, manifest.parameter_count["vit"])
        XCTAssertEqual(loaded.warnings, [])
        XCTAssertTrue(try loaded.stateDict.tensor("visual.proj").storage is SafetensorsFile, "F32 weights stay mapped")
    }

    func testHuggingFaceCLIPModelEqualsOpenCLIPAfterTranslation() throws {
        let manifest = try FixtureManifest.load()
        let reference = try Checkpoint.load(vitOpenCLIP)
        let loaded = try Checkpoint.load(vitHuggingFace)
        XCTAssertEqual(loaded.format, "safetensors (Hugging Face naming)")
        XCTAssertEqual(loaded.dtype, "F16")
        XCTAssertEqual(loaded.config.vision, reference.config.vision)
        XCTAssertEqual(loaded.config.text, reference.config.text)
        XCTAssertEqual(loaded.config.activation, .quickGelu)
        XCTAssertEqual(loaded.config.activationSource, "config.json")
        XCTAssertEqual(loaded.headsSource, "config.json")
        XCTAssertEqual(loaded.config.imageMean, manifest.hf_mean)
        XCTAssertEqual(loaded.config.imageStd, manifest.hf_std)
        XCTAssertEqual(loaded.normalizationSource, "preprocessor_config.json")
        XCTAssertEqual(loaded.parameterCount, manifest.parameter_count["vit"])
        // The fixture's values are exact in F16, so translation (renames, q/k/v stacking,
        // projection transposes) must reproduce the open_clip tensors bit for bit.
        XCTAssertEqual(loaded.stateDict.names, reference.stateDict.names)
        for name in reference.stateDict.names {
            let want = try reference.stateDict.tensor(name)
            let got = try loaded.stateDict.tensor(name)
            XCTAssertEqual(got.shape, want.shape, name)
            XCTAssertEqual(got.name, name)
            XCTAssertTrue(Array(got.values) == Array(want.values), "\(name) differs after translation")
        }
    }

    func testHuggingFaceVisionOnlyInBFloat16() throws {
        let manifest = try FixtureManifest.load()
        let reference = try Checkpoint.load(vitOpenCLIP)
        let loaded = try Checkpoint.load(vitHuggingFaceVision)
        XCTAssertEqual(loaded.dtype, "BF16")
        XCTAssertNil(loaded.config.text)
        XCTAssertEqual(loaded.config.vision, reference.config.vision)
        XCTAssertEqual(loaded.config.activation, .gelu)
        XCTAssertEqual(loaded.config.activationSource, "config.json")
        XCTAssertEqual(loaded.config.imageMean, CLIPConfig.openAIMean)
        XCTAssertEqual(loaded.normalizationSource, "OpenAI default")
        XCTAssertEqual(loaded.parameterCount, manifest.parameter_count["vit-vision"])
        let visual = reference.stateDict.names.filter { $0.hasPrefix("visual.") }
        XCTAssertEqual(loaded.stateDict.names, visual)
        for name in visual {
            XCTAssertTrue(Array(try loaded.stateDict.tensor(name).values) == Array(try reference.stateDict.tensor(name).values), name)
        }
    }

    func testModifiedResNetFromTheKnownCheckpointTable() throws {
        let manifest = try FixtureManifest.load()
        let loaded = try Checkpoint.load(resnetOpenCLIP)
        let cfg = manifest.rn_cfg.vision_cfg
        let width = cfg["width"]!.int!
        XCTAssertEqual(loaded.config.vision, .resnet(ModifiedResNetConfig(
            layers: cfg["layers"]!.list!.map { Int($0) }, width: width, heads: width * 32 / 64,
            imageSize: cfg["image_size"]!.int!, outputDim: manifest.rn_cfg.embed_dim)))
        XCTAssertNil(loaded.config.text)
        XCTAssertEqual(loaded.dtype, "F16")
        XCTAssertEqual(loaded.sha256, manifest.sha256["rn-openclip/open_clip_model.safetensors"])
        XCTAssertEqual(loaded.config.activation, .quickGelu)
        XCTAssertEqual(loaded.config.activationSource, "known checkpoint ShiftLens test fixture tiny ModifiedResNet")
        XCTAssertEqual(loaded.parameterCount, manifest.parameter_count["rn-vision"])
        XCTAssertEqual(loaded.headsSource, "open_clip default, 64-wide heads")
    }

    func testActivationSourcesInOrder() throws {
        let scratch = try ScratchDirectory()
        // The vision-only file alone: 64-wide, so heads follow from shapes, but nothing tells the activation.
        let alone = scratch.url.appendingPathComponent("alone.safetensors")
        try FileManager.default.copyItem(at: vitHuggingFaceVision, to: alone)
        let error = weightsError(try Checkpoint.load(alone))
        XCTAssertEqual(error?.code, "missing-configuration")
        XCTAssertTrue(error?.description.contains("activation") ?? false)
        XCTAssertTrue(error?.hint.contains("--activation") ?? false)

        let fromPilot = try Checkpoint.load(alone, overrides: ConfigOverrides(activation: .quickGelu, source: "pilot"))
        XCTAssertEqual(fromPilot.config.activation, .quickGelu)
        XCTAssertEqual(fromPilot.config.activationSource, "pilot")

        let sha = try SHA256.hex(fileAt: alone)
        let entry = KnownCheckpoint(sha256: sha.uppercased(), name: "my export", activation: .gelu, imageMean: [0, 0, 0], imageStd: [1, 1, 1])
        let fromTable = try Checkpoint.load(alone, overrides: ConfigOverrides(knownCheckpoints: [entry]))
        XCTAssertEqual(fromTable.config.activation, .gelu)
        XCTAssertEqual(fromTable.config.activationSource, "known checkpoint my export")
        XCTAssertEqual(fromTable.config.imageStd, [1, 1, 1])
        XCTAssertEqual(fromTable.normalizationSource, "known checkpoint my export")

        // The caller beats the table; the file beside the weights beats the caller (with a warning).
        let both = try Checkpoint.load(alone, overrides: ConfigOverrides(activation: .quickGelu, source: "pilot", knownCheckpoints: [entry]))
        XCTAssertEqual(both.config.activationSource, "pilot")
        let configured = try Checkpoint.load(vitHuggingFaceVision, overrides: ConfigOverrides(activation: .quickGelu, source: "--activation"))
        XCTAssertEqual(configured.config.activation, .gelu)
        XCTAssertEqual(configured.warnings.count, 1)
        XCTAssertTrue(configured.warnings[0].contains("--activation asks for quick_gelu"), "\(configured.warnings)")
    }

    func testNarrowTowersNeedTheirHeadCountFromAConfiguration() throws {
        let scratch = try ScratchDirectory()
        let alone = scratch.url.appendingPathComponent("tiny.safetensors")
        try FileManager.default.copyItem(at: vitOpenCLIP, to: alone)
        let error = weightsError(try Checkpoint.load(alone, overrides: ConfigOverrides(activation: .gelu)))
        XCTAssertEqual(error?.code, "missing-configuration")
        XCTAssertTrue(error?.description.contains("32-wide text transformer") ?? false, "\(String(describing: error))")
    }

    func testConfigFilesThatContradictTheWeightsOrNeedUnsupportedOptions() throws {
        let scratch = try ScratchDirectory()
        let weights = scratch.url.appendingPathComponent("open_clip_model.safetensors")
        try FileManager.default.copyItem(at: vitOpenCLIP, to: weights)
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: vitOpenCLIP.deletingLastPathComponent()
            .appendingPathComponent("open_clip_config.json"))) as! [String: Any]
        func write(_ edit: (inout [String: Any]) -> Void) throws {
            var root = original
            var model = root["model_cfg"] as! [String: Any]
            edit(&model)
            root["model_cfg"] = model
            try JSONSerialization.data(withJSONObject: root).write(to: scratch.url.appendingPathComponent("open_clip_config.json"))
        }
        try write { model in
            var vision = model["vision_cfg"] as! [String: Any]
            vision["width"] = 128
            model["vision_cfg"] = vision
        }
        var error = weightsError(try Checkpoint.load(weights))
        XCTAssertEqual(error?.code, "unknown-architecture")
        XCTAssertTrue(error?.description.contains("vision width 128 but the weights have 64") ?? false, "\(String(describing: error))")

        try write { model in
            var vision = model["vision_cfg"] as! [String: Any]
            vision["pool_type"] = "avg"
            model["vision_cfg"] = vision
        }
        error = weightsError(try Checkpoint.load(weights))
        XCTAssertEqual(error?.code, "unsupported")
        XCTAssertTrue(error?.description.contains("vision_cfg.pool_type") ?? false, "\(String(describing: error))")

        try write { model in model["quick_gelu"] = nil }
        let gelu = try Checkpoint.load(weights, overrides: ConfigOverrides(activation: .quickGelu, source: "pilot"))
        XCTAssertEqual(gelu.config.activation, .gelu, "open_clip's default when quick_gelu is absent")
        XCTAssertEqual(gelu.warnings.count, 1)
    }

    func testEveryTensorIsChecked() throws {
        let scratch = try ScratchDirectory()
        let config = vitOpenCLIP.deletingLastPathComponent().appendingPathComponent("open_clip_config.json")
        try FileManager.default.copyItem(at: config, to: scratch.url.appendingPathComponent("open_clip_config.json"))
        let table = try Checkpoint.loadStateDict(vitOpenCLIP).table
        let weights = scratch.url.appendingPathComponent("edited.safetensors")

        var missing = table
        missing["transformer.resblocks.1.mlp.c_proj.bias"] = nil
        try writeFloat32Safetensors(missing, to: weights)
        XCTAssertEqual(weightsError(try Checkpoint.load(weights)),
                       .missingTensor(name: "transformer.resblocks.1.mlp.c_proj.bias", path: weights.path))

        var extra = table
        extra["visual.transformer.resblocks.0.ls_1.gamma"] = ([64], [Float](repeating: 1, count: 64))
        try writeFloat32Safetensors(extra, to: weights)
        XCTAssertEqual(weightsError(try Checkpoint.load(weights)),
                       .unexpectedTensors(names: ["visual.transformer.resblocks.0.ls_1.gamma"], path: weights.path))

        var reshaped = table
        reshaped["visual.ln_post.bias"] = ([2, 32], table["visual.ln_post.bias"]!.values)
        try writeFloat32Safetensors(reshaped, to: weights)
        XCTAssertEqual(weightsError(try Checkpoint.load(weights)),
                       .wrongShape(name: "visual.ln_post.bias", expected: [64], found: [2, 32], path: weights.path))

        var poisoned = table
        poisoned["visual.ln_pre.weight"]!.values[3] = .nan
        try writeFloat32Safetensors(poisoned, to: weights)
        let loaded = try Checkpoint.load(weights)
        XCTAssertEqual(loaded.warnings, ["tensor 'visual.ln_pre.weight' holds 1 NaN/Inf value"])
    }

    func testHuggingFaceNamingErrorsNameTheFileKeys() throws {
        let scratch = try ScratchDirectory()
        let table = try SafetensorsFile(url: vitHuggingFaceVision).weightTensors().tensors.mapValues { ($0.shape, Array($0.values)) }
        let weights = scratch.url.appendingPathComponent("model.safetensors")

        var noKey = table
        noKey["vision_model.encoder.layers.1.self_attn.k_proj.bias"] = nil
        try writeFloat32Safetensors(noKey, to: weights)
        XCTAssertEqual(weightsError(try Checkpoint.loadStateDict(weights)),
                       .missingTensor(name: "vision_model.encoder.layers.1.self_attn.k_proj.bias", path: weights.path))

        var stray = table
        stray["vision_model.encoder.layers.0.self_attn.rotary.weight"] = ([1], [0])
        try writeFloat32Safetensors(stray, to: weights)
        XCTAssertEqual(weightsError(try Checkpoint.loadStateDict(weights)),
                       .unexpectedTensors(names: ["vision_model.encoder.layers.0.self_attn.rotary.weight"], path: weights.path))

        var bare = table
        bare["visual_projection.weight"] = nil
        try writeFloat32Safetensors(bare, to: weights)
        XCTAssertEqual(weightsError(try Checkpoint.loadStateDict(weights)),
                       .missingTensor(name: "visual_projection.weight", path: weights.path), "CLIPVisionModel without projection")

        var withIds = table
        withIds["vision_model.embeddings.position_ids"] = ([1, 17], (0..<17).map(Float.init))
        try writeFloat32Safetensors(withIds, to: weights)
        XCTAssertFalse(try Checkpoint.loadStateDict(weights).names.contains { $0.contains("position_ids") }, "position_ids are dropped")
    }

    func testHuggingFaceConfigVariants() throws {
        let scratch = try ScratchDirectory()
        let weights = scratch.url.appendingPathComponent("model.safetensors")
        try FileManager.default.copyItem(at: vitHuggingFaceVision, to: weights)
        let configURL = scratch.url.appendingPathComponent("config.json")
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: vitHuggingFaceVision.deletingLastPathComponent()
            .appendingPathComponent("config.json"))) as! [String: Any]
        func write(_ edit: (inout [String: Any]) -> Void) throws {
            var root = original
            edit(&root)
            try JSONSerialization.data(withJSONObject: root).write(to: configURL)
        }
        try write { $0["hidden_act"] = "gelu_new" }
        var error = weightsError(try Checkpoint.load(weights))
        XCTAssertEqual(error?.code, "unsupported")
        XCTAssertTrue(error?.description.contains("gelu_new") ?? false)

        try write { $0["layer_norm_eps"] = 1e-6 }
        XCTAssertEqual(weightsError(try Checkpoint.load(weights))?.code, "unsupported")

        try write { $0["num_hidden_layers"] = 3 }
        error = weightsError(try Checkpoint.load(weights))
        XCTAssertTrue(error?.description.contains("vision layers 3 but the weights have 2") ?? false, "\(String(describing: error))")

        try write { $0["num_attention_heads"] = 4; $0["hidden_act"] = "quick_gelu" }
        let loaded = try Checkpoint.load(weights)
        guard case .vit(let vit) = loaded.config.vision else { return XCTFail("not a ViT") }
        XCTAssertEqual(vit.heads, 4)
        XCTAssertEqual(loaded.config.activation, .quickGelu)

        try write { $0["model_type"] = "bert" }
        let ignored = weightsError(try Checkpoint.load(weights))
        XCTAssertEqual(ignored?.code, "missing-configuration", "a non-CLIP config.json says nothing")

        // A bare open_clip model config (no model_cfg wrapper) is read too, and wins over config.json.
        try Data(#"{"embed_dim": 32, "vision_cfg": {"width": 64, "layers": 2, "patch_size": 8, "image_size": 32, "head_width": 16}}"#.utf8)
            .write(to: scratch.url.appendingPathComponent("open_clip_config.json"))
        let bare = try Checkpoint.load(weights)
        XCTAssertEqual(bare.config.activation, .gelu)
        XCTAssertEqual(bare.config.activationSource, "open_clip_config.json")
        guard case .vit(let fromOpenCLIP) = bare.config.vision else { return XCTFail("not a ViT") }
        XCTAssertEqual(fromOpenCLIP.heads, 4)
    }
}
