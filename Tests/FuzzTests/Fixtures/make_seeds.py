#!/usr/bin/env python3
"""Writes the fuzzing seeds that no other fixture folder holds. Run once from this folder; commit what it writes.

    python3 make_seeds.py

seeds/pickle/       data.pkl of every torch.save fixture of WeightsTests and of the hostile corpus (FuzzTarget.pickle
                    wraps each in an archive with a 4-byte storage data/0, so storage ids naming key "0" load)
seeds/torchscript/  hand-written TorchScript module pickles for the classes FuzzTarget.torchscript defines
                    (__torch__.m.M: parameter w, buffer b, child c of class N with parameter w)
seeds/pilot/        pilot specs using every key, for a folder holding classes.txt, templates.txt and data/reference
seeds/csv/          manifests (quotes, CRLF, BOM, formulas) and a baselines table
The other targets take their seeds from existing fixtures (FuzzTarget.seedSources).
"""
import glob, json, os, struct, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def write(folder, name, data):
    os.makedirs(os.path.join(HERE, "seeds", folder), exist_ok=True)
    with open(os.path.join(HERE, "seeds", folder, name), "wb") as handle:
        handle.write(data)


# Pickles from the torch.save fixtures (not TorchScript: those name their own classes).
sources = sorted(glob.glob(os.path.join(ROOT, "Tests/WeightsTests/Fixtures/torch/*/*.p*"))
                 + glob.glob(os.path.join(ROOT, "Tests/WeightsTests/Fixtures/torch/vit/*.bin"))
                 + glob.glob(os.path.join(ROOT, "Tests/ShiftLensCLITests/Fixtures/hostile/*.pt")))
for path in sources:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        continue
    names = [n for n in archive.namelist() if n.endswith("data.pkl")]
    if not names or any(n.endswith("constants.pkl") for n in archive.namelist()):
        continue
    try:
        data = archive.read(names[0])
    except (zipfile.BadZipFile, OSError):  # hostile archives carry no CRC for their deflated entries
        continue
    if len(data) <= 65536:
        write("pickle", os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path) + ".pkl", data)


def text(value):
    data = value.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def tensor(numel, shape, strides):
    persistent = b"(" + text("storage") + b"ctorch\nFloatStorage\n" + text("0") + text("cpu") + b"J" + struct.pack("<i", numel) + b"t"
    ints = lambda values: b"(" + b"".join(b"J" + struct.pack("<i", v) for v in values) + b"t"
    return (b"ctorch._utils\n_rebuild_tensor_v2\n(" + persistent + b"Q" + b"J\0\0\0\0" + ints(shape) + ints(strides)
            + b"\x89ccollections\nOrderedDict\n)Rt" + b"R")


def module(cls, items):
    return b"c__torch__.m\n" + cls + b"\n)\x81}(" + b"".join(text(k) + v for k, v in items) + b"ub"


# State dicts over the one 4-byte storage "0" that FuzzTarget.pickle provides.
one = tensor(1, [1], [1])
v3 = (b"ctorch._utils\n_rebuild_tensor_v3\n(" + one[len(b"ctorch._utils\n_rebuild_tensor_v2\n("):-len(b"tR")]
      + b"ctorch\nfloat32\ntR")
parameter = b"ctorch._utils\n_rebuild_parameter\n(" + one + b"\x88ccollections\nOrderedDict\n)Rt" + b"R"
ordered = (b"\x80\x02ccollections\nOrderedDict\n)R(" + text("visual.proj") + one + text("logit_scale") + parameter + b"u"
           + b"}(" + text("_metadata") + b"ccollections\nOrderedDict\n)R(" + text("") + b"}(" + text("version") + b"K\x01uub.")
write("pickle", "ordered-dict.pkl", ordered)
write("pickle", "wrapped.pkl", b"\x80\x02}(" + text("epoch") + b"K\x03" + text("state_dict") + b"}(" + text("module.w") + one + b"u" + b"u.")
write("pickle", "v3-memo.pkl", b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00}\x94(" + text("a") + v3 + b"\x94" + text("b") + b"h\x01" + b"u.")
write("pickle", "transposed.pkl", b"\x80\x02}(" + text("t") + tensor(1, [1, 1], [0, 0]) + text("s") + tensor(1, [], []) + b"u.")

child = module(b"N", [("w", tensor(1, [1], [1])), ("training", b"\x89")])
write("torchscript", "module.pkl", b"\x80\x02" + module(b"M", [("w", tensor(1, [1], [1])), ("b", tensor(1, [1, 1], [1, 1])), ("c", child)]) + b".")
write("torchscript", "memo.pkl", b"\x80\x02" + module(b"M", [("w", tensor(1, [1], [1])), ("b", tensor(1, [], [])), ("c", child + b"q\x01")]) + b".")
write("torchscript", "lists.pkl", b"\x80\x02" + module(b"M", [("w", tensor(1, [1], [1])), ("l", b"ctorch.jit._pickle\nbuild_intlist\n(](J\x01\0\0\0J\x02\0\0\0etR"), ("c", child)]) + b".")

specs = {
    "minimal.json": {"pilot": "p", "classes": {"names": "classes.txt", "templates": "templates.txt"},
                     "domains": [{"name": "reference", "path": "data/reference", "role": "reference"}],
                     "models": [{"name": "m", "weights": "classes.txt"}]},
    "full.json": {"pilot": "line3-lighting", "title": "Line 3", "question": "Will it hold?", "language": "ja",
                  "classes": {"names": "classes.txt", "templates": "templates.txt"},
                  "domains": [{"name": "reference", "path": "data/reference", "role": "reference"},
                              {"name": "night", "path": "data/reference", "labels": "none"},
                              {"name": "r", "path": "data/reference"}],
                  "models": [{"name": "a", "weights": "classes.txt", "activation": "quick_gelu", "mean": [0.5, 0.5, 0.5],
                              "std": [0.25, 0.25, 0.25], "image_size": 224, "baseline": True}],
                  "criteria": {"min_accuracy": 0.8, "max_relative_drop": 0.1},
                  "probes": {"seed": 7, "outlier_threshold": 10, "concept_threshold": 0.5, "linear_probe": False},
                  "baselines": "classes.txt"},
    "presets.json": {"pilot": "imagenet", "classes": "imagenet",
                     "domains": [{"name": "reference", "path": "data/reference", "role": "reference"},
                                 {"name": "r", "path": "data/reference", "class_subset": "imagenet-r"}],
                     "models": [{"name": "m", "weights": "templates.txt"}]},
}
for name, spec in specs.items():
    write("pilot", name, json.dumps(spec, ensure_ascii=False, indent=1).encode())

write("csv", "manifest.csv", "path,label\r\na.png,hex nut\r\n\"b, c.png\",\"say \"\"hi\"\"\"\r\nd.jpg,\r\n".encode())
write("csv", "manifest-bom.csv", "\ufeffpath,label\nx/y.JPEG,n01440764\n=HYPERLINK(\"x\"),@SUM(A1)\n".encode())
write("csv", "baselines.csv", b"model,domain,reference_accuracy,accuracy\nResNet-50,imagenet-v2,0.761,0.639\nViT,sketch,0.81,0.29\n")
