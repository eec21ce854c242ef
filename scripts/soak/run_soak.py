#!/usr/bin/env python3
"""The scale soak: a 50,000-image pilot end to end, peak memory, kill -9 and resume, compaction cost.

    python3 scripts/soak/make_soak.py /tmp/soak            # once: the images and pilot.json
    nice -n 19 python3 scripts/soak/run_soak.py /tmp/soak [--binary .build/release/shiftlens] [--kills 6] [--seed 1]

1. Reference: `shiftlens run pilot.json` on a fresh store, to the end; its peak RSS (wait4's ru_maxrss of
   the child) must stay under 1 GiB.
2. Kill and resume: the same run on a second fresh store, killed with SIGKILL at --kills random points
   (all but the last while images are being encoded, at a random fraction of the encoding time left; the
   last during the probes), then run to the end. After every kill the store must open
   cleanly and every row it holds must survive to the end (a kill loses at most the batch in flight: the
   rows already written are never encoded again — the next run reports them as cached); the final store
   must equal the reference store byte for byte (embeddings.npy, keys.txt, meta.json of every table) and
   the final results.json must equal the reference's but for run_id and created_at, as must tables/*.csv.
3. Compaction: stores of N = 10k … 160k pending rows (D = 64, batches of 32, written here in the store's
   own format) are merged into an empty store (`shiftlens merge`: load, append, compact), each 3 times;
   prints the child's CPU seconds (steadier than wall time on a shared machine) per 10k rows and the
   fit of CPU time against N (linear means a constant per-row cost).

Prints what it measured with the machine, the load average and the command lines; exits 1 if a check fails.
"""
import argparse, glob, hashlib, json, os, platform, random, re, shutil, signal, subprocess, sys, time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAILED = []


def check(condition, message):
    print(("ok    " if condition else "FAIL  ") + message, flush=True)
    if not condition:
        FAILED.append(message)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def spawn(arguments, log):
    return subprocess.Popen(arguments, stdout=log, stderr=subprocess.STDOUT)


def wait(process):
    """(exit status or -signal, seconds, peak RSS in MiB) of `process`, from wait4."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024


def run_to_end(binary, spec, store, site, log_path):
    """(exit status, seconds, peak RSS MiB, seconds until the last image batch was encoded)."""
    started = time.time()
    encoded = 0.0
    with open(log_path, "ab") as log:
        process = subprocess.Popen([binary, "run", spec, "--store", store, "--site", site], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        for line in process.stderr:
            log.write(line)
            if b" images (" in line and b" encoded" in line:
                encoded = time.time() - started
        code, rss = wait(process)
    return code, time.time() - started, rss, encoded


def store_rows(store):
    """Rows per table folder: compacted keys plus complete pending batches (a .keys file with its .npy)."""
    rows = {}
    for meta in glob.glob(os.path.join(store, "v1", "*", "*", "meta.json")):
        folder = os.path.dirname(meta)
        keys = set()
        compacted = os.path.join(folder, "keys.txt")
        if os.path.exists(compacted):
            keys.update(open(compacted).read().split())
        for pending in glob.glob(os.path.join(folder, "pending", "*.keys")):
            if os.path.exists(pending[:-5] + ".npy"):
                keys.update(open(pending).read().split())
        rows[os.path.relpath(folder, store)] = keys
    return rows


def table_files(store):
    """sha256 of every file of every table, hidden temporary files and pending batches included."""
    files = {}
    for root, _, names in os.walk(os.path.join(store, "v1")):
        for name in names:
            path = os.path.join(root, name)
            files[os.path.relpath(path, store)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return files


def latest_run(site):
    runs = sorted(glob.glob(os.path.join(site, "pilots", "*", "*", "results.json")))
    return os.path.dirname(runs[-1])


def comparable_results(run):
    results = json.load(open(os.path.join(run, "results.json")))
    for key in ("run_id", "created_at"):
        results.get("run", {}).pop(key, None)
        results.pop(key, None)
    text = json.dumps(results, sort_keys=True)
    return re.sub(r'"(run_id|created_at)": "[^"]*"', "", text)


def soak(args):
    spec = os.path.join(os.path.abspath(args.data), "pilot.json")
    images = sum(len(files) for _, _, files in os.walk(os.path.join(os.path.abspath(args.data), "data")))
    work = os.path.join(os.path.abspath(args.data), "soak-work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    print(f"## Soak: {images} images, {spec}")

    reference_store, reference_site = os.path.join(work, "ref-store"), os.path.join(work, "ref-site")
    code, seconds, rss, encoding = run_to_end(args.binary, spec, reference_store, reference_site, os.path.join(work, "ref.log"))
    check(code == 0, f"reference run exits 0 (exit {code}, {seconds:.0f} s, of which {encoding:.0f} s until the last image batch)")
    check(rss < 1024, f"reference run peak RSS {rss:.0f} MiB < 1024 MiB")
    total_rows = sum(len(keys) for keys in store_rows(reference_store).values())

    rng = random.Random(args.seed)
    store, site = os.path.join(work, "kill-store"), os.path.join(work, "kill-site")
    kept = {}
    for index in range(args.kills):
        done = sum(len(keys) for keys in store_rows(store).values()) if os.path.exists(store) else 0
        left = max(0.05, 1 - done / max(total_rows, 1))
        # All but the last kill land while images are being encoded; the last one during the probes.
        if index < args.kills - 1:
            delay = rng.uniform(0.15, 0.85) * encoding * left
        else:
            delay = encoding * left + rng.uniform(0.2, 0.6) * (seconds - encoding)
        with open(os.path.join(work, "kill.log"), "ab") as log:
            process = spawn([args.binary, "run", spec, "--store", store, "--site", site], log)
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            code, peak = wait(process)
        rows = store_rows(store)
        count = sum(len(keys) for keys in rows.values())
        lost = [folder for folder, keys in kept.items() if not keys <= rows.get(folder, set())]
        check(not lost, f"kill {index + 1} after {delay:.1f} s (exit {code}, peak {peak:.0f} MiB): "
                        f"{count} of {total_rows} rows kept, none of the {sum(map(len, kept.values()))} kept before lost")
        kept = rows
    code, _, rss, _ = run_to_end(args.binary, spec, store, site, os.path.join(work, "kill.log"))
    check(code == 0, f"resumed run exits 0 (peak {rss:.0f} MiB)")
    final = store_rows(store)
    check(all(keys <= final.get(folder, set()) for folder, keys in kept.items()), "rows written before the last kill are all in the final store")
    reference_files, resumed_files = table_files(reference_store), table_files(store)
    leftovers = [path for path in resumed_files if "/pending/" in path or path.endswith(".tmp")]
    check(not leftovers, f"no pending batches or temporary files left ({leftovers[:3]})")
    resumed_tables = {path: digest for path, digest in resumed_files.items() if path not in leftovers}
    check(resumed_tables == reference_files, f"final store equals the uninterrupted one byte for byte ({len(reference_files)} files)")
    reference_run, resumed_run = latest_run(reference_site), latest_run(site)
    check(comparable_results(reference_run) == comparable_results(resumed_run), "results.json equal but for run_id and created_at")
    tables = sorted(os.listdir(os.path.join(reference_run, "tables")))
    same = all(open(os.path.join(reference_run, "tables", name), "rb").read() == open(os.path.join(resumed_run, "tables", name), "rb").read()
               for name in tables)
    check(same, f"tables/*.csv identical ({len(tables)} files)")


def write_store(store, rows, dimension=64, batch=32, seed=0):
    """A store of one table holding `rows` random rows as pending batches, in EmbeddingTable's format."""
    folder = os.path.join(store, "v1", "0" * 64, "soak-compaction")
    os.makedirs(os.path.join(folder, "pending"))
    with open(os.path.join(folder, "meta.json"), "w") as handle:
        json.dump({"dimension": dimension, "format": 1, "preprocessing": "soak-compaction", "weights_sha256": "0" * 64}, handle)
    rng = np.random.default_rng(seed)
    for start in range(0, rows, batch):
        count = min(batch, rows - start)
        keys = [hashlib.sha256(f"{seed}-{start + i}".encode()).hexdigest() for i in range(count)]
        stem = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:24]
        np.save(os.path.join(folder, "pending", stem + ".npy"), rng.standard_normal((count, dimension), dtype=np.float32))
        with open(os.path.join(folder, "pending", stem + ".keys"), "w") as handle:
            handle.write("\n".join(keys) + "\n")


def compaction(args):
    work = os.path.join(os.path.abspath(args.data), "soak-compaction")
    print("## Compaction: merge N pending rows (D = 64) into an empty store")
    points = []
    for rows in (10_000, 20_000, 40_000, 80_000, 160_000):
        shutil.rmtree(work, ignore_errors=True)
        source = os.path.join(work, "source")
        write_store(source, rows)
        times, walls = [], []
        for repeat in range(3):
            target = os.path.join(work, f"target-{repeat}")
            started = time.time()
            process = subprocess.Popen([args.binary, "merge", source, "--into", target], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(process.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"merge failed on {rows} rows")
            walls.append(time.time() - started)
            times.append(usage.ru_utime + usage.ru_stime)
        times.sort()
        walls.sort()
        points.append((rows, times[1]))
        print(f"  {rows:>7} rows: CPU min {times[0]:.2f} median {times[1]:.2f} max {times[2]:.2f} s "
              f"= {times[1] / rows * 1e4:.3f} CPU-s per 10k rows (wall median {walls[1]:.2f} s)", flush=True)
    n = np.array([p[0] for p in points], dtype=float)
    t = np.array([p[1] for p in points])
    slope, intercept = np.polyfit(n, t, 1)
    predicted = slope * n + intercept
    r2 = 1 - ((t - predicted) ** 2).sum() / ((t - t.mean()) ** 2).sum()
    print(f"  fit: {slope * 1e4:.3f} CPU-s per 10k rows + {intercept:.2f} s, R² = {r2:.4f}")
    check(r2 > 0.98, f"compaction time is linear in the rows (R² {r2:.4f})")
    shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="the folder make_soak.py wrote")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "shiftlens"))
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-soak", action="store_true", help="only measure compaction")
    args = parser.parse_args()
    print(f"# ShiftLens soak, {time.strftime('%Y-%m-%d %H:%M')} — {cpu_model()}, {os.cpu_count()} cores, "
          f"nice {os.nice(0)}, load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"binary: {args.binary}")
    if not args.skip_soak:
        soak(args)
    compaction(args)
    print(f"load average at the end: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
