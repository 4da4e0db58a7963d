"""End-to-end latency of one worker: news.raw record -> signals.ticker record, at a fixed rate.

For each tree (this checkout, and `--baseline` checkouts to compare, e.g. main as of a date)
and each rate: fresh topics on one embedded broker, one `tickertone worker` with every stage
(the tree's own code and bundled model, on this machine's cores), then `tickertone replay` of
the first `rate x seconds` stories of the bundled sample at `--rate`. A story's latency is the
timestamp of its first TickerSignal minus the timestamp of its news.raw record (both stamped
by the producers, on one clock); p50/p90/p99/max over the stories that produced a signal, less
those sent in the first `--warmup` seconds. A worker that cannot keep up shows a p99 that grows
with the run's length. An unmeasured run first (`--broker-warmup` seconds) warms the broker's JVM,
so that the first measured run does not pay for it alone. The broker and the replay share the machine's cores with the worker.

    .venv/bin/python benchmarks/bench_e2e.py --rates 30,100 --seconds 60 --baseline /tmp/main

With `--profile DIR`, py-spy (`--py-spy`, not a project dependency) samples the worker while the
replay runs (`py-spy record --idle --threads`, `--profile-format`: raw collapsed stacks for
`benchmarks/spy_summary.py`, or speedscope / chrometrace for time order).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson
from bench_state import _free_port, topic_partitions
from kafka import KafkaConsumer

from streams.broker import EmbeddedBroker

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "streams" / "sample" / "benzinga_headlines.csv"
TOPICS = ("RAW", "DEADLETTER", "NORMALIZED", "SCORED", "SIGNALS", "ALERTS", "LATEST")


def first_rows(n: int, out: Path) -> int:
    """The first `n` stories of the sample (header kept) into `out`; returns how many."""
    with SAMPLE.open(newline="", encoding="utf-8") as src, out.open("w", newline="", encoding="utf-8") as dst:
        reader = csv.reader(src)
        writer = csv.writer(dst)
        writer.writerow(next(reader))
        count = 0
        for row in reader:
            if count == n:
                break
            writer.writerow(row)
            count += 1
    return count


def read_topic(bootstrap: str, topic: str) -> list[tuple[int, bytes]]:
    """(timestamp ms, value) of every record now in `topic`."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    parts = topic_partitions(consumer, topic, time.monotonic() + 60)
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    end = consumer.end_offsets(parts)
    out: list[tuple[int, bytes]] = []
    while any(consumer.position(tp) < end[tp] for tp in parts):
        for records in consumer.poll(timeout_ms=500).values():
            out.extend((r.timestamp, r.value) for r in records)
    consumer.close()
    return out


def start_profile(py_spy: str, pid: int, seconds: float, out: Path, fmt: str) -> subprocess.Popen[bytes]:
    """`py-spy record` of process `pid` for `seconds` at 100 samples/s into `out`, every thread,
    idle ones too (the event loop's wait shows as such), each sample under its thread id."""
    command = [py_spy, "record", "-p", str(pid), "-r", "100", "-d", str(max(1, round(seconds))), "-f", fmt, "-o", str(out)]
    return subprocess.Popen([*command, "--idle", "--threads"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run_once(
    tree: Path, bootstrap: str, rate: int, seconds: float, work: Path, drain_s: float, warmup_s: float,
    dump: Path | None = None, profile: tuple[str, Path, str] | None = None,
) -> dict[str, float]:
    """One worker of `tree` at `rate` stories/s; latencies of the stories sent in the first
    `warmup_s` are left out (the worker's first batches load and warm the model); with `dump`,
    also write every story's `raw timestamp ms,latency ms` there, in sending order (and the
    worker's log beside it); with
    `profile` (py-spy binary, output file, format), sample the worker while the replay runs."""
    prefix = f"e2e-{tree.name}-{rate}-{int(time.time())}-"
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        **{f"TICKERTONE_TOPICS__{key}": f"{prefix}{key.lower()}" for key in TOPICS},
        "TICKERTONE_BROKER": f"kafka://{bootstrap}", "TICKERTONE_APP_ID": f"{prefix}app",
        "TICKERTONE_DATA_DIR": str(work / f"{prefix}state"), "TICKERTONE_METRICS__PORT": str(_free_port()),
        "TICKERTONE_HTTP__PORT": str(_free_port()),
    }
    stories = first_rows(int(rate * seconds), work / f"{prefix}stories.csv")
    log_path = work / f"{prefix}worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "streams", "worker"], env=env, cwd=tree, stdout=log, stderr=subprocess.STDOUT
        )
        spy: subprocess.Popen[bytes] | None = None
        try:
            deadline = time.monotonic() + 180
            while "Ready" not in log_path.read_text(errors="replace"):
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker of {tree} not ready:\n{log_path.read_text(errors='replace')[-3000:]}")
                time.sleep(0.5)
            if profile:
                spy = start_profile(profile[0], worker.pid, seconds, profile[1], profile[2])
            replay = [sys.executable, "-m", "streams", "replay", str(work / f"{prefix}stories.csv"), "--rate", str(rate)]
            subprocess.run([*replay, "--no-progress"], env=env, cwd=tree, check=True, capture_output=True)
            time.sleep(drain_s)  # stories still in the pipe when the replay ends
            if spy is not None:
                _, err = spy.communicate(timeout=120)
                if spy.returncode != 0:
                    print(f"py-spy exited {spy.returncode}: {err.decode(errors='replace')[-2000:]}", file=sys.stderr)
        finally:
            if spy is not None and spy.poll() is None:
                spy.kill()
            worker.terminate()
            worker.wait(60)
    sent = {orjson.loads(value)["id"]: ts for ts, value in read_topic(bootstrap, f"{prefix}raw")}
    first_signal: dict[str, int] = {}
    for ts, value in read_topic(bootstrap, f"{prefix}signals"):
        news_id = orjson.loads(value)["news_id"]
        first_signal[news_id] = min(ts, first_signal.get(news_id, ts))
    pairs = sorted((sent[i], first_signal[i] - sent[i]) for i in first_signal if i in sent)
    start = pairs[0][0] if pairs else 0
    latencies = np.array([latency for t, latency in pairs if t - start >= warmup_s * 1000], dtype=float)
    if dump is not None:
        dump.write_text("".join(f"{t},{latency}\n" for t, latency in pairs))
        dump.with_suffix(".worker.log").write_bytes(log_path.read_bytes())
    return {
        "stories": stories, "measured": len(latencies),
        "p50_ms": float(np.percentile(latencies, 50)), "p90_ms": float(np.percentile(latencies, 90)),
        "p99_ms": float(np.percentile(latencies, 99)),
        "max_ms": float(latencies.max()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rates", default="30,100", help="stories/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=60.0, help="replay length per run")
    parser.add_argument("--drain", type=float, default=20.0, help="seconds to wait after the replay ends")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of stories left out of the figures at the start")
    parser.add_argument("--baseline", type=Path, action="append", default=[], help="another checkout to run the same way")
    parser.add_argument("--dump", type=Path, help="a directory: write each run's per-story latencies there as CSV")
    parser.add_argument("--profile", type=Path, help="a directory: py-spy each run's worker during the replay, output there")
    parser.add_argument("--profile-format", default="raw", choices=("raw", "speedscope", "chrometrace"), help="py-spy output")
    parser.add_argument("--py-spy", default="py-spy", help="the py-spy binary (not a project dependency)")
    parser.add_argument(
        "--broker-warmup", type=float, default=30.0,
        help="seconds of an unmeasured first run (this tree, the first rate) before the measured ones; 0: none",
    )
    args = parser.parse_args()
    trees = [REPO, *args.baseline]
    rates = [int(r) for r in args.rates.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = EmbeddedBroker(work / "kafka", port=_free_port())
        bootstrap = broker.start()
        try:
            if args.broker_warmup > 0:
                # A fresh broker's JVM compiles its hot paths during the first minute under load:
                # without this, the first measured run (always this tree's) pays for it alone.
                warm = run_once(REPO, bootstrap, rates[0], args.broker_warmup, work, 5.0, 0.0)
                print(f"broker warm-up (not measured): {warm}", flush=True)
            for rate in rates:
                for tree in trees:
                    dump = args.dump / f"{tree.name}-{rate}.csv" if args.dump else None
                    ext = {"raw": "txt", "speedscope": "json", "chrometrace": "json"}[args.profile_format]
                    profile = (
                        (args.py_spy, args.profile / f"{tree.name}-{rate}.{ext}", args.profile_format) if args.profile else None
                    )
                    result = run_once(tree, bootstrap, rate, args.seconds, work, args.drain, args.warmup, dump, profile)
                    rows.append((tree, rate, result))
                    print(tree, rate, result, flush=True)
        finally:
            broker.stop()
    print("\n| tree | rate /s | stories | measured | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for tree, rate, r in rows:
        cells = (tree, rate, r["stories"], r["measured"], *(f"{r[k]:,.0f}" for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms")))
        print("| " + " | ".join(map(str, cells)) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
