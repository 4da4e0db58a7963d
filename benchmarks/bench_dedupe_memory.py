"""The dedupe table at 7M story ids: resident memory and the longest event-loop hold of a purge.

Two layouts, each built in its own subprocess (so each RSS figure is that layout's alone):

- `buckets` (`seen-ids-v2`, `streams.kafka.seen_ids.SeenIds`): 12-byte entries packed into
  buckets, written through `SeenIds.remember` in batches of 500; the purge is `SeenIds.purge`.
- `per-id` (`seen-ids-v1`, main before this layout): one table entry per story id (the id as
  the key, the first-seen time as JSON), purged by listing every expired id in one pass.

Faust's in-memory store holds the encoded key and value bytes in a dict, which is what both
layouts use here. Ids are UUID strings, first seen evenly over the retention (7 days), and the
purge runs one hour past it, so a seventh of the ids leave. Loop hold: the longest gap between
two ticks of a task that does `await asyncio.sleep(0)` in a loop while the purge runs.

    .venv/bin/python benchmarks/bench_dedupe_memory.py --ids 7000000 --partitions 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

RETENTION_S = 7 * 24 * 3600.0
BATCH = 500


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


async def longest_hold(work: asyncio.Future[object]) -> float:
    """The longest the event loop went without running a ready task while `work` ran (s)."""
    longest, last = 0.0, time.perf_counter()
    while not work.done():
        await asyncio.sleep(0)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    await work
    return longest


def run_buckets(n: int, partitions: int) -> dict[str, float]:
    from streams.kafka.batches import key_partition
    from streams.kafka.seen_ids import SeenIds

    table: dict[bytes, bytes] = {}
    seen = SeenIds(table, partitions)
    base = rss_bytes()
    started = time.perf_counter()
    for start in range(0, n, BATCH):
        ids = [str(uuid.UUID(int=i)).encode() for i in range(start, min(start + BATCH, n))]
        seen.remember(((i, key_partition(i, partitions)) for i in ids), now=start / n * RETENTION_S)
    build_s = time.perf_counter() - started
    resident = rss_bytes() - base
    probe = [str(uuid.UUID(int=i)).encode() for i in range(0, n, max(n // 20000, 1))]
    started = time.perf_counter()
    found = sum(seen.first_seen(i, key_partition(i, partitions)) is not None for i in probe)
    lookup_s = (time.perf_counter() - started) / len(probe)
    assert found == len(probe)

    async def purge() -> tuple[float, float]:
        started = time.perf_counter()
        sweep = seen.purge(RETENTION_S + 3600.0, RETENTION_S, lambda: set(range(partitions)))
        hold = await longest_hold(asyncio.ensure_future(sweep))
        return hold, time.perf_counter() - started

    hold, purge_s = asyncio.run(purge())
    return {"rss_mb": resident / 2**20, "build_s": build_s, "lookup_us": lookup_s * 1e6,
            "purge_s": purge_s, "purge_hold_ms": hold * 1e3, "buckets": len(table)}


def run_per_id(n: int) -> dict[str, float]:
    table: dict[bytes, bytes] = {}
    base = rss_bytes()
    started = time.perf_counter()
    for i in range(n):
        table[str(uuid.UUID(int=i)).encode()] = json.dumps(1.7e9 + i / n * RETENTION_S).encode()
    build_s = time.perf_counter() - started
    resident = rss_bytes() - base

    async def purge() -> tuple[float, float]:
        async def sweep() -> None:  # main's purge_seen_ids: list every expired id, then delete
            now = 1.7e9 + RETENTION_S + 3600.0
            for key in [k for k, v in table.items() if now - json.loads(v) >= RETENTION_S]:
                del table[key]

        started = time.perf_counter()
        hold = await longest_hold(asyncio.ensure_future(sweep()))
        return hold, time.perf_counter() - started

    hold, purge_s = asyncio.run(purge())
    return {"rss_mb": resident / 2**20, "build_s": build_s, "purge_s": purge_s, "purge_hold_ms": hold * 1e3,
            "keys": len(table)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ids", type=int, default=7_000_000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--layout", choices=["buckets", "per-id"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.layout == "buckets":
        print(json.dumps(run_buckets(args.ids, args.partitions)))
        return
    if args.layout == "per-id":
        print(json.dumps(run_per_id(args.ids)))
        return
    results = {}
    for layout in ("per-id", "buckets"):
        out = subprocess.run(
            [sys.executable, __file__, "--ids", str(args.ids), "--partitions", str(args.partitions), "--layout", layout],
            check=True, capture_output=True, text=True,
        ).stdout
        results[layout] = json.loads(out.strip().splitlines()[-1])
    print(f"{args.ids:,} ids, {args.partitions} partitions")
    print("| layout | RSS of the table | build | purge (1/7 expire) | longest loop hold |")
    print("|---|---:|---:|---:|---:|")
    for layout, r in results.items():
        row = (layout, f"{r['rss_mb']:,.0f} MiB", f"{r['build_s']:.0f} s", f"{r['purge_s']:.1f} s",
               f"{r['purge_hold_ms']:,.1f} ms")
        print("| " + " | ".join(row) + " |")
    b = results["buckets"]
    print(f"buckets: {b['buckets']:,.0f}, lookup {b['lookup_us']:.1f} us/id; "
          f"memory ratio per-id/buckets {results['per-id']['rss_mb'] / b['rss_mb']:.1f}x")


if __name__ == "__main__":
    main()
