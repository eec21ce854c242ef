#!/usr/bin/env python3
"""Train the two toy CLIP models bundled with ShiftLens's demo (run once by maintainers).

Never run by users or CI: the weights it writes are committed in assets/demo-models/.

    swift build -c release
    .build/release/shiftlens demo --training-data /tmp/demo-train --per-class 300
    python3 scripts/demo/train_demo_models.py --data /tmp/demo-train --out assets/demo-models \
        --log scripts/demo/training-log.txt

Both models share one tiny open_clip architecture (ViT: 64 px images, patch 16, width 128, 4 layers;
text: width 64, 2 layers, the standard 49,408-token BPE vocabulary, context 77; embedding 64) and one
training budget (same steps, optimiser, seed). They differ only in their data:
  * "narrow"  — reference-style photos only, one caption template;
  * "diverse" — randomised lighting, noise, blur, colour casts, framing, drawings and clutter, varied captions.
Neither sees the evaluation images (disjoint seeds) nor the exact evaluation settings.
"""
import argparse
import hashlib
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import open_clip
from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg
from safetensors.torch import save_file

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)
CLASSES = ["hex nut", "washer", "gear", "screw", "L-bracket", "spring", "ball bearing", "chain link", "wing nut", "rivet"]
TEMPLATES = ["a photo of a {c}.", "a picture of a {c}.", "an image of a {c}."]
DOMAINS = ["reference", "low-light", "new-camera", "sketch", "clutter"]

MODEL_CFG = {
    "embed_dim": 64,
    "quick_gelu": False,
    "vision_cfg": {"image_size": 64, "layers": 4, "width": 128, "head_width": 64, "patch_size": 16},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 1, "layers": 2},
}


def log(message, stream):
    print(message)
    stream.write(message + "\n")
    stream.flush()


def build_model():
    return CLIP(
        embed_dim=MODEL_CFG["embed_dim"],
        vision_cfg=CLIPVisionCfg(**MODEL_CFG["vision_cfg"]),
        text_cfg=CLIPTextCfg(**MODEL_CFG["text_cfg"]),
        quick_gelu=MODEL_CFG["quick_gelu"],
    )


def encode_short_text(model, text):
    """open_clip's CLIP.encode_text for token sequences shorter than the context (causal, so exact)."""
    length = text.shape[1]
    x = model.token_embedding(text) + model.positional_embedding[:length]
    x = model.transformer(x, attn_mask=model.attn_mask[:length, :length])
    x = model.ln_final(x)
    x = x[torch.arange(x.shape[0]), text.argmax(dim=-1)]
    return F.normalize(x @ model.text_projection, dim=-1)


def to_tensor(images_uint8):
    x = torch.from_numpy(images_uint8).permute(0, 3, 1, 2).float() / 255.0
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


@torch.no_grad()
def zero_shot_accuracy(model, data_dir):
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    heads = []
    for name in CLASSES:
        text = model.encode_text(tokenizer([t.format(c=name) for t in TEMPLATES]))
        text = F.normalize(text, dim=-1).mean(0)
        heads.append(F.normalize(text, dim=0))
    head = torch.stack(heads)
    result = {}
    for domain in DOMAINS:
        images = np.load(os.path.join(data_dir, f"eval-{domain}-images.npy"))
        labels = np.load(os.path.join(data_dir, f"eval-{domain}-labels.npy"))
        features = F.normalize(model.encode_image(to_tensor(images)), dim=-1)
        predictions = (features @ head.T).argmax(1).numpy()
        result[domain] = float((predictions == labels).mean())
    return result


def train(name, data_dir, out_dir, steps, batch, seed, stream):
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    images = np.load(os.path.join(data_dir, f"{name}-images.npy"))
    with open(os.path.join(data_dir, f"{name}-captions.txt"), encoding="utf-8") as f:
        captions = [line.rstrip("\n") for line in f if line.strip()]
    assert len(captions) == len(images), (len(captions), len(images))
    tokens = open_clip.get_tokenizer("ViT-B-32")(captions)
    # Captions are short: train on the first 16 positions. The causal mask makes this exact — the
    # end-of-text features do not depend on the padding after them — and the shipped model keeps
    # its full 77-token context.
    assert (tokens[:, 16:] == 0).all(), "a caption is longer than 16 tokens"
    tokens = tokens[:, :16]
    pixels = to_tensor(images)
    model = build_model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1, betas=(0.9, 0.98))
    warmup = steps // 20
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / warmup if s < warmup else 0.5 * (1 + math.cos(math.pi * (s - warmup) / (steps - warmup))))
    generator = torch.Generator().manual_seed(seed)
    started = time.time()
    model.train()
    for step in range(steps):
        index = torch.randint(0, len(images), (batch,), generator=generator)
        x = pixels[index]
        if torch.rand(1, generator=generator).item() < 0.5:
            x = x.flip(3)
        image_features = model.encode_image(x, normalize=True)
        text_features = encode_short_text(model, tokens[index])
        logit_scale = model.logit_scale.exp()
        logits = logit_scale * image_features @ text_features.T
        # Captions repeat within a batch: treat every pair with the same caption as a positive.
        same = (tokens[index].unsqueeze(1) == tokens[index].unsqueeze(0)).all(-1).float()
        target = same / same.sum(1, keepdim=True)
        loss = 0.5 * (torch.sum(-target * F.log_softmax(logits, 1), 1).mean() + torch.sum(-target * F.log_softmax(logits.T, 1), 1).mean())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        if step % 100 == 0 or step == steps - 1:
            log(f"[{name}] step {step:5d}/{steps} loss {loss.item():.4f} scale {logit_scale.item():.2f} ({time.time() - started:.0f} s)", stream)
    model.eval()
    # Round to fp16 exactly as shipped, then evaluate the shipped weights.
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items() if v.dtype.is_floating_point}
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
    accuracy = zero_shot_accuracy(model, data_dir)
    log(f"[{name}] zero-shot top-1 of the shipped fp16 weights (PyTorch, templates {TEMPLATES}): "
        + ", ".join(f"{d} {a:.3f}" for d, a in accuracy.items()), stream)
    folder = os.path.join(out_dir, f"demo-{name}")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "open_clip_model.safetensors")
    save_file(state, path)
    config = {"model_cfg": MODEL_CFG, "preprocess_cfg": {"mean": list(MEAN), "std": list(STD), "size": 64}}
    with open(os.path.join(folder, "open_clip_config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    log(f"[{name}] wrote {path} ({os.path.getsize(path)} bytes, sha256 {digest})", stream)
    return accuracy, digest


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=96)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with open(args.log, "w", encoding="utf-8") as stream:
        log(f"command: {' '.join(sys.argv)}", stream)
        log(f"torch {torch.__version__}, open_clip {open_clip.__version__}, numpy {np.__version__}, seed {args.seed}", stream)
        for name in ("narrow", "diverse"):
            train(name, args.data, args.out, args.steps, args.batch, args.seed, stream)


if __name__ == "__main__":
    main()
