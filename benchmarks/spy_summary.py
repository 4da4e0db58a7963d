"""Where a worker's time went: a summary of `py-spy record -f raw --threads --idle` output.

`bench_e2e.py --profile DIR` writes such a file. Each sample is put in the category of the
innermost frame of its stack that matches one of `CATEGORIES` (so a stage's own time is
separate from the inference, serialisation or Kafka code it calls), per thread; then the
inclusive share of each tickertone module (a sample counts once however many of its frames are
in the module), the shares of a few Kafka client entry points, and the top self functions (idle waits left out).

    .venv/bin/python benchmarks/spy_summary.py /tmp/spy/wt-100.txt --top 15

Caveats: py-spy samples wall-clock time, so a thread that is runnable but waiting for a core
shows in whatever frame it stopped (on a machine with more work than cores, often a socket send
that woke another process); `Scorer.logits`'s own lines are the Rust tokenizer's
`encode_batch` (its only native call).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

SERIALISATION = ("(schemas/", "orjson", "(json/", "(faust/serializers/")
# (category, test on one frame "func (path:line)"), tried in order on each frame from the leaf up.
CATEGORIES: list[tuple[str, Callable[[str], bool]]] = [
    ("idle: event loop wait (epoll)", lambda f: "(selectors.py:" in f),
    ("idle: executor queue wait", lambda f: f.startswith("_worker (concurrent/futures/thread.py")),
    ("idle: thread wait (lock/sleep)", lambda f: f.startswith(("Condition.wait", "Event.wait", "Thread.join"))),
    ("inference: onnxruntime run", lambda f: "(onnxruntime/" in f),
    ("inference: tokenization", lambda f: f.startswith("Scorer.logits (inference/scorer.py")),
    ("inference: scorer python (batching, softmax)", lambda f: "(inference/" in f),
    ("json/schema: schemas/, orjson, faust serializers", lambda f: any(s in f for s in SERIALISATION)),
    ("tickertone stages", lambda f: "(streams/stages/" in f),
    ("tickertone kafka glue (streams/kafka)", lambda f: "(streams/kafka/" in f),
    ("socket I/O (asyncio transport send/recv)", lambda f: "(asyncio/selector_events.py:" in f),
    ("aiokafka producer", lambda f: "(aiokafka/producer/" in f),
    ("aiokafka consumer/fetcher", lambda f: "(aiokafka/consumer/" in f),
    ("aiokafka protocol/client", lambda f: "(aiokafka/" in f),
    ("faust/mode", lambda f: any(s in f for s in ("(faust/", "(mode/"))),
    ("asyncio loop", lambda f: "(asyncio/" in f),
]
ENTRY_POINTS = ("Sender._send_produce_req", "AIOKafkaProducer.send", "Fetcher.", "send_batches", "publish_then_record")


def frame_path(frame: str) -> str:
    match = re.search(r"\(([^():]+):\d+\)$", frame)
    return match.group(1) if match else ""


def category(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, test in CATEGORIES:
            if test(frame):
                return name
    top = frame_path(frames[-1]).split("/")[0] or frames[-1]
    return f"other: {top}"


def summarise(path: Path, top: int) -> str:
    by_thread: dict[str, Counter[str]] = defaultdict(Counter)
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        thread, *frames = stack.split(";")
        if not frames:
            continue
        total += n
        kind = category(frames)
        by_thread[re.sub(r"^thread \(\d+\): ", "", thread) or thread][kind] += n
        if not kind.startswith("idle:"):
            self_time[re.sub(r":\d+\)$", ")", frames[-1])] += n
        modules = {p for p in map(frame_path, frames) if p.startswith(("streams/stages/", "streams/kafka/", "inference/"))}
        modules |= {e for e in ENTRY_POINTS if any(f.startswith(e) for f in frames)}
        inclusive.update(dict.fromkeys(modules, n))
    out = [f"{path}: {total} samples"]
    for thread, cats in sorted(by_thread.items(), key=lambda kv: -sum(kv[1].values())):
        n = sum(cats.values())
        out += ["", f"## {thread}: {n} samples ({n / total:.1%} of all)"]
        out += ["| category | samples | share of thread |", "|---|---:|---:|"]
        out += [f"| {c} | {k} | {k / n:.1%} |" for c, k in cats.most_common()]
    out += ["", "## inclusive (all threads)", "| module or entry point | samples | share of all |", "|---|---:|---:|"]
    out += [f"| {m} | {k} | {k / total:.1%} |" for m, k in inclusive.most_common()]
    out += ["", f"## top {top} self (leaf) functions, idle waits left out"]
    out += ["| function | samples | share of all |", "|---|---:|---:|"]
    out += [f"| {f} | {k} | {k / total:.1%} |" for f, k in self_time.most_common(top)]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("raw", type=Path, help="py-spy raw (collapsed stacks) output, recorded with --threads")
    parser.add_argument("--top", type=int, default=15, help="how many self functions to list")
    args = parser.parse_args()
    print(summarise(args.raw, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
