#!/usr/bin/env python3
"""Writes the PyTorch-checkpoint fixtures of WeightsTests. Run once from this folder; commit what it writes.

    python3 make_torch_fixtures.py            # the small fixtures below (a few hundred KB)
    python3 make_torch_fixtures.py --large    # full-size ViT-B/32 into ../../../../fixtures-large/torch (git-ignored),
                                              # for the opt-in timing test (SHIFTLENS_FULL_TORCH=1)

Small fixtures (tiny open_clip models; configs derived from ../make_fixtures.py, shrunk so the
files stay small):
  vit/reference.safetensors      the tiny ViT CLIP's state dict, F32: the ground truth
  vit/open_clip_config.json      its model_cfg (quick_gelu), so Checkpoint.load can configure it
  vit/plain.pt                   torch.save(state_dict)
  vit/wrapped-state-dict.pt      torch.save({"epoch": 3, "name": ..., "state_dict": {"module." + k: v}})
                                 (open_clip's training checkpoints: DataParallel prefix)
  vit/wrapped-model.bin          torch.save({"model": state_dict, "args": [...]})
  vit/half.pth                   torch.save of the state dict in F16
  vit/strided.pt                 views saved as-is: visual.proj a transposed view (strides (1, rows)),
                                 text_projection a slice of a larger storage at an offset,
                                 positional_embedding a view with a stride-2 row step
  vit/zip64-deflated.pt          plain.pt repacked by Python's zipfile with ZIP64 records forced, every
                                 entry deflated, under another top-level folder, storages unaligned
  vit/scripted.pt                torch.jit.save(torch.jit.script(model)), as OpenAI's .pt files are made,
                                 (its derived causal-mask buffer attn_mask is dropped by the reader)
  attributes/scripted.pt         torch.jit.script of an OpenAI-style module tree: parameters, a buffer, an int64
                                 buffer, a ModuleList, a Sequential, and plain tensor attributes that are not
                                 state (OpenAI's ResidualAttentionBlock keeps its attn_mask that way)
  attributes/reference.safetensors  that module's state_dict() (floating-point entries)
  rn/reference.safetensors       a tiny ModifiedResNet vision tower (visual.* keys), F16 (exact: values are F16-representable)
  rn/bf16.pt                     the same in BF16 (BatchNorm buffers, int64 num_batches_tracked)
  legacy.pt                      torch.save(..., _use_new_zipfile_serialization=False)
  whole-module.pt                torch.save(model) of the tiny ViT (pickles open_clip classes: must be refused)
  hostile/*.pt                   zip archives whose data.pkl is a hand-written malicious pickle
  torch_fixtures.json            generator versions and what each hostile file holds

Weights are random, rounded so every value is exact in F16 and BF16 (make_fixtures.representable),
so every file holds bit-identical numbers to reference.safetensors after widening to F32.
"""
import hashlib
import json
import os
import struct
import sys
import zipfile

import open_clip
import safetensors
import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import make_fixtures  # noqa: E402  (configs and the F16/BF16 rounding)

torch.manual_seed(20261127)

VIT_CFG = {
    "embed_dim": 16,
    "quick_gelu": True,
    "vision_cfg": {"image_size": 16, "layers": 1, "width": 32, "head_width": 16, "patch_size": 8},
    "text_cfg": {"context_length": 77, "vocab_size": 64, "width": 16, "heads": 2, "layers": 1},
}
RN_CFG = make_fixtures.RN_CFG


def write(path, writer):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    writer(path)
    print(f"  {os.path.relpath(path, HERE)}: {os.path.getsize(path)} bytes")


def contiguous(state):
    return {k: v.detach().clone().contiguous() for k, v in state.items()}


def strided_views(state):
    """The same values, some as non-contiguous views of larger storages."""
    out = dict(state)
    proj = state["visual.proj"]
    out["visual.proj"] = proj.t().contiguous().t()  # strides (1, rows)
    assert not out["visual.proj"].is_contiguous()
    text = state["text_projection"]
    big = torch.zeros(text.shape[0] + 3, text.shape[1])
    big[3:] = text
    out["text_projection"] = big[3:]  # storage offset 3 · columns
    assert out["text_projection"].storage_offset() > 0
    pos = state["positional_embedding"]
    doubled = torch.zeros(2 * pos.shape[0], pos.shape[1])
    doubled[::2] = pos
    out["positional_embedding"] = doubled[::2]  # row stride 2 · width
    assert not out["positional_embedding"].is_contiguous()
    for key in ("visual.proj", "text_projection", "positional_embedding"):
        assert torch.equal(out[key], state[key])
    return out


def pickle_archive(path, pickle_bytes):
    """A torch.save-shaped zip archive whose data.pkl is `pickle_bytes` (stored entries)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/data/0", struct.pack("<4f", 1, 2, 3, 4))
        z.writestr("archive/version", "3\n")


class OpenAIStyleBlock(torch.nn.Module):
    def __init__(self, width, mask):
        super().__init__()
        self.ln_1 = torch.nn.LayerNorm(width)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(width, 2 * width), torch.nn.GELU(), torch.nn.Linear(2 * width, width))
        self.attn_mask = mask  # a plain tensor attribute: not a parameter, not a buffer

    def forward(self, x):
        return x + self.mlp(self.ln_1(x)) + self.attn_mask.sum()


class OpenAIStyleModel(torch.nn.Module):
    def __init__(self, width=8):
        super().__init__()
        self.proj = torch.nn.Parameter(torch.randn(width, 4))
        self.register_buffer("running_scale", torch.rand(width))
        self.register_buffer("input_resolution", torch.tensor(224))
        self.resblocks = torch.nn.ModuleList([OpenAIStyleBlock(width, torch.ones(3, 3)) for _ in range(2)])
        self.scratch = torch.zeros(5)  # another non-state tensor attribute, at the root

    def forward(self, x):
        for block in self.resblocks:
            x = block(x)
        return (x * self.running_scale + self.scratch.sum()) @ self.proj


def repack_zip64_deflated(source, path):
    """ZIP64 records are only written past 4 GiB; lowering zipfile's limit forces them on a small file."""
    saved = zipfile.ZIP64_LIMIT
    zipfile.ZIP64_LIMIT = 0
    try:
        with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                name = "another-folder/" + info.filename.split("/", 1)[1]
                dst.writestr(name, src.read(info.filename))
    finally:
        zipfile.ZIP64_LIMIT = saved
    with open(path, "rb") as f:
        data = f.read()
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data, "expected ZIP64 end records"


def hostile_pickles():
    """Hand-written pickles (protocol 2): each would run code or misbehave in Python's unpickler.
    The marker file must never appear: nothing may be executed."""
    marker = "/tmp/shiftlens-pickle-was-executed"

    def s(text):  # BINUNICODE
        data = text.encode()
        return b"X" + struct.pack("<I", len(data)) + data

    return {
        "os-system": (b"\x80\x02cos\nsystem\n" + s(f"touch {marker}") + b"\x85R.", "os.system"),
        "posix-system": (b"\x80\x02cposix\nsystem\n" + s(f"touch {marker}") + b"\x85R.", "posix.system"),
        "builtins-eval": (b"\x80\x02cbuiltins\neval\n" + s(f"open('{marker}', 'w')") + b"\x85R.", "builtins.eval"),
        # STACK_GLOBAL with names from the stack, inside an otherwise normal state dict.
        "stack-global-exec": (b"\x80\x04}(" + s("w") + s("builtins") + s("exec") + b"\x93" + s("x=1") + b"\x85Ru.", "builtins.exec"),
        "unknown-class": (b"\x80\x02c__main__\nEvil\n)\x81}b.", "__main__.Evil"),
        "inst-opcode": (b"\x80\x02(" + s("x") + b"ios\nsystem\n.", "os.system"),
    }


def main_small():
    print("torch", torch.__version__, "open_clip", open_clip.__version__)
    versions = {"python": sys.version.split()[0], "torch": torch.__version__, "open_clip": open_clip.__version__,
                "safetensors": safetensors.__version__}

    model = open_clip.CLIP(**VIT_CFG).eval()
    make_fixtures.representable(model)
    state = contiguous(model.state_dict())
    vit = os.path.join(HERE, "vit")
    write(os.path.join(vit, "reference.safetensors"), lambda p: save_file(state, p))
    write(os.path.join(vit, "open_clip_config.json"),
          lambda p: open(p, "w").write(json.dumps({"model_cfg": VIT_CFG}, indent=2) + "\n"))
    write(os.path.join(vit, "plain.pt"), lambda p: torch.save(state, p))
    write(os.path.join(vit, "wrapped-state-dict.pt"), lambda p: torch.save(
        {"epoch": 3, "name": "tiny", "state_dict": {"module." + k: v for k, v in state.items()}}, p))
    write(os.path.join(vit, "wrapped-model.bin"), lambda p: torch.save({"model": state, "args": [1, 2.5, "x", None, True]}, p))
    write(os.path.join(vit, "half.pth"), lambda p: torch.save({k: v.half() for k, v in state.items()}, p))
    write(os.path.join(vit, "strided.pt"), lambda p: torch.save(strided_views(state), p))

    write(os.path.join(vit, "zip64-deflated.pt"), lambda p: repack_zip64_deflated(os.path.join(vit, "plain.pt"), p))

    # TorchScript, as OpenAI's files: torch.jit.script of the whole CLIP module. open_clip keeps the
    # text tower's causal mask as a non-persistent buffer `attn_mask`; TorchScript has no
    # persistence flag, so the scripted module lists it among its buffers and its state dict has
    # it. It is derived from the architecture, not learned: the reader drops it.
    scripted = torch.jit.script(model)
    scripted_state = scripted.state_dict()
    assert set(scripted_state) == set(state) | {"attn_mask"}, set(scripted_state) ^ set(state)
    for key in state:
        assert torch.equal(scripted_state[key], state[key]), key
    write(os.path.join(vit, "scripted.pt"), lambda p: torch.jit.save(scripted, p))

    attributes = OpenAIStyleModel().eval()
    make_fixtures.representable(attributes)
    attributes_state = {k: v for k, v in attributes.state_dict().items() if v.is_floating_point()}
    assert set(attributes.state_dict()) - set(attributes_state) == {"input_resolution"}
    attributes_dir = os.path.join(HERE, "attributes")
    write(os.path.join(attributes_dir, "reference.safetensors"), lambda p: save_file(contiguous(attributes_state), p))
    scripted_attributes = torch.jit.script(attributes)
    assert set(scripted_attributes.state_dict()) == set(attributes.state_dict())
    write(os.path.join(attributes_dir, "scripted.pt"), lambda p: torch.jit.save(scripted_attributes, p))

    rn = open_clip.CLIP(**RN_CFG).eval()
    make_fixtures.representable(rn)
    rn_state = {k: v for k, v in rn.state_dict().items() if k.startswith("visual.")}
    rn_dir = os.path.join(HERE, "rn")
    write(os.path.join(rn_dir, "reference.safetensors"),
          lambda p: save_file(contiguous({k: v.half() for k, v in rn_state.items() if v.is_floating_point()}), p))
    write(os.path.join(rn_dir, "bf16.pt"), lambda p: torch.save(
        {k: (v.to(torch.bfloat16) if v.is_floating_point() else v) for k, v in rn_state.items()}, p))
    assert any(not v.is_floating_point() for v in rn_state.values()), "expected num_batches_tracked"

    write(os.path.join(HERE, "legacy.pt"), lambda p: torch.save(
        {"weight": torch.ones(2, 2)}, p, _use_new_zipfile_serialization=False))
    write(os.path.join(HERE, "whole-module.pt"), lambda p: torch.save(model.half(), p))

    hostile = {}
    for name, (data, global_name) in hostile_pickles().items():
        write(os.path.join(HERE, "hostile", f"{name}.pt"), lambda p, data=data: pickle_archive(p, data))
        hostile[name] = global_name

    manifest = {"versions": versions, "vit_cfg": VIT_CFG, "rn_cfg": RN_CFG, "hostile_globals": hostile,
                "sha256": {}}
    for folder, _, files in os.walk(HERE):
        for f in sorted(files):
            if f.endswith((".pt", ".pth", ".bin", ".safetensors")):
                full = os.path.join(folder, f)
                manifest["sha256"][os.path.relpath(full, HERE)] = hashlib.sha256(open(full, "rb").read()).hexdigest()
    with open(os.path.join(HERE, "torch_fixtures.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")


def main_large():
    """Full-size ViT-B/32 from seeded weights: torch.save (F32), torch.jit.save (F16, as OpenAI ships it),
    and the F32 state dict as safetensors for comparison."""
    out = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", "fixtures-large", "torch"))
    os.makedirs(out, exist_ok=True)
    model = open_clip.create_model("ViT-B-32", pretrained=None).eval()
    state = contiguous(model.state_dict())
    write(os.path.join(out, "vit-b-32.pt"), lambda p: torch.save(state, p))
    write(os.path.join(out, "vit-b-32.safetensors"), lambda p: save_file(state, p))
    scripted = torch.jit.script(model.half())
    write(os.path.join(out, "vit-b-32-scripted.pt"), lambda p: torch.jit.save(scripted, p))


if __name__ == "__main__":
    if "--large" in sys.argv:
        main_large()
    else:
        main_small()
