"""`tickertone demo` on hostile input and at its edges (issue #22, item 9): headlines are text,
not rich markup; only a directory the demo made is emptied; the broker stops even when the
worker hangs on exit."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from rich.console import Console

from streams.cli.demo import MARKER, DemoError, DemoView, _fresh_demo_dir, stop_children

HOSTILE = ["Shares [/] fall", "[bold]not bold[/bold] and [link=http://x]y[/link]", "[/", "\\[red]"]


def _render(view: DemoView) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(view.render())
    return console.export_text()


def test_headlines_and_fields_with_markup_render_as_text() -> None:
    view = DemoView()
    for i, headline in enumerate(HOSTILE):
        view.add("alerts", orjson.dumps({"ticker": f"T[/]{i}", "as_of": "x", "severity": "critical",
                                         "reason": "story_score", "event_type": "[/]", "headlines": [headline]}))
    view.add("signals", orjson.dumps({"ticker": "[/]", "as_of": "[b]", "session": "s", "score_fast": -0.5,
                                      "score_slow": 0.0, "zscore": None, "buzz": 1.0, "n_events": 1}))
    text = _render(view)  # MarkupError ("closing tag '[/]' ... has nothing to close") before
    assert "Shares [/] fall" in text
    assert "[bold]not bold[/bold]" in text


def test_a_new_directory_is_created_and_marked(tmp_path: Path) -> None:
    data = _fresh_demo_dir(tmp_path / "a" / "demo")
    assert data.is_dir() and (data / MARKER).is_file()


def test_an_empty_directory_is_used_not_removed(tmp_path: Path) -> None:
    data = tmp_path / "empty"
    data.mkdir()
    inode = data.stat().st_ino
    assert _fresh_demo_dir(data) == data
    assert data.stat().st_ino == inode  # the very directory, not a new one in its place


def test_a_directory_the_demo_did_not_make_is_never_touched(tmp_path: Path) -> None:
    data = tmp_path / "home"
    (data / "docs").mkdir(parents=True)
    (data / "notes.txt").write_text("keep me")
    with pytest.raises(DemoError, match="not made by the demo"):
        _fresh_demo_dir(data)
    assert (data / "notes.txt").read_text() == "keep me" and (data / "docs").is_dir()


def test_a_marker_that_is_a_link_or_a_directory_does_not_count(tmp_path: Path) -> None:
    data = tmp_path / "linked"
    data.mkdir()
    (data / "precious").write_text("keep me")
    real = tmp_path / "real-marker"
    real.write_text("x")
    (data / MARKER).symlink_to(real)
    with pytest.raises(DemoError):
        _fresh_demo_dir(data)
    assert (data / "precious").exists()


def test_a_link_or_a_file_as_the_directory_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (target / MARKER).write_text("made by `tickertone demo`")
    (target / "kept").write_text("x")
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(DemoError, match="not a directory"):
        _fresh_demo_dir(link)
    plain = tmp_path / "file"
    plain.write_text("x")
    with pytest.raises(DemoError, match="not a directory"):
        _fresh_demo_dir(plain)
    assert (target / "kept").exists() and plain.exists()


def test_a_directory_the_demo_made_is_emptied(tmp_path: Path) -> None:
    data = _fresh_demo_dir(tmp_path / "demo")
    (data / "kafka" / "logs").mkdir(parents=True)
    (data / "worker.log").write_text("old run")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "kept").write_text("x")
    (data / "link-out").symlink_to(outside)
    assert _fresh_demo_dir(data) == data
    assert sorted(p.name for p in data.iterdir()) == [MARKER]
    assert (outside / "kept").exists()  # a link inside is removed, not followed


class FakeBroker:
    stopped = False

    def stop(self) -> None:
        self.stopped = True


def test_the_broker_stops_when_the_worker_ignores_sigterm() -> None:
    # A "worker" that ignores SIGTERM and sleeps: it hangs on exit.
    hanging = subprocess.Popen(
        [sys.executable, "-c", f"import signal, time; signal.signal({int(signal.SIGTERM)}, signal.SIG_IGN); "
         "print('ready', flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE,
    )
    assert hanging.stdout is not None and hanging.stdout.readline().strip() == b"ready"
    broker = FakeBroker()
    started = time.monotonic()
    stop_children(hanging, broker, grace_s=1.0)
    assert broker.stopped
    assert hanging.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 30


def test_the_broker_stops_even_when_stopping_the_worker_fails() -> None:
    class Broken:
        def terminate(self) -> None:
            raise OSError("gone")

    broker = FakeBroker()
    with pytest.raises(OSError):
        stop_children(Broken(), broker)  # type: ignore[arg-type]
    assert broker.stopped
