#!/usr/bin/env python3
"""Proves that a change left everything a user sees unchanged: snapshot one build, snapshot
another, compare.

    python3 scripts/dev/check-identical.py snapshot --binary OLD/.build/release/shiftlens --out /tmp/before
    python3 scripts/dev/check-identical.py snapshot --binary .build/release/shiftlens --out /tmp/after
    python3 scripts/dev/check-identical.py compare /tmp/before /tmp/after

A snapshot is a folder of files, one per thing a user sees, taken in a fresh temporary folder:
- `shiftlens demo` (English; the generated images as a SHA-256 listing) and the demo pilot run again with `"language": "ja"`, plus a
  second English run of the demo pilot into the same site (run history, trends): every page,
  packet, results.json, tables/*.csv, manifest.json, the CSS; the embedding store's files;
  then `shiftlens render` of that site (pages re-rendered from the stored results.json);
- `shiftlens probe` (text and --json) on the probe test fixtures, with and without a
  reference, with another seed, with concept similarities;
- `shiftlens embed` (image and text .npy), `decode` (.npy, .ppm), `preprocess` (.npy) on the
  embed test fixture model and shared images;
- `inspect` (text and --json) of every checkpoint fixture, the hostile pickles included
  (their error messages);
- `encode --shard` ×2 + `merge` (stdout and the merged store), `init` (the scaffold);
- `bench --json` (image, --text, --images), `probe --bench` and `bench-kernels`: their
  structure only (every number replaced by `#`), since they are timings;
- `--help` of every command, and a few usage and input errors (message and exit code).
Every command's stdout, stderr and exit code are recorded.

Inputs come from git (the fixtures at commit INPUTS_COMMIT of this repository, so moving
fixtures does not change the inputs) and from ../shared/data.

Normalised — only what legitimately differs from one run to the next:
- the temporary folder's absolute path → `<WORK>`; the checkout the binary takes its assets/
  and templates/ from → `<CHECKOUT>` (demo model paths in manifests, bench and inspect);
- each run id (`2026-11-26T190412Z-3f2a`, the run folder's name) → `<RUN1>`, `<RUN2>`…
  in order of creation, in file contents and file paths;
- the pages' label of a run (its date and the id's 4-hex suffix, `2026-11-26 3f2a`) → `<RUN1>`…;
- ISO 8601 timestamps (`created_at`) → `<TIME>`; dates and times that pages derive from the
  run's start (e.g. `2026-11-26 19:04 UTC`) → `<DATE>`;
- manifest.json: `seconds`, `encoder_seconds`, `cpu_seconds`, `timings_seconds.*`,
  `machine.*` (load, host) → `#`; `pilot_spec.sha256` → `#` (the demo's pilot.json names
  the models by absolute path; its normalised hash is in demo-data.sha256);
- progress and summary lines on stderr: durations, rates (img/s), cores busy → `#`; the
  order of the "probes on N domains" lines (models are probed concurrently);
- the `bench`/`probe --bench`/`bench-kernels` outputs: every number → `#` and their lines
  sorted (`probe --bench` orders its sections by time) — structure only.
Nothing else: bytes of .npy/.csv/.html/.json files are compared as they are.
"""

import argparse
import difflib
import filecmp
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

INPUTS_COMMIT = "43d19e2"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(REPO), "shared", "data")
if not os.path.isdir(SHARED):
    SHARED = "/work/shared/data"

RUN_ID = re.compile(r"\d{4}-\d{2}-\d{2}T\d{6}Z-[0-9a-f]{4}")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})")
NUMBER = re.compile(r"(?<![A-Za-z_<])[-+]?\d+(\.\d+)?([eE][-+]?\d+)?")


def git_export(commit, path, dest):
    """Extracts `path` (file or folder) of `commit` into `dest`."""
    os.makedirs(dest, exist_ok=True)
    archive = subprocess.run(["git", "-C", REPO, "archive", commit, path], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", dest], input=archive, check=True)


class Snapshot:
    def __init__(self, binary, out):
        self.binary = os.path.abspath(binary)
        self.out = os.path.abspath(out)
        self.work = tempfile.mkdtemp(prefix="shiftlens-check-")
        self.run_ids = []
        self.outputs = []
        self.env = dict(os.environ, SHIFTLENS_CACHE=os.path.join(self.work, "cache"), NO_COLOR="1", LC_ALL="C.UTF-8")
        self.env.pop("SHIFTLENS_ASSETS", None)
        # The checkout whose assets/ and templates/ the binary uses (demo model paths).
        self.checkout = os.path.dirname(REPO_ASSETS(self.binary))

    # -- running ---------------------------------------------------------------------------

    def run(self, name, args, cwd=None, structure_only=False):
        """Runs `shiftlens args`; stdout, stderr and the exit code become `commands/name.*`
        (normalised at the end, when every run id is known)."""
        result = subprocess.run([self.binary] + args, cwd=cwd or self.work, env=self.env, capture_output=True, timeout=1800)
        for kind, data in (("stdout", result.stdout), ("stderr", result.stderr)):
            self.outputs.append((os.path.join("commands", f"{name}.{kind}"), data.decode("utf-8", "replace"), structure_only))
        self.write(os.path.join("commands", f"{name}.exit"), f"{result.returncode}\n".encode())
        return result

    def write_outputs(self):
        for relative, text, structure_only in self.outputs:
            text = self.normalise_progress(self.normalise_text(text))
            if structure_only:
                # Timings only: numbers, spacing, and the order of lines sorted by time.
                text = "\n".join(sorted(re.sub(r"[ \t]+", " ", NUMBER.sub("#", line)) for line in text.split("\n")))
            self.write(relative, text.encode())

    def write(self, relative, data):
        path = os.path.join(self.out, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    # -- normalising -----------------------------------------------------------------------

    def note_run_ids(self, folder):
        """Finds run ids (folder names) created since the last call, in creation (= name) order."""
        found = set()
        for root, dirs, _ in os.walk(folder):
            for d in dirs:
                if RUN_ID.fullmatch(d):
                    found.add(d)
        for run_id in sorted(found):
            if run_id not in self.run_ids:
                self.run_ids.append(run_id)

    def normalise_text(self, text):
        for path, label in ((self.work, "<WORK>"), (self.checkout, "<CHECKOUT>")):
            text = text.replace(path, label).replace(path.replace("/", "\\/"), label)
        for index, run_id in enumerate(self.run_ids):
            text = text.replace(run_id, f"<RUN{index + 1}>")
            # Pages label a run by its date and the id's random suffix.
            text = text.replace(f"{run_id[:10]} {run_id[-4:]}", f"<RUN{index + 1}>")
        text = ISO_TIME.sub("<TIME>", text)
        # Dates and times derived from the run's start, as pages print them.
        text = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}( UTC)?", "<DATE>", text)
        text = re.sub(r"\d{4}年\d{1,2}月\d{1,2}日( \d{1,2}:\d{2})?", "<DATE>", text)
        text = re.sub(r"\d{1,2} [A-Z][a-z]{2} \d{4}( \d{2}:\d{2})?( UTC)?", "<DATE>", text)
        return text

    @staticmethod
    def normalise_progress(text):
        """Durations, rates and load on progress/summary lines (stderr) → `#`; the "probes on
        N domains" lines of models probed concurrently, in name order (they print as each
        model finishes)."""
        lines = []
        for line in text.split("\n"):
            line = re.sub(r"\d+(\.\d+)? ?(s|ms|img/s|images/s|prompts/s|cores busy|min)\b", "# \\2", line)
            lines.append(line)
        probed = [i for i, line in enumerate(lines) if re.search(r": probes on \d+ domains? in", line)]
        for i, line in zip(probed, sorted(lines[i] for i in probed)):
            lines[i] = line
        return "\n".join(lines)

    def normalise_manifest(self, data):
        manifest = json.loads(data)

        def scrub(value, key=None):
            if isinstance(value, dict):
                return {k: scrub(v, k) for k, v in value.items()}
            if isinstance(value, list):
                return [scrub(v) for v in value]
            if key in ("seconds", "encoder_seconds", "cpu_seconds"):
                return "#"
            return value

        manifest = scrub(manifest)
        if "timings_seconds" in manifest:
            manifest["timings_seconds"] = {k: "#" for k in manifest["timings_seconds"]}
        if "sha256" in manifest.get("pilot_spec", {}):
            manifest["pilot_spec"]["sha256"] = "#"
        if "machine" in manifest:
            manifest["machine"] = {k: "#" for k in manifest["machine"]}
        text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False)
        return self.normalise_text(text).encode()

    def copy_tree(self, source, target):
        """Copies a produced folder into the snapshot, normalising text files."""
        for root, _, files in os.walk(source):
            for name in sorted(files):
                path = os.path.join(root, name)
                relative = os.path.relpath(path, source)
                for index, run_id in enumerate(self.run_ids):
                    relative = relative.replace(run_id, f"<RUN{index + 1}>")
                with open(path, "rb") as f:
                    data = f.read()
                if name == "manifest.json" and b"manifest_version" in data:
                    data = self.normalise_manifest(data)
                elif name.endswith((".html", ".json", ".csv", ".txt", ".css", ".md", ".keys", ".svg")):
                    data = self.normalise_text(data.decode("utf-8", "replace")).encode()
                self.write(os.path.join(target, relative), data)

    def digest_listing(self, folder):
        """`sha256  path` of every file under `folder` but the store (the generated demo data;
        pilot.json normalised first: it names the demo models by absolute path)."""
        lines = []
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if d != ".shiftlens"]
            for name in files:
                path = os.path.join(root, name)
                with open(path, "rb") as f:
                    data = f.read()
                if name.endswith(".json"):
                    data = self.normalise_text(data.decode()).encode()
                lines.append(f"{hashlib.sha256(data).hexdigest()}  {os.path.relpath(path, folder)}\n")
        return "".join(sorted(lines)).encode()

    # -- the snapshot ----------------------------------------------------------------------

    def take(self):
        if os.path.exists(self.out):
            shutil.rmtree(self.out)
        os.makedirs(self.out)
        inputs = os.path.join(self.work, "inputs")
        for path in ("Tests/ProbesTests/Fixtures", "Tests/ShiftLensCLITests/Fixtures/embed", "Tests/WeightsTests/Fixtures"):
            git_export(INPUTS_COMMIT, path, inputs)
        probes = os.path.join(inputs, "Tests/ProbesTests/Fixtures")
        embed = os.path.join(inputs, "Tests/ShiftLensCLITests/Fixtures/embed")
        weights = os.path.join(inputs, "Tests/WeightsTests/Fixtures")
        w = self.work
        try:
            self.commands_help()
            self.demo_and_runs(w)
            self.probe_commands(w, probes)
            self.image_commands(w, embed)
            self.inspect_commands(weights, embed)
            self.shard_and_init(w)
            self.benchmarks(w, embed)
            self.errors(w)
            self.write_outputs()
        finally:
            shutil.rmtree(self.work, ignore_errors=True)
        print(f"snapshot of {self.binary}: {sum(len(f) for _, _, f in os.walk(self.out))} files in {self.out}")

    def commands_help(self):
        result = self.run("help", ["--help"])
        names = []
        for line in result.stdout.decode().split("\n"):
            match = re.match(r"^\s+([a-z][a-z-]+)\s{2,}", line)
            if match:
                names.append(match.group(1))
        for name in names:
            self.run(f"help-{name}", [name, "--help"])

    def demo_and_runs(self, w):
        site, site_ja = os.path.join(w, "site"), os.path.join(w, "site-ja")
        self.run("demo", ["demo", "--site", site, "--data", os.path.join(w, "demo")])
        self.note_run_ids(site)
        # The demo pilot in Japanese, encoded into its own store.
        self.run("demo-data-only", ["demo", "--data-only", os.path.join(w, "ja")])
        spec_path = os.path.join(w, "ja", "pilot.json")
        with open(spec_path, encoding="utf-8") as f:
            spec = json.load(f)
        spec["language"] = "ja"
        with open(spec_path, "w", encoding="utf-8") as f:
            json.dump(spec, f, ensure_ascii=False, indent=2)
        self.run("run-ja", ["run", spec_path, "--site", site_ja])
        self.note_run_ids(site_ja)
        # A second run of the English demo pilot into the same site: run history, trends;
        # every embedding comes from the store.
        self.run("run-again", ["run", os.path.join(w, "demo", "pilot.json"), "--site", site, "--threads", "1", "--batch", "7"])
        self.note_run_ids(site)
        self.copy_tree(site, "site")
        self.copy_tree(site_ja, "site-ja")
        self.write("demo-data.sha256", self.digest_listing(os.path.join(w, "demo")))
        self.copy_tree(os.path.join(w, "demo", ".shiftlens"), "store-demo")
        self.copy_tree(os.path.join(w, "ja", ".shiftlens"), "store-ja")
        # Re-render both sites from their results.json.
        rendered = os.path.join(w, "site-rendered")
        shutil.copytree(site, rendered)
        self.run("render", ["render", "--site", rendered], cwd=self.checkout)
        self.copy_tree(rendered, "site-rendered")
        rendered_ja = os.path.join(w, "site-ja-rendered")
        shutil.copytree(site_ja, rendered_ja)
        self.run("render-ja", ["render", "--site", rendered_ja, "--language", "ja"], cwd=self.checkout)
        self.copy_tree(rendered_ja, "site-ja-rendered")

    def probe_commands(self, w, probes):
        p = lambda name: os.path.join(probes, name)
        full = ["probe", "--embeddings", p("shift.npy"), "--labels", p("shift_labels.txt"), "--head", p("head.npy"),
                "--reference", p("reference.npy"), "--reference-labels", p("reference_labels.txt")]
        self.run("probe-full-json", full + ["--json"])
        self.run("probe-full-text", full)
        self.run("probe-seed7-json", full + ["--json", "--seed", "7", "--outlier-threshold", "5", "--no-linear-probe"])
        names = os.path.join(w, "concept-names.txt")
        with open(names, "w") as f:
            f.write("".join(f"concept {i}\n" for i in range(12)))
        self.run("probe-concepts-json", full + ["--json", "--concept-similarities", p("concept_similarities.npy"), "--concept-names", names])
        self.run("probe-reference-only-json", ["probe", "--embeddings", p("reference.npy"), "--labels", p("reference_labels.txt"), "--head", p("head.npy"), "--json"])
        self.run("probe-unlabelled-json", ["probe", "--embeddings", p("shift.npy"), "--head", p("head.npy"), "--reference", p("reference.npy"), "--reference-labels", p("reference_labels.txt"), "--json"])
        self.run("probe-unlabelled-text", ["probe", "--embeddings", p("shift.npy"), "--head", p("head.npy")])

    def image_commands(self, w, embed):
        images = os.path.join(SHARED, "images")
        picks = [os.path.join(images, "imagenet-sample-200", n) for n in ("n01440764_tench.JPEG", "n01530575_brambling.JPEG")]
        picks += [os.path.join(images, "pngsuite-subset", n) for n in ("basn3p08.png", "basn6a16.png")]
        out = os.path.join(w, "out")
        os.makedirs(out)
        model = os.path.join(embed, "model.safetensors")
        self.run("embed", ["embed", "--model", model, "--images"] + picks + ["--out", os.path.join(out, "images.npy"),
                 "--text", os.path.join(embed, "prompts.txt"), "--out-text", os.path.join(out, "text.npy"), "--batch", "3"])
        self.run("embed-folder", ["embed", "--model", os.path.join(REPO_ASSETS(self.binary), "demo-models", "diverse-6k-small", "open_clip_model.safetensors"),
                 "--images", os.path.join(images, "pngsuite-subset"), "--out", os.path.join(out, "folder.npy")])
        for index, image in enumerate(picks):
            self.run(f"decode-{index}-npy", ["decode", image, "--out", os.path.join(out, f"decode-{index}.npy")])
            self.run(f"decode-{index}-ppm", ["decode", image, "--out", os.path.join(out, f"decode-{index}.ppm")])
        self.run("preprocess", ["preprocess"] + picks + ["--out", os.path.join(out, "preprocess.npy")])
        self.run("preprocess-64", ["preprocess"] + picks + ["--out", os.path.join(out, "preprocess-64.npy"), "--size", "64",
                 "--mean", "0.5,0.5,0.5", "--std", "0.25,0.25,0.25"])
        self.copy_tree(out, "out")

    def inspect_commands(self, weights, embed):
        files = [os.path.join(embed, "model.safetensors")]
        for root, _, names in os.walk(weights):
            files += [os.path.join(root, n) for n in names if n.endswith((".safetensors", ".pt", ".pth", ".bin"))]
        assets = REPO_ASSETS(self.binary)
        files += [os.path.join(assets, "demo-models", m, "open_clip_model.safetensors") for m in ("diverse-6k-small", "narrow-6k-small")]
        for path in sorted(files):
            label = re.sub(r"[^A-Za-z0-9]+", "-", os.path.relpath(path, self.work if path.startswith(self.work) else assets))
            self.run(f"inspect-{label}", ["inspect", path])
            self.run(f"inspect-{label}-json", ["inspect", path, "--json"])
        self.run("inspect-activation", ["inspect", os.path.join(weights, "rn-openclip", "open_clip_model.safetensors"), "--activation", "quick_gelu", "--json"])

    def shard_and_init(self, w):
        spec = os.path.join(w, "demo", "pilot.json")
        shards = os.path.join(w, "shards")
        self.run("encode-shard-0", ["encode", spec, "--shard", "0/2", "--store", shards, "--batch", "5"])
        self.run("encode-shard-1", ["encode", spec, "--shard", "1/2", "--store", shards])
        merged = os.path.join(w, "merged")
        self.run("merge", ["merge", os.path.join(shards, "shard-0-of-2"), os.path.join(shards, "shard-1-of-2"), "--into", merged])
        self.copy_tree(merged, "store-merged")
        self.run("init", ["init", os.path.join(w, "scaffold")])
        self.copy_tree(os.path.join(w, "scaffold"), "scaffold")

    def benchmarks(self, w, embed):
        model = os.path.join(REPO_ASSETS(self.binary), "demo-models", "diverse-6k-small", "open_clip_model.safetensors")
        few = os.path.join(w, "few-images")
        os.makedirs(few)
        for n in sorted(os.listdir(os.path.join(SHARED, "images", "imagenet-sample-200")))[:3]:
            shutil.copy(os.path.join(SHARED, "images", "imagenet-sample-200", n), few)
        common = ["--iterations", "2", "--warmup", "0", "--peak-gflops", "100", "--threads", "1"]
        self.run("bench-json", ["bench", "--model", model, "--batch", "4", "--json"] + common, structure_only=True)
        self.run("bench-text", ["bench", "--model", model, "--batch", "4"] + common, structure_only=True)
        self.run("bench-text-tower-json", ["bench", "--model", model, "--text", "--classes", "3", "--templates", "2", "--json"] + common, structure_only=True)
        self.run("bench-images-json", ["bench", "--model", model, "--images", few, "--batch", "2", "--json"] + common, structure_only=True)
        self.run("probe-bench", ["probe", "--bench", "--bench-models", "2", "--bench-domains", "3", "--bench-images", "120",
                 "--bench-dimensions", "16", "--bench-classes", "5", "--bench-repeat", "1"], structure_only=True)
        self.run("bench-kernels", ["bench-kernels", "--iterations", "1", "--threads", "1", "--filter", "in_proj"], structure_only=True)
        self.run("preprocess-bench", ["preprocess", os.path.join(few, os.listdir(few)[0]), "--bench", "--repeats", "1"], structure_only=True)

    def errors(self, w):
        self.run("error-unknown-command", ["frobnicate"])
        self.run("error-unknown-option", ["probe", "--bogus"])
        self.run("error-missing-spec", ["run", os.path.join(w, "nope.json")])
        bad = os.path.join(w, "bad")
        os.makedirs(bad)
        with open(os.path.join(bad, "pilot.json"), "w") as f:
            f.write('{"pilot": "x", "classes": "imagenet", "domains": [{"name": "a", "path": "a", "rol": "reference"}], "models": []}')
        self.run("error-typo-spec", ["run", os.path.join(bad, "pilot.json"), "--site", os.path.join(w, "bad-site")])
        with open(os.path.join(bad, "broken.jpg"), "wb") as f:
            f.write(b"\xff\xd8\xff\xdb\x00\x43garbage")
        self.run("error-decode", ["decode", os.path.join(bad, "broken.jpg"), "--out", os.path.join(bad, "x.npy")])
        self.run("error-inspect-missing", ["inspect", os.path.join(bad, "missing.safetensors")])


def REPO_ASSETS(binary):
    """The assets folder the binary finds (its checkout's), as `Assets.locate` walks up."""
    folder = os.path.dirname(os.path.abspath(binary))
    for _ in range(8):
        if os.path.isfile(os.path.join(folder, "assets", "imagenet", "classnames.txt")):
            return os.path.join(folder, "assets")
        folder = os.path.dirname(folder)
    raise SystemExit(f"no assets/ above {binary}")


def compare(before, after, context_lines=3, max_diff_lines=60):
    """Prints every file that differs, is missing or is new; exit code 1 when any."""
    differences = 0

    def walk(relative=""):
        nonlocal differences
        a, b = os.path.join(before, relative), os.path.join(after, relative)
        comparison = filecmp.dircmp(a, b)
        for name in sorted(comparison.left_only):
            print(f"only in before: {os.path.join(relative, name)}")
            differences += 1
        for name in sorted(comparison.right_only):
            print(f"only in after:  {os.path.join(relative, name)}")
            differences += 1
        for name in sorted(comparison.common_files):
            left, right = os.path.join(a, name), os.path.join(b, name)
            if filecmp.cmp(left, right, shallow=False):
                continue
            differences += 1
            print(f"differs: {os.path.join(relative, name)}")
            try:
                with open(left, encoding="utf-8") as f:
                    old = f.read().split("\n")
                with open(right, encoding="utf-8") as f:
                    new = f.read().split("\n")
                diff = list(difflib.unified_diff(old, new, "before", "after", n=context_lines, lineterm=""))
                for line in diff[:max_diff_lines]:
                    print("    " + line[:300])
                if len(diff) > max_diff_lines:
                    print(f"    … {len(diff) - max_diff_lines} more diff lines")
            except UnicodeDecodeError:
                print("    (binary)")
        for name in sorted(comparison.common_dirs):
            walk(os.path.join(relative, name))

    walk()
    total = sum(len(f) for _, _, f in os.walk(after))
    if differences:
        print(f"{differences} difference(s); {total} files in after")
        return 1
    print(f"identical: {total} files")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    snap = sub.add_parser("snapshot", help="Snapshot what a build's users see.")
    snap.add_argument("--binary", required=True)
    snap.add_argument("--out", required=True)
    comp = sub.add_parser("compare", help="Compare two snapshots.")
    comp.add_argument("before")
    comp.add_argument("after")
    args = parser.parse_args()
    if args.action == "snapshot":
        Snapshot(args.binary, args.out).take()
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
