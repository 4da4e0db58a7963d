"""The HTTP query bodies (streams/serve/http.py) from a state: decayed to now through the state
stage's `read_at`, valid against schemas/http/, and keys placed where the producers put them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from aiokafka.partitioner import DefaultPartitioner

from streams.serve.http import owner_partition, state_view
from streams.settings import Settings
from streams.stages.state import StateEvent, TickerState, apply, read
from support.http_schemas import HTTP_SCHEMAS, http_validator


def _state() -> TickerState:
    cfg = Settings().state
    state = TickerState()
    for i, score in enumerate([0.4, -0.9, 0.2]):
        t = datetime(2026, 3, 2, 14, tzinfo=UTC) + timedelta(minutes=10 * i)
        event = StateEvent(f"n{i}", "AAPL", t.timestamp(), date(2026, 3, 2), "regular", score, 0.9, 1.0, f"h{i}")
        state, _ = apply(state, event, cfg)
    return state


def test_state_view_decays_exposure_and_buzz_and_keeps_the_scores() -> None:
    settings = Settings()
    state = _state()
    at_story = read(state, settings.state)
    latest = datetime(2026, 3, 2, 14, 20, tzinfo=UTC)
    two_hours_later = state_view("AAPL", state, settings, latest + timedelta(hours=2))
    assert two_hours_later["score_fast"] == at_story.score_fast and two_hours_later["n_events"] == 3
    assert abs(two_hours_later["exposure"] - at_story.exposure * 0.25) < 1e-12  # two fast half-lives
    assert abs(two_hours_later["buzz"] - at_story.buzz * 0.25) < 1e-12
    assert two_hours_later["state_time"] == "2026-03-02T14:20:00Z"
    earlier = state_view("AAPL", state, settings, latest - timedelta(hours=1))  # a clock behind the news
    assert earlier["as_of"] == earlier["state_time"] and earlier["exposure"] == at_story.exposure
    assert list(http_validator("ticker_state").iter_errors(two_hours_later)) == []
    empty = state_view("NEW", TickerState(), settings, latest)
    assert empty["state_time"] is None and list(http_validator("ticker_state").iter_errors(empty)) == []


def test_every_http_schema_is_valid_and_listed() -> None:
    assert HTTP_SCHEMAS == ["alert_list", "error", "health", "ticker_ranking", "ticker_state"]
    for name in HTTP_SCHEMAS:
        http_validator(name)


def test_owner_partition_is_the_producers_partition() -> None:
    partitioner = DefaultPartitioner()
    for ticker in ["AAPL", "MSFT", "T00", "BRK.B", "X"]:
        key = ticker.encode()
        assert owner_partition(key, 4) == partitioner(key, [0, 1, 2, 3], [0, 1, 2, 3])
