#!/usr/bin/env python3
"""Golden fixtures for Tests/CLIPTests, generated once from open_clip (fp32, CPU, seeded).

    python3 Tests/CLIPTests/Fixtures/make_fixtures.py            # small fixtures, committed
    python3 Tests/CLIPTests/Fixtures/make_fixtures.py --large    # full-size ViT-B/32 + RN50 into fixtures-large/clip (git-ignored)

Each model folder holds `model.safetensors` (random weights in open_clip naming),
`config.json` (sizes, activation), inputs (`images.npy`, `tokens.npy`) and one `.npy` per
layer output, named `<tower>.<layer>.npy` and listed in `layers.json` in forward order.
Vision layer outputs are per image: ViT (N, tokens, width), ResNet (N, C, H, W).
Text layer outputs are (N, context, width); only the rows up to each prompt's
end-of-text token are meaningful to compare (the causal mask makes later rows irrelevant).
`versions.json` records the generator's versions.
"""
import json
import os
import sys

import numpy as np
import torch
import open_clip
from open_clip.model import CLIP
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def randomise(model: torch.nn.Module, seed: int, bn_gamma=(0.5, 1.5)):
    """Random values everywhere open_clip's init leaves constants (norm gammas/betas,
    biases, BatchNorm statistics), so every tensor's use is tested."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in list(model.named_parameters()) + list(model.named_buffers()):
            if not p.is_floating_point():
                continue
            if name.endswith("running_var"):
                p.copy_(torch.rand(p.shape, generator=g) + 0.5)
            elif name.endswith("running_mean"):
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)
            elif (".bn" in name or "downsample.1" in name or name.startswith("bn")) and name.endswith("weight"):
                lo, hi = bn_gamma
                p.copy_(torch.rand(p.shape, generator=g) * (hi - lo) + lo)
            elif ("ln" in name) and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.05 * torch.randn(p.shape, generator=g))
            elif name == "logit_scale":
                pass
            elif p.dim() >= 2 and p.abs().sum() == 0:
                p.copy_(0.02 * torch.randn(p.shape, generator=g))


def save_npy(folder, name, array):
    np.save(os.path.join(folder, name + ".npy"), np.ascontiguousarray(array))


def capture(model, images, tokens, folder, vision_kind):
    """Runs both towers with hooks and writes every layer output."""
    layers = []
    outputs = {}

    def hook(key, transform=lambda t: t):
        def fn(_module, _inputs, output):
            outputs[key] = transform(output.detach()).numpy().astype(np.float32)
        return fn

    handles = []
    v = model.visual
    if vision_kind == "vit":
        handles.append(v.conv1.register_forward_hook(hook("image.conv1", lambda t: t.flatten(2).transpose(1, 2))))
        handles.append(v.ln_pre.register_forward_hook(hook("image.ln_pre")))
        for i, block in enumerate(v.transformer.resblocks):
            handles.append(block.register_forward_hook(hook(f"image.resblocks.{i}")))
        handles.append(v.ln_post.register_forward_hook(hook("image.ln_post", lambda t: t[:, 0])))
        names = ["image.conv1", "image.ln_pre"] + [f"image.resblocks.{i}" for i in range(len(v.transformer.resblocks))] + ["image.ln_post"]
    else:
        stem_out = {}
        orig_stem = v.stem
        def stem(x):
            y = orig_stem(x)
            outputs["image.stem"] = y.detach().numpy().astype(np.float32)
            return y
        v.stem = stem
        for i in range(1, 5):
            handles.append(getattr(v, f"layer{i}").register_forward_hook(hook(f"image.layer{i}")))
        names = ["image.stem"] + [f"image.layer{i}" for i in range(1, 5)]
    with torch.no_grad():
        image_features = model.encode_image(images)
    outputs["image.output"] = image_features.numpy().astype(np.float32)
    names.append("image.output")
    for h in handles:
        h.remove()
    handles = []

    if tokens is not None:
        handles.append(model.token_embedding.register_forward_hook(hook("text.token_embedding")))
        for i, block in enumerate(model.transformer.resblocks):
            handles.append(block.register_forward_hook(hook(f"text.resblocks.{i}")))
        handles.append(model.ln_final.register_forward_hook(hook("text.ln_final")))
        with torch.no_grad():
            text_features = model.encode_text(tokens)
        outputs["text.output"] = text_features.numpy().astype(np.float32)
        names += ["text.token_embedding"] + [f"text.resblocks.{i}" for i in range(len(model.transformer.resblocks))]
        names += ["text.ln_final", "text.output"]
        for h in handles:
            h.remove()
    for n in names:
        save_npy(folder, n, outputs[n])
        layers.append(n)
    with open(os.path.join(folder, "layers.json"), "w") as f:
        json.dump(layers, f, indent=1)


def make_tokens(count, context, vocab, seed):
    """Random prompts ending in the end-of-text id (vocab − 1, the largest id) at
    chosen positions, zero-padded — as open_clip's tokenizer lays them out."""
    g = torch.Generator().manual_seed(seed)
    tokens = torch.zeros(count, context, dtype=torch.long)
    ends = [1, context - 1, 5, context // 2, 2][:count]
    for row, end in enumerate(ends):
        tokens[row, 0] = vocab - 2  # start-of-text
        if end > 1:
            tokens[row, 1:end] = torch.randint(1, vocab - 2, (end - 1,), generator=g)
        tokens[row, end] = vocab - 1
    return tokens


def build(folder, *, embed_dim, vision_cfg, text_cfg, quick_gelu, seed, image_count, text_count, kind, bn_gamma=(0.5, 1.5)):
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(seed)
    model = CLIP(embed_dim=embed_dim, vision_cfg=vision_cfg, text_cfg=text_cfg, quick_gelu=quick_gelu).eval()
    randomise(model, seed + 1, bn_gamma)
    state = {k: v.contiguous() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    if not text_count:  # a vision-only checkpoint
        state = {k: v for k, v in state.items() if k.startswith("visual.")}
    save_file(state, os.path.join(folder, "model.safetensors"))
    size = vision_cfg["image_size"]
    g = torch.Generator().manual_seed(seed + 2)
    images = torch.randn(image_count, 3, size, size, generator=g)
    tokens = make_tokens(text_count, text_cfg["context_length"], text_cfg["vocab_size"], seed + 3) if text_count else None
    save_npy(folder, "images", images.numpy().astype(np.float32))
    if tokens is not None:
        save_npy(folder, "tokens", tokens.numpy().astype(np.int32))
    capture(model, images, tokens, folder, kind)
    config = {
        "embed_dim": embed_dim, "vision": vision_cfg, "text": text_cfg,
        "activation": "quick_gelu" if quick_gelu else "gelu", "kind": kind, "seed": seed,
    }
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=1)


# Tokenizer prompts: punctuation, digits, accents (composed and decomposed), Japanese,
# emoji, HTML entities, contractions, whitespace runs, very long text, the empty string.
PROMPTS = [
    "",
    "a photo of a dog.",
    "A Photo Of A DOG!",
    "a photo of a {}.",
    "itap of a goldfish.",
    "a bad photo of the great white shark.",
    "a sculpture of a tiger shark",
    "There's a cat; it's 3:45 p.m. — isn't it?",
    "they're here, we've gone, I'm ok, you'll see, he'd go",
    "DON'T SHOUT'S",
    "   leading and trailing   whitespace\t\nand\ttabs   ",
    "numbers 1234567890 and 3.14159 and 1,000,000",
    "0",
    "model-T ford, 1920s",
    "e-mail: someone@example.com / http://example.com/a?b=c&d=e",
    "café crème brûlée à la carte",
    "cafe\u0301 decomposed accent",
    "naïve façade coöperate",
    "Ærøskøbing Øresund ångström",
    "straße Groß",
    "İstanbul ıi",
    "ΑΒΓ δέλτα Ωμέγα",
    "москва Россия",
    "日本語のテキスト",
    "東京タワーの写真",
    "ｶﾀｶﾅ half-width katakana",
    "ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ １２３",
    "한국어 텍스트",
    "中文文本，标点。",
    "emoji 🐶🐱 and 👍🏽 and 👨‍👩‍👧",
    "🚗",
    "&amp; &lt;b&gt; &quot;quoted&quot; &#39;single&#39;",
    "double &amp;amp; escaped",
    "fish &amp; chips &copy; 2020",
    "<b>bold</b> tags stay",
    "“curly quotes” and ‘single’ ones",
    "ligatures ﬁne ﬂower",
    "!!!???...,,,;;;",
    "a__b--c~~d",
    "x" * 300,
    " ".join(["a photo of a very long prompt"] * 20),
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "tab\tseparated\tvalues",
    "new\nline",
    "mixed CASE With ÀÉÎÕÜ",
    "a photo of a tench, a type of fish.",
    "a photo of a African bush elephant.",
    "<start_of_text> literal special <end_of_text>",
    "ǅ ǈ title case digraphs",
    "non\u00a0breaking\u2003spaces",
    "zero\u200bwidth",
]


def tokenizer_fixture():
    tok = open_clip.get_tokenizer("ViT-B-32")
    ids = tok(PROMPTS).numpy().astype(int).tolist()
    with open(os.path.join(HERE, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump({"context_length": 77, "prompts": [{"text": p, "ids": i} for p, i in zip(PROMPTS, ids)]},
                  f, ensure_ascii=False, indent=0)


def zero_shot_fixture(folder):
    """open_clip's build_zero_shot_classifier on the tiny ViT+text model, with a stand-in
    tokenizer (prompt → fixed random row) since the tiny model's vocabulary is reduced."""
    from safetensors.torch import load_file
    from open_clip.zero_shot_classifier import build_zero_shot_classifier
    config = json.load(open(os.path.join(folder, "config.json")))
    model = CLIP(embed_dim=config["embed_dim"], vision_cfg=config["vision"], text_cfg=config["text"],
                 quick_gelu=config["activation"] == "quick_gelu").eval()
    model.load_state_dict(load_file(os.path.join(folder, "model.safetensors")))
    classnames = ["tench", "goldfish", "great white shark"]
    templates = ["a photo of a {c}.", "itap of a {c}.", "a drawing of the {c}."]
    prompts = [t.replace("{c}", c) for c in classnames for t in templates]
    text = config["text"]
    rows = make_tokens(5, text["context_length"], text["vocab_size"], 77)
    rows = torch.cat([rows, make_tokens(4, text["context_length"], text["vocab_size"], 78)])
    table = {p: rows[i] for i, p in enumerate(prompts)}
    tokenizer = lambda texts: torch.stack([table[t] for t in texts])
    with torch.no_grad():
        head = build_zero_shot_classifier(
            model, tokenizer, classnames, [lambda c, t=t: t.replace("{c}", c) for t in templates],
            num_classes_per_batch=None, device="cpu", use_tqdm=False)
    save_npy(folder, "zeroshot_head", head.T.numpy().astype(np.float32))
    with open(os.path.join(folder, "zeroshot.json"), "w") as f:
        json.dump({"classnames": classnames, "templates": templates,
                   "prompts": {p: table[p].tolist() for p in prompts}}, f, indent=0)


def versions(folder):
    import safetensors
    import ftfy
    info = {"torch": torch.__version__, "open_clip": open_clip.__version__, "numpy": np.__version__,
            "safetensors": safetensors.__version__, "ftfy": ftfy.__version__, "python": sys.version.split()[0]}
    with open(os.path.join(folder, "versions.json"), "w") as f:
        json.dump(info, f, indent=1)


def main():
    torch.set_num_threads(1)
    if "--large" in sys.argv:
        out = os.path.join(ROOT, "fixtures-large", "clip")
        build(os.path.join(out, "vit-b-32"), embed_dim=512,
              vision_cfg=dict(image_size=224, layers=12, width=768, patch_size=32, head_width=64),
              text_cfg=dict(context_length=77, vocab_size=49408, width=512, heads=8, layers=12),
              quick_gelu=True, seed=1000, image_count=1, text_count=2, kind="vit")
        build(os.path.join(out, "rn50"), embed_dim=1024,
              vision_cfg=dict(image_size=224, layers=[3, 4, 6, 3], width=64, head_width=64),
              text_cfg=dict(context_length=77, vocab_size=49408, width=512, heads=8, layers=12),
              quick_gelu=True, seed=2000, image_count=1, text_count=0, kind="resnet", bn_gamma=(0.1, 0.3))
        versions(out)
        return
    build(os.path.join(HERE, "vit-text"), embed_dim=32,
          vision_cfg=dict(image_size=32, layers=2, width=64, patch_size=8, head_width=32),
          text_cfg=dict(context_length=77, vocab_size=128, width=64, heads=2, layers=2),
          quick_gelu=False, seed=1, image_count=2, text_count=5, kind="vit")
    build(os.path.join(HERE, "resnet-text"), embed_dim=32,
          vision_cfg=dict(image_size=64, layers=[1, 1, 1, 1], width=4, head_width=32),
          text_cfg=dict(context_length=16, vocab_size=64, width=32, heads=2, layers=1),
          quick_gelu=True, seed=2, image_count=2, text_count=3, kind="resnet")
    zero_shot_fixture(os.path.join(HERE, "vit-text"))
    tokenizer_fixture()
    versions(HERE)


if __name__ == "__main__":
    main()
