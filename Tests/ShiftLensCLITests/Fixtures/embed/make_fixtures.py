#!/usr/bin/env python3
"""Golden files for `shiftlens embed` (Tests/ShiftLensCLITests/EmbedTests.swift).

    python3 Tests/ShiftLensCLITests/Fixtures/embed/make_fixtures.py

A tiny seeded open_clip CLIP (ViT 32×32 + a text tower with the full 49408-token
vocabulary, so the real tokenizer's ids fit) stored as F16 safetensors with an
open_clip_config.json (quick_gelu, non-default mean/std) beside it. The reference
embeddings come from open_clip itself on the fp16-rounded weights: its preprocess
(Pillow decode, bicubic resize, centre crop, normalise) on real images from
../shared/data, `encode_image`, its tokenizer and `encode_text` — so the test covers
decoding, preprocessing, checkpoint loading, tokenizer and both towers end to end.
`zeroshot_head.npy` is open_clip's build_zero_shot_classifier with the real tokenizer
(used by Tests/CLIPTests/ZeroShotHeadTests.swift).
"""
import json
import os
import sys

import numpy as np
import torch
import open_clip
import PIL
from PIL import Image
from open_clip.model import CLIP
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared", "data"))

IMAGES = [
    "images/imagenet-sample-200/n01440764_tench.JPEG",
    "images/imagenet-sample-200/n01530575_brambling.JPEG",
    "images/pngsuite-subset/basn3p08.png",
    "images/pngsuite-subset/basn6a16.png",
]
PROMPTS = ["a photo of a tench.", "a drawing of a brambling!", "", "Café &amp; crème — 日本語 🐟"]
CLASSNAMES = ["tench", "goldfish", "great white shark", "crème brûlée"]
TEMPLATES = ["a bad photo of a {c}.", "a photo of many {c}.", "itap of a {c}.", "a {c} in a video game."]
MEAN = [0.5, 0.45, 0.4]
STD = [0.25, 0.27, 0.3]


def main():
    torch.manual_seed(7)
    vision = dict(image_size=32, layers=1, width=32, patch_size=8, head_width=16)
    text = dict(context_length=77, vocab_size=49408, width=8, heads=2, layers=1)
    model = CLIP(embed_dim=16, vision_cfg=vision, text_cfg=text, quick_gelu=True).eval()
    g = torch.Generator().manual_seed(8)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") or "ln" in name:
                p.add_(0.05 * torch.randn(p.shape, generator=g))
        for p in model.parameters():
            p.copy_(p.half().float())  # the file holds F16; the reference uses the same values
    state = {k: v.half().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(HERE, "model.safetensors"))
    config = {"model_cfg": {"embed_dim": 16, "quick_gelu": True, "vision_cfg": vision, "text_cfg": text},
              "preprocess_cfg": {"mean": MEAN, "std": STD}}
    with open(os.path.join(HERE, "open_clip_config.json"), "w") as f:
        json.dump(config, f, indent=1)

    preprocess = open_clip.image_transform(32, is_train=False, mean=MEAN, std=STD)
    batch = torch.stack([preprocess(Image.open(os.path.join(SHARED, path))) for path in IMAGES])
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    with torch.no_grad():
        images = model.encode_image(batch).numpy().astype(np.float32)
        texts = model.encode_text(tokenizer(PROMPTS)).numpy().astype(np.float32)
    # open_clip's zero-shot head with the real tokenizer (checked by CLIPTests.ZeroShotHeadTests).
    from open_clip.zero_shot_classifier import build_zero_shot_classifier
    with torch.no_grad():
        head = build_zero_shot_classifier(
            model, tokenizer, CLASSNAMES, [lambda c, t=t: t.replace("{c}", c) for t in TEMPLATES],
            num_classes_per_batch=None, device="cpu", use_tqdm=False)
    np.save(os.path.join(HERE, "zeroshot_head.npy"), head.T.numpy().astype(np.float32))
    np.save(os.path.join(HERE, "expected_images.npy"), images)
    np.save(os.path.join(HERE, "expected_text.npy"), texts)
    with open(os.path.join(HERE, "prompts.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(PROMPTS) + "\n")
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump({"images": IMAGES, "classnames": CLASSNAMES, "templates": TEMPLATES, "versions": {
            "torch": torch.__version__, "open_clip": open_clip.__version__, "pillow": PIL.__version__,
            "numpy": np.__version__, "python": sys.version.split()[0]}}, f, indent=1)


if __name__ == "__main__":
    main()
