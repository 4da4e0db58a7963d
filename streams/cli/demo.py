"""`tickertone demo`: the one-command local run.

Starts the embedded broker and a worker (child processes), replays the bundled sample
(headlines plus a few malformed messages) and shows signals, alerts and counts live in the
terminal until Ctrl-C or `--duration` seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from kafka import KafkaConsumer
from rich.console import Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from schemas.errors import TickertoneError
from streams.broker import EmbeddedBroker
from streams.cli.replay import replay
from streams.kafka.admin import ensure_topics
from streams.settings import CONFIG_ENV, Settings

__all__ = ["run_demo", "DemoView", "stop_children"]

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample"
# Written into the demo directory when the demo creates it: only such a directory is emptied.
MARKER = ".tickertone-demo"
SAMPLES = (SAMPLE_DIR / "malformed.jsonl", SAMPLE_DIR / "benzinga_headlines.csv")


@dataclass
class DemoView:
    """What the live view shows, folded from the output topics.

    Written by the follower and feeder threads while the main thread renders it: every access
    holds `_lock`, and `render` works on a snapshot (iterating a deque another thread appends to
    raises)."""

    signals: dict[str, dict[str, Any]] = field(default_factory=dict)
    alerts: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=8))
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("sent", "dead letters", "signals", "alerts"), 0))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, kind: str, value: bytes) -> None:
        """Fold one output message into the view."""
        record = orjson.loads(value)
        with self._lock:
            if kind == "signals":
                self.signals[record["ticker"]] = record
            elif kind == "alerts":
                self.alerts.appendleft(record)
            self.counts[kind] += 1

    def count_sent(self, n: int) -> None:
        """Add `n` replayed stories to the "sent" count."""
        with self._lock:
            self.counts["sent"] += n

    def render(self) -> Group:
        """The terminal view: counts, the most active tickers, the latest alerts."""
        with self._lock:
            totals, signals, latest = dict(self.counts), list(self.signals.values()), list(self.alerts)
        counts = Table.grid(padding=(0, 3))
        counts.add_row(*(f"[bold]{name}[/] {value:,}" for name, value in totals.items()))
        movers = Table(title="signals (latest per ticker, most stories first)", expand=True)
        for column in ("ticker", "as of", "session", "fast", "slow", "z", "buzz", "stories"):
            movers.add_column(column, justify="right" if column not in ("ticker", "as of") else "left")
        for s in sorted(signals, key=lambda s: -s["n_events"])[:15]:
            style = "red" if s["score_fast"] < -0.2 else "green" if s["score_fast"] > 0.2 else ""
            movers.add_row(
                _text(s["ticker"]),
                _text(s["as_of"]),
                _text(s["session"]),
                f"[{style}]{s['score_fast']:+.3f}[/]" if style else f"{s['score_fast']:+.3f}",
                f"{s['score_slow']:+.3f}", f"{s['zscore'] or 0:+.2f}", f"{s['buzz']:.1f}", str(s["n_events"]),
            )
        alerts = Table(title="alerts (newest first)", expand=True)
        for column in ("ticker", "as of", "severity", "rule", "event", "headline"):
            alerts.add_column(column)
        for a in latest:
            colour = "bold red" if a["severity"] == "critical" else "yellow"
            headline = (a["headlines"] or [""])[0][:70]
            alerts.add_row(
                _text(a["ticker"]), _text(a["as_of"]), f"[{colour}]{_text(a['severity'])}[/]", _text(a["reason"]),
                _text(a.get("event_type", "")), _text(headline),
            )
        return Group(counts, movers, alerts)


def _text(value: object) -> str:
    """A record's text as rich shows it literally: `[/]` or `[bold]` in a headline (from the feed)
    is text, not markup (unescaped, a stray `[/]` raised MarkupError and ended the demo)."""
    return escape(str(value))


def _follow(bootstrap: str, topics: dict[str, str], view: DemoView, stop: threading.Event) -> None:
    consumer = KafkaConsumer(
        *topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None, enable_auto_commit=False
    )
    try:
        while not stop.is_set():
            for tp, records in consumer.poll(timeout_ms=200).items():
                for record in records:
                    view.add(topics[tp.topic], record.value)
    finally:
        consumer.close()


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops the demo like Ctrl-C does: the worker and the broker go with it."""
    raise KeyboardInterrupt


def _fresh_demo_dir(data: Path) -> Path:
    """`data`, ready and empty: created when missing, used as it is when an empty directory,
    emptied when the demo made it (it holds the `MARKER` file); `DemoError` for anything else
    (a directory with other content, a file, a link). The demo never deletes what it did not
    create: only a marked directory's content is removed, never the directory named itself."""
    data = data.expanduser().absolute()
    if data.is_symlink() or (data.exists() and not data.is_dir()):
        raise DemoError(f"{data} is not a directory: pass --dir with a new or empty directory")
    if data.exists() and any(data.iterdir()):
        marker = data / MARKER
        if marker.is_symlink() or not marker.is_file():
            raise DemoError(f"{data} exists and was not made by the demo: pass --dir with a new or empty directory")
        for child in data.iterdir():  # each demo starts from an empty broker and state
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    data.mkdir(parents=True, exist_ok=True)
    (data / MARKER).write_text("made by `tickertone demo`; emptied by the next demo run\n")
    return data


def stop_children(worker: subprocess.Popen[bytes], broker: Any, grace_s: float = 60.0) -> None:
    """Stop the worker (SIGTERM, then SIGKILL after `grace_s`), then the broker, whatever the
    worker does: a worker that hangs on exit no longer leaves the broker running."""
    try:
        worker.terminate()
        try:
            worker.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            print(f"worker did not stop within {grace_s:g} s; killing it", file=sys.stderr, flush=True)
            worker.kill()
            worker.wait(timeout=30)
    finally:
        broker.stop()


class DemoError(TickertoneError):
    """The demo cannot start as asked; the message says what to change."""


def _start_worker(settings: Settings, args: argparse.Namespace, data: Path, bootstrap: str) -> subprocess.Popen[bytes]:
    from streams.kafka.app import topic_configs  # imports Faust and the agents: only here

    t = settings.topics
    # Before the follower and the replay ask for them: kafka-python logs an ERROR for each topic
    # missing from its first metadata, which a newcomer should not read as a failure. Created
    # with the worker's configs (a topic that exists keeps its own).
    ensure_topics(
        bootstrap, [t.raw, t.deadletter, t.signals, t.alerts], t.partitions, topic_configs(settings),
        replication_factor=t.replication_factor,
    )
    env = {
        **os.environ,
        "TICKERTONE_BROKER": f"kafka://{bootstrap}",
        "TICKERTONE_DATA_DIR": str(data / "worker"),
        "TICKERTONE_APP_ID": "tickertone-demo",
        # The sample's company names, so relevance can tell a story about a sample ticker.
        "TICKERTONE_STORY__SYMBOLS_CSV": str(SAMPLE_DIR / "symbols.csv"),
    }
    if args.config is not None:  # the worker reads the same file
        env[CONFIG_ENV] = str(args.config.absolute())
    worker_log = (data / "worker.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "streams", "worker"], env=env, stdout=worker_log, stderr=subprocess.STDOUT)


def run_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Broker + worker + replay + live view. Returns 0 after Ctrl-C or `--duration`."""
    data = _fresh_demo_dir(args.dir)
    broker = EmbeddedBroker(data / "kafka", port=args.port)
    print(f"starting Kafka on 127.0.0.1:{args.port} (data in {data}/kafka) ...", flush=True)
    bootstrap = broker.start()
    t = settings.topics
    try:
        worker = _start_worker(settings, args, data, bootstrap)
    except BaseException:
        broker.stop()
        raise
    print(f"worker started (log in {data}/worker.log); replaying the bundled sample at {args.rate:g}/s", flush=True)
    view = DemoView()
    stop = threading.Event()
    follower = threading.Thread(
        target=_follow,
        args=(bootstrap, {t.signals: "signals", t.alerts: "alerts", t.deadletter: "dead letters"}, view, stop),
        daemon=True,
    )
    follower.start()

    def feed() -> None:
        for path in SAMPLES:
            view.count_sent(replay(path, bootstrap, t.raw, rate=args.rate, progress=False, by_time=True, stop=stop))

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    deadline = time.monotonic() + args.duration if args.duration else None
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with Live(view.render(), refresh_per_second=4, screen=False) as live:
            while deadline is None or time.monotonic() < deadline:
                if worker.poll() is not None:
                    print(f"worker exited with code {worker.returncode}; see {data}/worker.log", file=sys.stderr)
                    return 1
                live.update(view.render())
                time.sleep(0.25)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop.set()
        feeder.join(timeout=30)  # the replay stops and its sends are acknowledged while Kafka runs
        stop_children(worker, broker)
    print(f"demo done: {view.counts}")
    return 0
