#!/usr/bin/env python3
"""What PyTorch + open_clip compute for the demo's bundled models (Tests/ShiftLensCLITests/DemoStoryTests.swift).

    swift build -c release
    .build/release/shiftlens demo --training-data /tmp/demo-eval --per-class 1
    python3 Tests/ShiftLensCLITests/Fixtures/demo/make_fixtures.py /tmp/demo-eval

For every model folder in assets/demo-models/ (open_clip_config.json + open_clip_model.safetensors), open_clip
builds the model from the config, loads the fp16 weights (widened to fp32, as ShiftLens does), builds the
zero-shot head from the demo's three templates with open_clip's tokenizer and `encode_text`, and encodes every
evaluation image (`eval-<domain>-images.npy`, the demo's PNG pixels; a 64×64 PNG is already at the model's
size, so open_clip's resize and crop leave it as it is, and only ToTensor and the mean/std remain). It writes
`pytorch.json`: per model and domain, the number of images, how many the zero-shot head gets right (for the
unlabelled domain too: the generator knows its labels, the pilot does not), and ShiftLens's outlier statistics
(probe 2) on the image embeddings before normalisation. The demo test checks that `shiftlens demo` reproduces
these numbers with its own decoder, preprocessing and encoders.
"""
import glob
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
import open_clip
from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
CLASSES = ["hex nut", "washer", "gear", "screw", "L-bracket", "spring", "ball bearing", "chain link", "wing nut", "rivet"]
TEMPLATES = ["a photo of a {c}.", "a picture of a {c}.", "an image of a {c}."]
DOMAINS = ["reference", "low-light", "new-camera", "sketch", "clutter", "second-line", "site-photos"]


def load(folder):
    with open(os.path.join(folder, "open_clip_config.json")) as f:
        config = json.load(f)
    cfg = config["model_cfg"]
    model = CLIP(embed_dim=cfg["embed_dim"], vision_cfg=CLIPVisionCfg(**cfg["vision_cfg"]),
                 text_cfg=CLIPTextCfg(**cfg["text_cfg"]), quick_gelu=cfg["quick_gelu"])
    state = {k: v.float() for k, v in load_file(os.path.join(folder, "open_clip_model.safetensors")).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(k == "attn_mask" for k in missing), (missing, unexpected)
    model.eval()
    return model, config["preprocess_cfg"]


def outliers(h):
    """ShiftLens's probe 2: m_j = mean_i |H_ij|, r_j = m_j / mean_k m_k, outliers r_j >= 10; mean over images of the
    Pearson (non-excess) kurtosis of each row."""
    h = h.astype(np.float64)
    m = np.abs(h).mean(0)
    r = m / m.mean()
    centred = h - h.mean(1, keepdims=True)
    m2 = (centred ** 2).mean(1)
    m4 = (centred ** 4).mean(1)
    return {"max_ratio": float(r.max()), "count": int((r >= 10).sum()), "kurtosis_mean": float((m4 / m2 ** 2).mean()),
            "top_dimension": int(np.argmax(r))}


@torch.no_grad()
def evaluate(folder, data):
    model, pre = load(folder)
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    heads = []
    for name in CLASSES:
        text = F.normalize(model.encode_text(tokenizer([t.format(c=name) for t in TEMPLATES])), dim=-1).mean(0)
        heads.append(F.normalize(text, dim=0))
    head = torch.stack(heads)
    mean = torch.tensor(pre["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(pre["std"]).view(1, 3, 1, 1)
    result = {}
    for domain in DOMAINS:
        images = np.load(os.path.join(data, f"eval-{domain}-images.npy"))
        labels = np.load(os.path.join(data, f"eval-{domain}-labels.npy"))
        assert images.shape[1:] == (pre["size"], pre["size"], 3)
        x = (torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0 - mean) / std
        h = model.encode_image(x)
        predictions = (F.normalize(h, dim=-1) @ head.T).argmax(1).numpy()
        result[domain] = {"count": int(len(labels)), "correct": int((predictions == labels).sum()),
                          "outliers": outliers(h.numpy())}
    return result


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    data = sys.argv[1]
    models = {}
    for config in sorted(glob.glob(os.path.join(ROOT, "assets", "demo-models", "*", "open_clip_config.json"))):
        folder = os.path.dirname(config)
        models[os.path.basename(folder)] = evaluate(folder, data)
        print(os.path.basename(folder), {d: v["correct"] for d, v in models[os.path.basename(folder)].items()})
    out = {"generator": f"torch {torch.__version__}, open_clip {open_clip.__version__}, numpy {np.__version__}",
           "templates": TEMPLATES, "models": models}
    with open(os.path.join(HERE, "pytorch.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
