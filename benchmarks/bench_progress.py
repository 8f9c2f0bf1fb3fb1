"""What the progress bar of ``arsearch index`` costs: the same input indexed
with ``--progress bar`` and ``--progress none``, alternately, each run a fresh
index, both in a pseudo-terminal (the bar's real destination).

    python benchmarks/bench_progress.py --data /work/shared/data --engine tantivy --rounds 3

Prints one row per run (with the 1-minute load average when it started), the
medians and the bar's cost; writes benchmarks/results/progress.json.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, add_data_arg, require  # noqa: E402


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def run_in_pty(cmd: list[str]) -> tuple[float, int, bytes]:
    """Run ``cmd`` with stdout and stderr on a pseudo-terminal; (seconds, status, output)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # 120 columns, as a terminal has
    out = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            out.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    status = proc.wait()
    secs = time.perf_counter() - t0
    reader.join(5)
    os.close(master)
    return secs, status, bytes(out)


def bar_cpu(docs: int = 40_008, total: int = 25_084_885) -> dict[str, float]:
    """CPU time of the bar's own work in one run of ``docs`` documents: ``index``
    calls ``progress`` every 100 documents; here every call draws the bar (the
    worst case: tqdm draws at most every 0.2 s). Wall time on a loaded machine
    cannot resolve 2%; this can."""
    from arsearch.sources import Reporter

    out: dict[str, float] = {}
    with open(os.devnull, "w") as sink:
        for mode in ("bar", "none"):
            reporter = Reporter(sink, mode=mode)
            pos = [0]
            reporter.start(total, lambda: pos[0], files=1)
            if reporter._bar is not None:
                reporter._bar.mininterval = 0
            calls = docs // 100
            t0 = time.process_time()
            for i in range(1, calls + 1):
                pos[0] = i * total // calls
                reporter.progress(i * 100)
            reporter.committing()
            reporter.finish(docs, 1, docs, 0)
            out[mode] = time.process_time() - t0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arg(parser)
    parser.add_argument("--engine", default="tantivy", choices=["whoosh", "tantivy"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cpu-only", action="store_true", help="only measure the bar's CPU time (bar_cpu)")
    args = parser.parse_args()
    cpu = bar_cpu()
    print(f"the bar's own CPU time for 40,008 documents, drawn at every call: {cpu['bar'] * 1000:.1f} ms "
          f"(--progress none: {cpu['none'] * 1000:.2f} ms)")
    if args.cpu_only:
        return
    news = require(args.data / "news" / "ant-news.jsonl.gz", "the news articles")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-progress-") as tmp:
        for r in range(args.rounds):
            for mode in ("bar", "none"):
                ix = Path(tmp) / f"ix-{r}-{mode}"
                cmd = [sys.executable, "-m", "arsearch", "index", "--engine", args.engine, "--progress", mode, str(ix), str(news)]
                before = load()
                secs, status, out = run_in_pty(cmd)
                if status != 0:
                    sys.exit(f"{' '.join(cmd)} failed ({status}):\n{out.decode(errors='replace')[-2000:]}")
                summary = [line for line in out.decode(errors="replace").splitlines() if line.strip().startswith("indexed")]
                rows.append({"round": r + 1, "progress": mode, "seconds": round(secs, 2), "load": before,
                             "bytes_written": len(out), "summary": summary[-1].strip() if summary else ""})
                print(f"round {r + 1}  {mode:4}  {secs:8.2f} s  load {before:.2f}  output {len(out):,} bytes", flush=True)
    med = {m: statistics.median(row["seconds"] for row in rows if row["progress"] == m) for m in ("bar", "none")}
    cost = med["bar"] / med["none"] - 1
    print()
    print("| progress | median s | runs (s) |")
    print("|---|---|---|")
    for m in ("bar", "none"):
        runs = ", ".join(f"{row['seconds']:.1f}" for row in rows if row["progress"] == m)
        print(f"| {m} | {med[m]:.2f} | {runs} |")
    print(f"\nbar cost: {cost:+.2%} of the run time (median vs median)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"engine": args.engine, "input": str(news.name), "rounds": args.rounds, "runs": rows,
              "median_s": med, "bar_cost": cost, "bar_cpu_s": cpu}
    (RESULTS / "progress.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
