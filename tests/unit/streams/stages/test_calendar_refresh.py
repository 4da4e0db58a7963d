"""A long-running worker keeps placing today's news: the exchange calendars are rebuilt before
their horizon runs out (issue #22, item 8). Run on a 20-day horizon with a fake clock, so the
worker's "year" passes in a test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from schemas import NewsItem, Phase
from schemas.errors import InvalidMessage, Reason
from streams.stages.exchange_time import Calendars, ExchangeMap, session_closes, stamp, stamp_story

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now.timestamp()


def _calendars(clock: FakeClock) -> Calendars:
    return Calendars(horizon=timedelta(days=20), refresh_before=timedelta(days=5), clock=clock)


def test_stamping_keeps_working_past_the_first_horizon() -> None:
    clock = FakeClock(START)
    calendars = _calendars(clock)
    assert stamp(START, "XNYS", calendars).session == date(2026, 3, 2)
    assert calendars.builds == 1
    # Without a refresh the calendar would end on 2026-03-22: 100 days on it places nothing.
    for days in range(1, 101):
        clock.now = START + timedelta(days=days)
        placed = stamp(clock.now, "XNYS", calendars)
        assert placed.session >= clock.now.date()
    # Rebuilt every horizon - refresh_before (15 days), never on every call.
    assert 100 // 15 <= calendars.builds - 1 <= 100 // 15 + 1


def test_the_calendar_still_ends_at_its_horizon() -> None:
    clock = FakeClock(START)
    calendars = _calendars(clock)
    with pytest.raises(InvalidMessage) as raised:
        stamp(START + timedelta(days=40), "XNYS", calendars)
    assert raised.value.reason is Reason.UNPLACEABLE_TIME


def test_stamp_story_and_session_closes_use_the_refreshed_calendar() -> None:
    clock = FakeClock(START)
    calendars = _calendars(clock)
    later = START + timedelta(days=60)  # Friday 2026-05-01, 12:00 UTC: 08:00 New York
    clock.now = later
    item = NewsItem(id="a", published_at=later, headline="Apple falls", tickers=("AAPL",))
    stamped = stamp_story(item, ExchangeMap(), received_at=later, calendars=calendars)
    assert stamped.stamps[0].session == date(2026, 5, 1) and stamped.stamps[0].phase is Phase.PRE_MARKET
    closes = session_closes("XNYS", date(2026, 4, 27), date(2026, 5, 1), calendars)
    assert [session for session, _ in closes] == [date(2026, 4, 27) + timedelta(days=d) for d in range(5)]


def test_a_refresh_margin_beyond_the_horizon_is_refused() -> None:
    with pytest.raises(ValueError, match="refresh_before"):
        Calendars(horizon=timedelta(days=5), refresh_before=timedelta(days=5))


def test_warm_builds_each_exchange_once_before_any_story() -> None:
    clock = FakeClock(START)
    calendars = _calendars(clock)
    exchanges = ExchangeMap({"AAPL": "XNAS", "IBM": "XNYS", "MSFT": "XNAS"}, default_mic="XNYS").exchanges()
    assert exchanges == {"XNAS", "XNYS"}
    calendars.warm(sorted(exchanges))
    assert calendars.builds == 2
    stamp(START, "XNAS", calendars)
    stamp(START, "XNYS", calendars)
    assert calendars.builds == 2  # stamping used the warmed schedules
