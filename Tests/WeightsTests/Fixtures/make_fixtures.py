#!/usr/bin/env python3
"""Writes the WeightsTests fixtures. Run once from this folder; commit what it writes.

    python3 make_fixtures.py

What it writes (all small):
  vit-openclip/open_clip_model.safetensors   tiny open_clip ViT + text tower, F32, open_clip naming
  vit-openclip/open_clip_config.json         the model_cfg used (quick_gelu) and a preprocess_cfg
  vit-hf/model.safetensors, config.json     the same weights as a Hugging Face CLIPModel, F16,
                                             written by transformers' save_pretrained
  vit-hf/preprocessor_config.json            CLIPImageProcessor with its own mean/std
  vit-hf-vision/model.safetensors            the vision tower as CLIPVisionModelWithProjection, BF16
  vit-hf-vision/config.json                  hidden_act "gelu" (save_pretrained)
  rn-openclip/open_clip_model.safetensors    tiny ModifiedResNet vision tower only, F16, no config
  real_shapes.json                           name -> shape of open_clip's ViT-B-32, ViT-B-16, ViT-L-14,
                                             RN50, RN101, RN50x4 (built on the meta device, no weights)
                                             with the sizes open_clip's own configs give
  fixtures.json                              generator versions, configs, sha256 of every file

The weights are random but rounded so that every value is exactly representable in F16 and
in BF16: the F32, F16 and BF16 files then hold the same numbers, and the Swift tests can
compare the translated Hugging Face tensors with the open_clip ones for exact equality.

The Hugging Face files are made by a key mapping written here, and that mapping is checked
the only way that matters: transformers' CLIPModel loaded from them must give the same image
and text embeddings as open_clip's model (max abs difference printed and asserted).
"""
import hashlib
import json
import os
import sys

import numpy as np
import open_clip
import safetensors
import torch
import transformers
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(20261126)

VIT_CFG = {
    "embed_dim": 32,
    "quick_gelu": True,
    "vision_cfg": {"image_size": 32, "layers": 2, "width": 64, "head_width": 32, "patch_size": 8},
    "text_cfg": {"context_length": 77, "vocab_size": 512, "width": 32, "heads": 2, "layers": 2},
}
VIT_PREPROCESS = {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25], "interpolation": "bicubic", "resize_mode": "shortest"}
HF_MEAN = [0.1, 0.2, 0.3]
HF_STD = [0.4, 0.5, 0.6]
RN_CFG = {
    "embed_dim": 24,
    "quick_gelu": True,
    "vision_cfg": {"image_size": 64, "layers": [1, 2, 1, 1], "width": 4, "patch_size": None},
    "text_cfg": {"context_length": 77, "vocab_size": 512, "width": 32, "heads": 2, "layers": 1},
}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def representable(model):
    """Rounds every float parameter/buffer to a value exact in F16 and BF16; small BN stats stay positive."""
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if not tensor.is_floating_point():
                continue
            values = tensor.clone()
            if name.endswith("running_var"):
                values.uniform_(0.5, 2.0)
            elif name.endswith("running_mean"):
                values.normal_(0, 0.1)
            elif tensor.ndim == 1 and (".ln_" in name or ".bn" in name or "downsample.1" in name) and name.endswith("weight"):
                values.uniform_(0.5, 1.5)  # norm scales: not all ones, so a mix-up shows
            elif tensor.ndim == 1 and name.endswith("bias"):
                values.normal_(0, 0.05)
            values[values.abs() < 1e-3] = 0
            values = values.to(torch.bfloat16).to(torch.float16).to(torch.float32)
            assert torch.equal(values.to(torch.bfloat16).to(torch.float32), values), name
            assert torch.equal(values.to(torch.float16).to(torch.float32), values), name
            tensor.copy_(values)


def open_clip_state(model):
    return {k: v.contiguous() for k, v in model.state_dict().items()}


def hf_state(oc, vision_only=False):
    """open_clip names -> Hugging Face CLIPModel names (the mapping under test)."""
    out = {}

    def blocks(src, dst, layers):
        for i in range(layers):
            s, d = f"{src}.{i}", f"{dst}.{i}"
            q, k, v = oc[f"{s}.attn.in_proj_weight"].chunk(3, dim=0)
            qb, kb, vb = oc[f"{s}.attn.in_proj_bias"].chunk(3, dim=0)
            for part, w, b in (("q_proj", q, qb), ("k_proj", k, kb), ("v_proj", v, vb)):
                out[f"{d}.self_attn.{part}.weight"] = w.contiguous()
                out[f"{d}.self_attn.{part}.bias"] = b.contiguous()
            out[f"{d}.self_attn.out_proj.weight"] = oc[f"{s}.attn.out_proj.weight"]
            out[f"{d}.self_attn.out_proj.bias"] = oc[f"{s}.attn.out_proj.bias"]
            for a, b in (("ln_1", "layer_norm1"), ("ln_2", "layer_norm2"), ("mlp.c_fc", "mlp.fc1"), ("mlp.c_proj", "mlp.fc2")):
                out[f"{d}.{b}.weight"] = oc[f"{s}.{a}.weight"]
                out[f"{d}.{b}.bias"] = oc[f"{s}.{a}.bias"]

    v = "vision_model"
    out[f"{v}.embeddings.patch_embedding.weight"] = oc["visual.conv1.weight"]
    out[f"{v}.embeddings.class_embedding"] = oc["visual.class_embedding"]
    out[f"{v}.embeddings.position_embedding.weight"] = oc["visual.positional_embedding"]
    for a, b in (("ln_pre", "pre_layrnorm"), ("ln_post", "post_layernorm")):
        out[f"{v}.{b}.weight"] = oc[f"visual.{a}.weight"]
        out[f"{v}.{b}.bias"] = oc[f"visual.{a}.bias"]
    blocks("visual.transformer.resblocks", f"{v}.encoder.layers", VIT_CFG["vision_cfg"]["layers"])
    out["visual_projection.weight"] = oc["visual.proj"].t().contiguous()
    if not vision_only:
        t = "text_model"
        out[f"{t}.embeddings.token_embedding.weight"] = oc["token_embedding.weight"]
        out[f"{t}.embeddings.position_embedding.weight"] = oc["positional_embedding"]
        out[f"{t}.final_layer_norm.weight"] = oc["ln_final.weight"]
        out[f"{t}.final_layer_norm.bias"] = oc["ln_final.bias"]
        blocks("transformer.resblocks", f"{t}.encoder.layers", VIT_CFG["text_cfg"]["layers"])
        out["text_projection.weight"] = oc["text_projection"].t().contiguous()
        out["logit_scale"] = oc["logit_scale"]
    return {k: v.contiguous() for k, v in out.items()}


def hf_configs(activation):
    vc, tc = VIT_CFG["vision_cfg"], VIT_CFG["text_cfg"]
    vision = dict(hidden_size=vc["width"], intermediate_size=4 * vc["width"], num_hidden_layers=vc["layers"],
                  num_attention_heads=vc["width"] // vc["head_width"], image_size=vc["image_size"],
                  patch_size=vc["patch_size"], hidden_act=activation, projection_dim=VIT_CFG["embed_dim"])
    text = dict(hidden_size=tc["width"], intermediate_size=4 * tc["width"], num_hidden_layers=tc["layers"],
                num_attention_heads=tc["heads"], vocab_size=tc["vocab_size"], max_position_embeddings=tc["context_length"],
                hidden_act=activation, eos_token_id=2, projection_dim=VIT_CFG["embed_dim"])
    return vision, text


def check_hf_matches(oc_model, hf_model, vision_only=False):
    image = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        want = oc_model.encode_image(image)
        got = hf_model.get_image_features(pixel_values=image) if not vision_only else hf_model(pixel_values=image).image_embeds
        if not torch.is_tensor(got):
            got = got.pooler_output
        diff = (want - got).abs().max().item()
        print(f"  image embeddings: max |open_clip - transformers| = {diff:.3g}")
        assert diff < 1e-4, diff
        if vision_only:
            return
        tokens = torch.randint(1, 400, (2, 77))
        tokens[0, 9] = 511  # end of text = the largest id (open_clip pools at argmax)
        tokens[0, 10:] = 0
        tokens[1, 76] = 511
        want = oc_model.encode_text(tokens)
        got = hf_model.get_text_features(input_ids=tokens)
        if not torch.is_tensor(got):
            got = got.pooler_output
        diff = (want - got).abs().max().item()
        print(f"  text embeddings: max |open_clip - transformers| = {diff:.3g}")
        assert diff < 1e-4, diff


def save(state, path, dtype, metadata=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file({k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()}, path, metadata=metadata)
    return sha256(path)


def write_json(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    files = {}
    parameters = {}

    # --- tiny ViT + text, open_clip naming, F32 ---
    cfg = {k: v for k, v in VIT_CFG.items()}
    model = open_clip.CLIP(**cfg).eval()
    representable(model)
    oc = open_clip_state(model)
    path = os.path.join(HERE, "vit-openclip/open_clip_model.safetensors")
    files["vit-openclip/open_clip_model.safetensors"] = save(oc, path, torch.float32, {"format": "pt"})
    parameters["vit"] = sum(p.numel() for p in model.parameters())
    parameters["vit-vision"] = sum(p.numel() for n, p in model.named_parameters() if n.startswith("visual."))
    write_json({"model_cfg": VIT_CFG, "preprocess_cfg": VIT_PREPROCESS}, os.path.join(HERE, "vit-openclip/open_clip_config.json"))

    # --- the same weights in Hugging Face naming, F16 ---
    vision, text = hf_configs("quick_gelu")
    hf_config = transformers.CLIPConfig(vision_config=vision, text_config=text, projection_dim=VIT_CFG["embed_dim"])
    hf_model = transformers.CLIPModel(hf_config).eval()
    hf = hf_state(oc)
    missing, unexpected = hf_model.load_state_dict(hf, strict=False)
    assert not unexpected, unexpected
    assert all(k.endswith("position_ids") for k in missing), missing
    print("CLIPModel vs open_clip (quick_gelu):")
    check_hf_matches(model, hf_model)
    assert sum(p.numel() for p in hf_model.parameters()) == parameters["vit"]
    folder = os.path.join(HERE, "vit-hf")
    os.makedirs(folder, exist_ok=True)
    # transformers writes the file itself (its own key set and header), in F16.
    hf_model.to(torch.float16).save_pretrained(folder)
    transformers.CLIPImageProcessor(image_mean=HF_MEAN, image_std=HF_STD, size={"shortest_edge": 32},
                                    crop_size={"height": 32, "width": 32}).save_pretrained(folder)
    files["vit-hf/model.safetensors"] = sha256(os.path.join(folder, "model.safetensors"))

    # --- vision tower only, CLIPVisionModelWithProjection, BF16, GELU ---
    gelu_model = open_clip.CLIP(**{**VIT_CFG, "quick_gelu": False}).eval()
    gelu_model.load_state_dict(oc)
    vision_gelu, _ = hf_configs("gelu")
    vision_config = transformers.CLIPVisionConfig(**vision_gelu)
    vision_model = transformers.CLIPVisionModelWithProjection(vision_config).eval()
    hf_vision = hf_state(oc, vision_only=True)
    missing, unexpected = vision_model.load_state_dict(hf_vision, strict=False)
    assert not unexpected, unexpected
    assert all(k.endswith("position_ids") for k in missing), missing
    print("CLIPVisionModelWithProjection vs open_clip (gelu):")
    check_hf_matches(gelu_model, vision_model, vision_only=True)
    assert sum(p.numel() for p in vision_model.parameters()) == parameters["vit-vision"]
    folder = os.path.join(HERE, "vit-hf-vision")
    os.makedirs(folder, exist_ok=True)
    vision_model.to(torch.bfloat16).save_pretrained(folder)
    files["vit-hf-vision/model.safetensors"] = sha256(os.path.join(folder, "model.safetensors"))

    # --- tiny ModifiedResNet, vision tower only, F16, no config beside it ---
    rn = open_clip.CLIP(**RN_CFG).eval()
    representable(rn)
    rn_state = {k: v for k, v in open_clip_state(rn).items() if k.startswith("visual.")}
    parameters["rn-vision"] = sum(p.numel() for n, p in rn.named_parameters() if n.startswith("visual."))
    files["rn-openclip/open_clip_model.safetensors"] = save(
        rn_state, os.path.join(HERE, "rn-openclip/open_clip_model.safetensors"), torch.float16)

    # --- real model shapes, no weights ---
    real = {}
    for name in ["ViT-B-32", "ViT-B-16", "ViT-L-14", "RN50", "RN101", "RN50x4"]:
        mc = open_clip.get_model_config(name)
        with torch.device("meta"):
            m = open_clip.CLIP(**mc)
        shapes = {k: list(v.shape) for k, v in m.state_dict().items() if v.is_floating_point()}
        vc, tc = mc["vision_cfg"], mc["text_cfg"]
        head_width = vc.get("head_width", 64)
        if isinstance(vc["layers"], (list, tuple)):
            vision = {"family": "resnet", "layers": list(vc["layers"]), "width": vc["width"],
                      "heads": vc["width"] * 32 // head_width, "image_size": vc["image_size"], "output_dim": mc["embed_dim"]}
        else:
            vision = {"family": "vit", "layers": vc["layers"], "width": vc["width"], "heads": vc["width"] // head_width,
                      "patch_size": vc["patch_size"], "image_size": vc["image_size"], "output_dim": mc["embed_dim"],
                      "mlp_width": int(vc["width"] * vc.get("mlp_ratio", 4.0))}
        text = {"context_length": tc["context_length"], "vocab_size": tc["vocab_size"], "width": tc["width"],
                "heads": tc.get("heads", 8), "layers": tc["layers"], "output_dim": mc["embed_dim"],
                "mlp_width": int(tc["width"] * tc.get("mlp_ratio", 4.0))}
        real[name] = {"shapes": shapes, "vision": vision, "text": text}
    with open(os.path.join(HERE, "real_shapes.json"), "w") as f:
        json.dump(real, f, sort_keys=True, separators=(",", ":"))
        f.write("\n")
    files["real_shapes.json"] = sha256(os.path.join(HERE, "real_shapes.json"))

    write_json({
        "generator": "Tests/WeightsTests/Fixtures/make_fixtures.py",
        "versions": {"python": sys.version.split()[0], "torch": torch.__version__, "open_clip": open_clip.__version__,
                     "transformers": transformers.__version__, "safetensors": safetensors.__version__,
                     "numpy": np.__version__},
        "vit_cfg": VIT_CFG, "vit_preprocess_cfg": VIT_PREPROCESS, "hf_mean": HF_MEAN, "hf_std": HF_STD, "rn_cfg": RN_CFG,
        "sha256": files, "parameter_count": parameters,
    }, os.path.join(HERE, "fixtures.json"))
    for name, digest in sorted(files.items()):
        print(f"{digest}  {name}  ({os.path.getsize(os.path.join(HERE, name))} bytes)")


if __name__ == "__main__":
    main()
