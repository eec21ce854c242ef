#!/usr/bin/env python3
"""Writes results.json files of schema version 1 and the SHA-256 of every page the build that
wrote them renders from them, for ResultsCompatibilityTests (old runs must still render the same).

    python3 Tests/SiteTests/Fixtures/v1-results/make_v1_results.py --binary OLD/.build/release/shiftlens

OLD is a release build of commit 43d19e2, the last to write schema version 1 (its checkout's
assets/ and templates/ are used). The pilot is the demo's data (`shiftlens demo --data-only`),
cut to three image sets and made to exercise what version 1 stored as English text:
- skipped images: a corrupt PNG, a file that is not an image, a hidden file and a class folder
  that is not in the class list (codes image.corrupt, not-an-image, hidden, label.unknown);
- probe notes: a shift with a single label (single_label);
- a baseline line from the pilot's baselines CSV and a model marked baseline (sources
  "baselines.csv" and "models marked baseline in pilot.json");
- model verdict reasons prefixed with the image set.
It is run twice, in English and in Japanese. Written here: {en,ja}/pilots/<pilot>/<run>/results.json
(nothing else of the run folder) and pages.json: the SHA-256 of every .html file of each site
after `shiftlens render`, which is what the current build must reproduce from the results.json files.
Needs Python 3 only.

When a later build changes the pages on purpose (a catalogue sentence, a new column), the stored
results.json files stay as they are and only the digests are renewed, from the checkout of that
build, with the reason recorded in pages.json:

    python3 Tests/SiteTests/Fixtures/v1-results/make_v1_results.py --rerender NEW/.build/debug/shiftlens --reason "..."
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(binary, *args, cwd=None):
    subprocess.run([binary, *args], check=True, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", help="release build of commit 43d19e2")
    parser.add_argument("--rerender", help="a later build: renew the digests from the stored results.json files")
    parser.add_argument("--reason", help="with --rerender: why the pages changed")
    args = parser.parse_args()
    if args.rerender:
        return rerender(os.path.abspath(args.rerender), args.reason or "")
    if not args.binary:
        parser.error("--binary or --rerender is required")
    binary = os.path.abspath(args.binary)
    checkout = os.path.dirname(os.path.dirname(os.path.dirname(binary)))
    work = tempfile.mkdtemp(prefix="shiftlens-v1-")
    try:
        data = os.path.join(work, "pilot")
        run(binary, "demo", "--data-only", data)
        with open(os.path.join(data, "pilot.json"), encoding="utf-8") as f:
            spec = json.load(f)
        spec["pilot"] = "v1-compatibility"
        spec["domains"] = [d for d in spec["domains"] if d["name"] in ("reference", "low-light")]
        # A shift with one class only: the single_label note.
        one = os.path.join(data, "data", "one-class")
        first = sorted(os.listdir(os.path.join(data, "data", "low-light")))[0]
        shutil.copytree(os.path.join(data, "data", "low-light", first), os.path.join(one, first))
        spec["domains"].append({"name": "one-class", "path": "data/one-class"})
        spec["models"][1]["baseline"] = True
        spec["baselines"] = "baselines.csv"
        with open(os.path.join(data, "baselines.csv"), "w") as f:
            f.write("model,domain,reference_accuracy,accuracy\nstandard-a,low-light,0.9,0.7\nstandard-b,low-light,0.8,0.5\n")
        reference = os.path.join(data, "data", "reference")
        classes = sorted(os.listdir(reference))
        with open(os.path.join(reference, classes[0], "broken.png"), "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
        with open(os.path.join(reference, classes[0], "notes.txt"), "w") as f:
            f.write("not an image\n")
        with open(os.path.join(reference, classes[0], ".hidden.png"), "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n")
        unknown = os.path.join(reference, "unknown-part")
        os.makedirs(unknown)
        shutil.copy(os.path.join(reference, classes[0], sorted(os.listdir(os.path.join(reference, classes[0])))[0]), unknown)
        pages = {}
        for language in ("en", "ja"):
            spec["language"] = language
            with open(os.path.join(data, "pilot.json"), "w", encoding="utf-8") as f:
                json.dump(spec, f, ensure_ascii=False, indent=2)
            site = os.path.join(work, f"site-{language}")
            run(binary, "run", os.path.join(data, "pilot.json"), "--site", site)
            run(binary, "render", "--site", site, "--language", language, cwd=checkout)
            target = os.path.join(HERE, language)
            shutil.rmtree(target, ignore_errors=True)
            for root, _, files in os.walk(site):
                for name in sorted(files):
                    path = os.path.join(root, name)
                    relative = os.path.relpath(path, site)
                    if name == "results.json":
                        os.makedirs(os.path.join(target, os.path.dirname(relative)), exist_ok=True)
                        shutil.copy(path, os.path.join(target, relative))
                    elif name.endswith(".html"):
                        with open(path, "rb") as f:
                            pages[f"{language}/{relative}"] = hashlib.sha256(f.read()).hexdigest()
        with open(os.path.join(HERE, "pages.json"), "w") as f:
            json.dump({"generator": {"shiftlens": "43d19e2 (schema version 1)"}, "pages": dict(sorted(pages.items()))}, f, indent=1)
            f.write("\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def rerender(binary, reason):
    """Renders the stored runs with `binary` (templates and assets of its checkout) and rewrites
    the digests, keeping the old generator and adding this one with `reason`."""
    checkout = os.path.dirname(os.path.dirname(os.path.dirname(binary)))
    with open(os.path.join(HERE, "pages.json")) as f:
        stored = json.load(f)
    pages = {}
    work = tempfile.mkdtemp(prefix="shiftlens-v1-")
    try:
        for language in ("en", "ja"):
            site = os.path.join(work, language)
            shutil.copytree(os.path.join(HERE, language), site)
            run(binary, "render", "--site", site, "--language", language, "--templates", os.path.join(checkout, "templates"),
                "--assets", os.path.join(checkout, "assets"))
            for name in stored["pages"]:
                if name.startswith(language + "/"):
                    with open(os.path.join(site, name[len(language) + 1:]), "rb") as f:
                        pages[name] = hashlib.sha256(f.read()).hexdigest()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    generator = dict(stored["generator"])
    generator.setdefault("rerendered", []).append(reason)
    with open(os.path.join(HERE, "pages.json"), "w") as f:
        json.dump({"generator": generator, "pages": dict(sorted(pages.items()))}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
