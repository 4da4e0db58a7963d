"""The demo's view is written by the follower and feeder threads while the main thread renders it.

A race, so a check by repetition: without `DemoView`'s lock this failed 5 of 5 runs here
(`make demo` ended with "deque mutated during iteration"); with it, no interleaving can fail."""

from __future__ import annotations

import threading

import orjson

from streams.cli.demo import DemoView

ALERT = orjson.dumps({"ticker": "AAPL", "as_of": "2024-01-02T14:30:00Z", "severity": "critical",
                      "reason": "story_score", "headlines": ["Apple falls"]})


def test_rendering_while_alerts_and_signals_arrive_never_fails() -> None:
    view, stop, errors = DemoView(), threading.Event(), []

    def follow() -> None:
        i = 0
        while not stop.is_set():
            view.add("alerts", ALERT)
            view.add("signals", orjson.dumps({"ticker": f"T{i % 500}", "as_of": "x", "session": "s",
                                              "score_fast": 0.0, "score_slow": 0.0, "zscore": None,
                                              "buzz": 1.0, "n_events": i}))
            i += 1

    follower = threading.Thread(target=follow)
    follower.start()
    try:
        for _ in range(5_000):
            try:
                view.render()
            except RuntimeError as error:  # "deque mutated during iteration" before the lock
                errors.append(error)
    finally:
        stop.set()
        follower.join()
    assert errors == []
    assert view.counts["alerts"] > 0 and len(view.alerts) == 8
