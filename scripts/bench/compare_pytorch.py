#!/usr/bin/env python3
"""Side-by-side speed of open_clip (PyTorch), ONNX Runtime and `shiftlens bench` on the same weights.

    swift build -c release
    python3 scripts/bench/compare_pytorch.py                       # every model × batch × threads, text head
    python3 scripts/bench/compare_pytorch.py --models vit-b-32 --batches 8 --threads 2 --rounds 3

1. Writes seeded random open_clip weights (fp32 safetensors, open_clip naming, with an
   `open_clip_config.json` beside them) for ViT-B-32, ViT-B-16 and RN50 into
   `fixtures-large/bench/<model>/` (git-ignored), once. Throughput does not depend on values.
2. For every model × batch × thread count, runs each side in its own fresh process, back
   to back, for `--rounds` rounds, alternating which side goes first:
   - PyTorch: `model.encode_image(x)` under `torch.inference_mode()` after
     `torch.set_num_threads(T)` (and `set_num_interop_threads(1)`), one warm-up pass, then
     `--iterations` timed passes;
   - ONNX Runtime: the same open_clip image tower (`encode_image`) exported once per batch
     size with `torch.onnx.export` (TorchScript exporter, opset 17, fixed shapes) to
     `fixtures-large/bench/<model>/visual-b<B>.onnx`, run by `onnxruntime` on the CPU
     execution provider with every graph optimisation (`ORT_ENABLE_ALL`),
     `intra_op_num_threads = T`, sequential execution; one warm-up pass, then
     `--iterations` timed passes;
   - ShiftLens: `.build/release/shiftlens bench --model W --batch B --threads T
     --iterations N --warmup 1 --json` (plus `--precision P` with `--precision`);
   - ShiftLens fp32 (`--peers` with `shiftlens-fp32`): the same binary with `--precision fp32`,
     so `--precision bf16 --peers shiftlens-fp32` measures bf16 against fp32 side by side.
   Each round rotates which side goes first. Every timed pass of every round is kept; the
   table shows images/s min / median / max per side, the ratios of ShiftLens's median to
   each peer's, the same per CPU-second, and each process's peak RSS (VmHWM). `--peers` picks
   the peers (default `pytorch,onnxruntime`; `--no-onnx` is `--peers pytorch`). Per CPU-second
   ratios are the ones to quote on a shared machine.
3. The zero-shot head for `--text-classes` ImageNet classes × 80 templates with the
   ViT-B-32 text tower, both ways: open_clip's `build_zero_shot_classifier` (its default
   10 classes per batch, full 77-token context) and `shiftlens bench --text` (one class
   per pass, each pass only up to its longest prompt's end-of-text token). The full
   1000 classes take over an hour on PyTorch with 2 threads; the default is 10.

The machine is usually shared: the load average is printed before, during and after, and
the numbers should be read as ratios measured side by side, not as absolute speeds.
Python is only a benchmarking tool here; nothing in ShiftLens needs it at run time.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODELS = {"vit-b-32": ("ViT-B-32", 1032), "vit-b-16": ("ViT-B-16", 1016), "rn50": ("RN50", 1050),
          "vit-l-14": ("ViT-L-14", 1014), "vit-l-14-336": ("ViT-L-14-336", 1336), "vit-h-14": ("ViT-H-14", 1114)}


def peak_rss_bytes():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- weights ---------------------------------------------------------------------------

def ensure_weights(key, folder):
    """Seeded random open_clip weights as safetensors + open_clip_config.json."""
    path = os.path.join(folder, key, "model.safetensors")
    if os.path.exists(path):
        return path
    import torch
    import open_clip
    from safetensors.torch import save_file
    arch, seed = MODELS[key]
    torch.manual_seed(seed)
    model = open_clip.create_model(arch, pretrained=None).eval()
    state = {k: v.contiguous() for k, v in model.state_dict().items()
             if v.is_floating_point()}  # drops BatchNorm's integer num_batches_tracked
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file(state, path + ".tmp")
    os.replace(path + ".tmp", path)
    config = open_clip.get_model_config(arch)
    with open(os.path.join(folder, key, "open_clip_config.json"), "w") as f:
        json.dump({"model_cfg": config, "preprocess_cfg": {},
                   "generator": {"torch": torch.__version__, "open_clip": open_clip.__version__, "seed": seed,
                                 "init": "open_clip.create_model(pretrained=None) after torch.manual_seed"}},
                  f, indent=1)
    return path


# --- PyTorch worker (runs in its own process) -------------------------------------------

def torch_model(arch, weights, threads):
    import torch
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    return load_model(arch, weights)


def load_model(arch, weights):
    import open_clip
    from safetensors.torch import load_file
    model = open_clip.create_model(arch, pretrained=None).eval()
    missing, unexpected = model.load_state_dict(load_file(weights), strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    return model


def worker_image(args):
    import torch
    model = torch_model(args.arch, args.weights, args.threads)
    g = torch.Generator().manual_seed(0)
    size = image_size(args.arch)
    x = torch.rand(args.batch, 3, size, size, generator=g) * 4 - 2
    rates = []
    with torch.inference_mode():
        for _ in range(args.warmup):
            model.encode_image(x)
        cpu = time.process_time()
        for _ in range(args.iterations):
            start = time.perf_counter()
            model.encode_image(x)
            rates.append(args.batch / (time.perf_counter() - start))
        cpu = time.process_time() - cpu
    print(json.dumps({"rates": rates, "per_cpu_second": args.batch * args.iterations / cpu,
                      "peak_rss_bytes": peak_rss_bytes(), "torch": torch.__version__}))


def image_size(arch):
    import open_clip
    size = open_clip.get_model_config(arch)["vision_cfg"]["image_size"]
    return size if isinstance(size, int) else size[0]


def onnx_path(arch, weights, batch):
    """The image tower exported for `batch` images (once; fixed shapes)."""
    path = os.path.join(os.path.dirname(weights), f"visual-b{batch}.onnx")
    if os.path.exists(path):
        return path
    import torch
    model = load_model(arch, weights)

    class ImageTower(torch.nn.Module):
        def __init__(self, clip):
            super().__init__()
            self.clip = clip

        def forward(self, x):
            return self.clip.encode_image(x)

    size = image_size(arch)
    x = torch.zeros(batch, 3, size, size)
    # Outside no_grad: under it, PyTorch's fused attention (`_native_multi_head_attention`)
    # replaces the plain ops, and ONNX has no counterpart for it.
    torch.onnx.export(ImageTower(model).eval(), (x,), path + ".tmp", input_names=["pixels"],
                      output_names=["embeddings"], opset_version=17, dynamo=False)
    os.replace(path + ".tmp", path)
    return path


def worker_onnx(args):
    import numpy as np
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
    size = session.get_inputs()[0].shape[2]
    x = (np.random.default_rng(0).random((args.batch, 3, size, size), dtype=np.float32) * 4 - 2)
    rates = []
    for _ in range(args.warmup):
        session.run(None, {"pixels": x})
    cpu = time.process_time()
    for _ in range(args.iterations):
        start = time.perf_counter()
        session.run(None, {"pixels": x})
        rates.append(args.batch / (time.perf_counter() - start))
    cpu = time.process_time() - cpu
    print(json.dumps({"rates": rates, "per_cpu_second": args.batch * args.iterations / cpu,
                      "peak_rss_bytes": peak_rss_bytes(), "onnxruntime": ort.__version__}))


def worker_text(args):
    import torch
    import open_clip
    from open_clip.zero_shot_classifier import build_zero_shot_classifier
    model = torch_model(args.arch, args.weights, args.threads)
    tokenizer = open_clip.get_tokenizer(args.arch)
    names = read_lines(os.path.join(ROOT, "assets", "imagenet", "classnames.txt"))[:args.classes]
    templates = read_lines(os.path.join(ROOT, "assets", "imagenet", "templates-openai-80.txt"))
    rates = []
    with torch.inference_mode():
        model.encode_text(tokenizer(templates[:8]))  # warm-up (thread pool, allocator)
        cpu = time.process_time()
        for _ in range(args.iterations):
            start = time.perf_counter()
            build_zero_shot_classifier(
                model, tokenizer, names, [lambda c, t=t: t.replace("{c}", c) for t in templates],
                device="cpu", use_tqdm=False)
            rates.append(len(names) * len(templates) / (time.perf_counter() - start))
        cpu = time.process_time() - cpu
    print(json.dumps({"rates": rates, "per_cpu_second": len(names) * len(templates) * args.iterations / cpu,
                      "peak_rss_bytes": peak_rss_bytes(), "torch": torch.__version__}))


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


# --- driver ----------------------------------------------------------------------------

def run_json(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(command)}\n{result.stderr}")
    return json.loads(result.stdout)


def run_torch(mode, arch, weights, batch, threads, iterations, classes=0, onnx=None):
    command = [sys.executable, os.path.abspath(__file__), "--worker", mode, "--arch", arch, "--weights", weights,
               "--batch", str(batch), "--threads-one", str(threads), "--iterations", str(iterations),
               "--classes", str(classes)]
    if onnx:
        command += ["--onnx", onnx]
    out = run_json(command)
    return out["rates"], out["peak_rss_bytes"], out


def run_swift(binary, mode, weights, batch, threads, iterations, classes=0, precision=None):
    command = [binary, "bench", "--model", weights, "--threads", str(threads), "--iterations", str(iterations), "--json"]
    if precision:
        command += ["--precision", precision]
    if mode == "text":
        command += ["--text", "--classes", str(classes), "--warmup", "0"]
    else:
        command += ["--batch", str(batch), "--warmup", "1"]
    out = run_json(command)
    rates = [out["items_per_iteration"] / s for s in out["seconds"]]
    out["per_cpu_second"] = out["items_per_cpu_second"]
    return rates, out["peak_rss_bytes"], out


def spread(rates):
    return f"{min(rates):.2f} / {statistics.median(rates):.2f} / {max(rates):.2f}"


def compare(label, peers, swift_run, rounds, rows):
    """`peers`: [(name, run)]; every round runs each peer and ShiftLens once, rotating the order."""
    sides = peers + [("shiftlens", swift_run)]
    rates = {name: [] for name, _ in sides}
    cpu = {name: [] for name, _ in sides}
    rss = {name: 0 for name, _ in sides}
    round_ratios = {name: [] for name, _ in peers}
    round_cpu_ratios = {name: [] for name, _ in peers}
    extra = {}
    for r in range(rounds):
        order = sides[r % len(sides):] + sides[:r % len(sides)]
        this_round = {}
        for name, run in order:
            got, peak, info = run()
            this_round[name] = got
            rates[name] += got
            cpu[name].append(info["per_cpu_second"])
            rss[name] = max(rss[name], peak)
            if name == "shiftlens":
                extra = info
        for name, _ in peers:
            round_ratios[name].append(statistics.median(this_round["shiftlens"]) / statistics.median(this_round[name]))
            round_cpu_ratios[name].append(cpu["shiftlens"][-1] / cpu[name][-1])
    ratios = {name: statistics.median(rates["shiftlens"]) / statistics.median(rates[name]) for name, _ in peers}
    cpu_ratios = {name: statistics.median(round_cpu_ratios[name]) for name, _ in peers}
    row = {"case": label, "rates": rates, "ratios": ratios, "round_ratios": round_ratios, "per_cpu_second": cpu,
           "cpu_ratios": cpu_ratios, "round_cpu_ratios": round_cpu_ratios,
           "peak_rss": rss, "load": load_average(), "shiftlens_percent_of_peak": extra.get("percent_of_peak"),
           "shiftlens_cores_busy": extra.get("cores_busy")}
    rows.append(row)
    cells = [label] + [spread(rates[name]) for name, _ in sides]
    cells += [f"**{ratios[name]:.2f}×** ({', '.join(f'{x:.2f}' for x in round_ratios[name])})" for name, _ in peers]
    cells += [f"**{cpu_ratios[name]:.2f}×** ({', '.join(f'{x:.2f}' for x in round_cpu_ratios[name])})" for name, _ in peers]
    cells += [" / ".join(f"{rss[name] / 2**20:.0f}" for name, _ in sides) + " MB"]
    cells += [" / ".join(f"{statistics.median(cpu[name]):.2f}" for name, _ in sides)]
    percent = row["shiftlens_percent_of_peak"]
    cells += [f"{row['shiftlens_cores_busy'] or 0:.2f}", f"{percent:.0f} %" if percent is not None else "—", load_average()]
    print("| " + " | ".join(cells) + " |", flush=True)


def header(unit, peers):
    names = [PEER_NAMES[p] for p in peers] + ["ShiftLens"]
    cells = ["case"] + [f"{n} {unit} min / med / max" for n in names]
    cells += [f"ShiftLens / {PEER_NAMES[p]} (rounds)" for p in peers]
    cells += [f"per CPU-second ShiftLens / {PEER_NAMES[p]} (rounds)" for p in peers]
    cells += ["peak RSS " + " / ".join(names), "per CPU-second " + " / ".join(names), "ShiftLens cores busy",
              "ShiftLens % of FMA peak", "load after"]
    print("| " + " | ".join(cells) + " |")
    print("|" + "---|" * len(cells))


PEER_NAMES = {"pytorch": "PyTorch", "onnxruntime": "ONNX Runtime", "shiftlens-fp32": "ShiftLens fp32"}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="vit-b-32,vit-b-16,rn50")
    parser.add_argument("--batches", default="8,32")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per case (default 2)")
    parser.add_argument("--iterations", type=int, default=3, help="timed passes per side per round (default 3)")
    parser.add_argument("--text-classes", type=int, default=10, help="ImageNet classes for the head (default 10; 0 skips)")
    parser.add_argument("--text-threads", type=int, default=2)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "shiftlens"))
    parser.add_argument("--weights", default=os.path.join(ROOT, "fixtures-large", "bench"))
    parser.add_argument("--out", help="also write every measurement as JSON here")
    parser.add_argument("--no-onnx", action="store_true", help="leave ONNX Runtime out of the image-tower comparison")
    parser.add_argument("--peers", default="pytorch,onnxruntime",
                        help="image-tower peers, comma-separated from pytorch, onnxruntime, shiftlens-fp32 "
                             "(default pytorch,onnxruntime)")
    parser.add_argument("--precision", help="passed to `shiftlens bench --precision` (the peers stay fp32)")
    # worker mode (internal)
    parser.add_argument("--worker", choices=["image", "text", "onnx"])
    parser.add_argument("--onnx")
    parser.add_argument("--arch")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--threads-one", type=int, default=1)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()
    if args.worker:
        args.threads = args.threads_one
        {"image": worker_image, "text": worker_text, "onnx": worker_onnx}[args.worker](args)
        return
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary} not found: run `swift build -c release` first")

    image_peers = [p for p in args.peers.split(",") if p and not (args.no_onnx and p == "onnxruntime")]
    for p in image_peers:
        if p not in PEER_NAMES:
            sys.exit(f"unknown peer {p}; choose from {', '.join(PEER_NAMES)}")
    import torch
    import open_clip
    models = [m for m in args.models.split(",") if m]
    for m in models:
        if m not in MODELS:
            sys.exit(f"unknown model {m}; choose from {', '.join(MODELS)}")
    weights = {m: ensure_weights(m, args.weights) for m in set(models) | ({"vit-b-32"} if args.text_classes else set())}
    print(f"machine: {cpu_model()}, {os.cpu_count()} processors, {platform.system()} {platform.release()}")
    onnx_version = "left out"
    if "onnxruntime" in image_peers:
        import onnxruntime
        onnx_version = onnxruntime.__version__
    print(f"PyTorch {torch.__version__} (CPU capability {torch.backends.cpu.get_cpu_capability()}), open_clip {open_clip.__version__}; "
          f"ONNX Runtime {onnx_version}; ShiftLens {args.binary}" + (f" --precision {args.precision}" if args.precision else ""))
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at start: {load_average()}")
    print(f"{args.rounds} rounds × {args.iterations} timed passes per side (after 1 warm-up pass), rotating which side "
          f"goes first, fresh process per run; ratio = ShiftLens median / peer median (per-round ratios in parentheses)")
    print()
    header("images/s", image_peers)
    rows = []
    for m in models:
        arch = MODELS[m][0]
        for batch in [int(b) for b in args.batches.split(",")]:
            for threads in [int(t) for t in args.threads.split(",")]:
                peers = []
                if "pytorch" in image_peers:
                    peers.append(("pytorch", lambda: run_torch("image", arch, weights[m], batch, threads, args.iterations)))
                if "onnxruntime" in image_peers:
                    exported = onnx_path(arch, weights[m], batch)
                    peers.append(("onnxruntime", lambda: run_torch(
                        "onnx", arch, weights[m], batch, threads, args.iterations, onnx=exported)))
                if "shiftlens-fp32" in image_peers:
                    peers.append(("shiftlens-fp32", lambda: run_swift(
                        args.binary, "image", weights[m], batch, threads, args.iterations, precision="fp32")))
                compare(
                    f"{arch} batch {batch}, {threads} thread{'s' if threads > 1 else ''}", peers,
                    lambda: run_swift(args.binary, "image", weights[m], batch, threads, args.iterations,
                                      precision=args.precision),
                    args.rounds, rows)
    if args.text_classes:
        classes, threads = args.text_classes, args.text_threads
        print()
        print(f"Zero-shot head, ViT-B-32 text tower, {classes} classes × 80 templates = {classes * 80} prompts, "
              f"{threads} threads (prompts/s; 1 timed pass per side per round):")
        print()
        header("prompts/s", ["pytorch"])
        compare(
            f"head {classes}×80",
            [("pytorch", lambda: run_torch("text", "ViT-B-32", weights["vit-b-32"], 0, threads, 1, classes))],
            lambda: run_swift(args.binary, "text", weights["vit-b-32"], 0, threads, 1, classes),
            args.rounds, rows)
    print()
    print(f"load average at end: {load_average()}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"machine": cpu_model(), "torch": torch.__version__, "open_clip": open_clip.__version__,
                       "onnxruntime": onnx_version,
                       "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
