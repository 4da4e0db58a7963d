"""Exchange time: from a story's `published_at` to the session and phase it belongs to.

Sessions, holidays, early closes and time zones (DST) all come from exchange_calendars; this
module only adds the extended-hours windows and the rule for which session a story acts on.
"""

from __future__ import annotations

import csv
import time as wallclock
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import exchange_calendars as xcals

from schemas import NewsItem, NormalizedNews, Phase, TickerStamp
from schemas.errors import InvalidMessage, Reason

__all__ = [
    "BUNDLED_MAP", "CALENDAR_HORIZON", "CALENDAR_REFRESH_BEFORE", "DEFAULT_MIC", "Calendars", "ExchangeMap", "Stamp",
    "session_closes", "stamp", "stamp_story",
]

DEFAULT_MIC = "XNYS"
BUNDLED_MAP = Path(__file__).with_name("exchanges.csv")

# Extended hours in exchange-local wall-clock time (the US convention, applied to every MIC).
PRE_MARKET_START = time(4, 0)
AFTER_HOURS_END = time(20, 0)

# Calendars are built from here (the bundled sample starts in 2009) to `CALENDAR_HORIZON` past
# the day they are built, and rebuilt (`Calendars`) once the wall clock is within
# `CALENDAR_REFRESH_BEFORE` of that end: a worker that runs for years keeps placing today's news.
_CALENDAR_START = date(2000, 1, 1)
CALENDAR_HORIZON = timedelta(days=365)
CALENDAR_REFRESH_BEFORE = timedelta(days=30)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Stamp:
    """Where a UTC instant falls in one exchange's trading day."""

    session: date
    phase: Phase
    local_time: datetime
    exchange: str
    published_at_utc: datetime


def _micros(value: datetime) -> int:
    # Integer microseconds: exact, and bisect on ints is far cheaper than on datetimes.
    return (value - _EPOCH) // _MICROSECOND


@dataclass(frozen=True)
class _Schedule:
    """One calendar as sorted lists of UTC microseconds, one entry per session."""

    name: str
    tz: ZoneInfo
    sessions: list[date]
    opens: list[int]
    closes: list[int]
    pre_starts: list[int]  # 04:00 local on the open's date, never after the open
    after_ends: list[int]  # 20:00 local on the close's date, never before the close
    end: float  # the calendar's last day (midnight UTC) in epoch seconds


class Calendars:
    """The schedule of each MIC, built on first use to `horizon` past the clock's day and
    rebuilt when the clock comes within `refresh_before` of its end (a rebuild costs about
    0.1 s per MIC, once per `horizon - refresh_before`).

    `clock` gives epoch seconds (`time.time`; tests pass a fake one to run past a short
    horizon). `stamp` and `session_closes` use the module's `CALENDARS` unless given another.
    """

    def __init__(
        self,
        horizon: timedelta = CALENDAR_HORIZON,
        refresh_before: timedelta = CALENDAR_REFRESH_BEFORE,
        clock: Callable[[], float] = wallclock.time,
    ) -> None:
        if not timedelta(0) <= refresh_before < horizon:
            raise ValueError(f"need 0 <= refresh_before < horizon, got {refresh_before} and {horizon}")
        self.horizon = horizon
        self.refresh_before = refresh_before.total_seconds()
        self._clock = clock
        self._schedules: dict[str, _Schedule] = {}
        self.builds = 0  # schedules built so far (a test's and an operator's view of refreshes)

    def schedule(self, mic: str) -> _Schedule:
        """The schedule of `mic`, reaching at least `refresh_before` past the clock."""
        now = self._clock()
        found = self._schedules.get(mic)
        if found is None or now >= found.end - self.refresh_before:
            end = (datetime.fromtimestamp(now, UTC) + self.horizon).date()
            found = self._schedules[mic] = _build_schedule(mic, end)
            self.builds += 1
        return found

    def warm(self, mics: Iterable[str]) -> None:
        """Build the schedules of `mics` now. A worker calls it before it starts: a first build
        inside a stage would block the event loop, and with it every stage, for its ~0.1 s."""
        for mic in mics:
            self.schedule(mic)


def _build_schedule(mic: str, end: date) -> _Schedule:
    """The schedule of `mic` from `_CALENDAR_START` to `end` (building a calendar is slow)."""
    try:
        calendar = xcals.get_calendar(mic, start=_CALENDAR_START, end=end)
    except xcals.errors.InvalidCalendarName:
        raise InvalidMessage(Reason.UNKNOWN_EXCHANGE, f"no exchange calendar for MIC {mic!r}") from None
    except ValueError:
        # This calendar's holidays are recorded only from a later year: the library's default
        # start is then that first year.
        calendar = xcals.get_calendar(mic, end=end)
    tz = calendar.tz
    sessions, opens, closes, pre_starts, after_ends = [], [], [], [], []
    for label, open_, close in zip(
        calendar.sessions, calendar.opens.dt.to_pydatetime(), calendar.closes.dt.to_pydatetime(), strict=True
    ):
        open_us, close_us = _micros(open_), _micros(close)
        # combine() with the zone gives the wall-clock time, right on DST switch days too.
        pre = datetime.combine(open_.astimezone(tz).date(), PRE_MARKET_START, tzinfo=tz)
        after = datetime.combine(close.astimezone(tz).date(), AFTER_HOURS_END, tzinfo=tz)
        sessions.append(label.date())
        opens.append(open_us)
        closes.append(close_us)
        pre_starts.append(min(_micros(pre), open_us))
        after_ends.append(max(_micros(after), close_us))
    # Named as asked: XNAS shares the XNYS calendar (an alias there) but is its own exchange.
    end_s = datetime.combine(end, time(0), tzinfo=UTC).timestamp()
    return _Schedule(mic, tz, sessions, opens, closes, pre_starts, after_ends, end_s)


CALENDARS = Calendars()
"""The process's calendars: what `stamp`, `stamp_story` and `session_closes` use by default."""


def stamp(published_at: datetime, mic: str = DEFAULT_MIC, calendars: Calendars | None = None) -> Stamp:
    """Session and phase of `published_at` (aware) on the exchange `mic`.

    Phases, in exchange-local time: `pre_market` from 04:00 to the open, `regular` from the open
    to the close, `after_hours` from the close to 20:00 (from 13:00 on an early-close day),
    `closed` otherwise (20:00 to 04:00, and all day on weekends and holidays). A lunch break
    counts as `regular`: the session is still under way.

    Boundaries: each window includes its start and excludes its end. A story at exactly the
    open is `regular` for that session; at exactly the close it is `after_hours` and acts on
    the next session; 04:00 is `pre_market`, 20:00 is `closed`.

    `session` is the first session at which the story can be acted on: today's for
    `pre_market`, `regular`, and `closed` before 04:00 on a session day; the next session
    after the close, overnight, on weekends and on holidays.

    Raises `InvalidMessage`: `unknown_exchange` for a MIC exchange_calendars does not know,
    `unplaceable_time` outside the calendar (before its first session's pre-market or from its
    last close on: the calendar reaches `CALENDAR_HORIZON` past today, at least
    `CALENDAR_REFRESH_BEFORE`), `naive_time` for a naive datetime.
    """
    if published_at.utcoffset() is None:
        raise InvalidMessage(Reason.NAIVE_TIME, f"{published_at.isoformat()} has no UTC offset")
    schedule = (calendars or CALENDARS).schedule(mic)
    utc = published_at.astimezone(UTC)
    t = _micros(utc)
    i = bisect_right(schedule.closes, t)  # the first session not yet closed at t
    if i == len(schedule.closes) or (i == 0 and t < schedule.pre_starts[0]):
        raise InvalidMessage(
            Reason.UNPLACEABLE_TIME,
            f"{utc.isoformat()} is outside the {schedule.name} calendar "
            f"({schedule.sessions[0]} to {schedule.sessions[-1]})",
        )
    if t >= schedule.opens[i]:
        phase = Phase.REGULAR
    elif t >= schedule.pre_starts[i]:
        phase = Phase.PRE_MARKET
    elif i > 0 and t < schedule.after_ends[i - 1]:
        phase = Phase.AFTER_HOURS
    else:
        phase = Phase.CLOSED
    return Stamp(
        session=schedule.sessions[i],
        phase=phase,
        local_time=utc.astimezone(schedule.tz),
        exchange=schedule.name,
        published_at_utc=utc,
    )


def session_closes(
    mic: str, first: date, last: date, calendars: Calendars | None = None
) -> list[tuple[date, datetime]]:
    """The sessions of `mic` from `first` to `last` (both included) with their UTC closes.

    The same schedule `stamp` uses, so a story's `session` is the first of these whose close
    is after its `published_at`. Raises `InvalidMessage` (`unknown_exchange`) as `stamp` does.
    """
    schedule = (calendars or CALENDARS).schedule(mic)
    lo = bisect_left(schedule.sessions, first)
    hi = bisect_right(schedule.sessions, last)
    return [
        (schedule.sessions[i], _EPOCH + schedule.closes[i] * _MICROSECOND) for i in range(lo, hi)
    ]


@dataclass(frozen=True)
class ExchangeMap:
    """Which exchange (MIC) each ticker trades on; tickers not listed get `default_mic`.

    `mics` is keyed by upper-case ticker (`load` upper-cases the file's).
    """

    mics: Mapping[str, str] = field(default_factory=dict)
    default_mic: str = DEFAULT_MIC

    @classmethod
    def load(cls, path: Path | None = None, default_mic: str = DEFAULT_MIC) -> ExchangeMap:
        """Read a `ticker,mic` CSV (None: the bundled `streams/stages/exchanges.csv`).

        Blank lines and lines starting with `#` are skipped. Raises ValueError, naming the
        file and line, for a bad header, an unknown MIC or a ticker listed twice.
        """
        path = path or BUNDLED_MAP
        known = set(xcals.get_calendar_names())
        if default_mic not in known:
            raise ValueError(f"default MIC {default_mic!r} has no exchange calendar")
        mics: dict[str, str] = {}
        rows = _csv_rows(path)
        header = next(rows, None)
        if header is None or [cell.strip().lower() for cell in header[1]] != ["ticker", "mic"]:
            raise ValueError(f"{path}: the first row must be the header 'ticker,mic'")
        for line, cells in rows:
            if len(cells) != 2:
                raise ValueError(f"{path}:{line}: expected 'ticker,mic', got {cells!r}")
            ticker, mic = cells[0].strip().upper(), cells[1].strip()
            if mic not in known:
                raise ValueError(f"{path}:{line}: no exchange calendar for MIC {mic!r}")
            if ticker in mics:
                raise ValueError(f"{path}:{line}: ticker {ticker} is listed twice")
            mics[ticker] = mic
        return cls(mics, default_mic)

    def exchanges(self) -> frozenset[str]:
        """Every MIC a ticker can be placed on: those of the listed tickers and the default."""
        return frozenset(self.mics.values()) | {self.default_mic}

    def mic_for(self, ticker: str) -> str:
        """The MIC `ticker` trades on (matched case-insensitively)."""
        return self.mics.get(ticker.upper(), self.default_mic)


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if text.strip() and not text.lstrip().startswith("#"):
                yield number, next(csv.reader([text]))


def stamp_story(
    item: NewsItem, exchange_map: ExchangeMap, *, received_at: datetime, calendars: Calendars | None = None
) -> NormalizedNews:
    """`item` with one exchange-time stamp per ticker (tickers may trade on different exchanges).

    `received_at` (when the worker read the story) is used when the feed sent none of its own.
    Raises `InvalidMessage` as `stamp` does.
    """
    by_mic: dict[str, Stamp] = {}
    stamps = []
    for ticker in item.tickers:
        mic = exchange_map.mic_for(ticker)
        if mic not in by_mic:
            by_mic[mic] = stamp(item.published_at, mic, calendars)
        s = by_mic[mic]
        stamps.append(TickerStamp(ticker, s.exchange, s.session, s.phase, s.local_time))
    return NormalizedNews(
        id=item.id,
        published_at=item.published_at,
        published_at_utc=item.published_at.astimezone(UTC),
        headline=item.headline,
        tickers=item.tickers,
        received_at=item.received_at or received_at,
        ingested_at=received_at,
        stamps=tuple(stamps),
        body=item.body,
        source=item.source,
        language=item.language,
        url=item.url,
        extra=item.extra,
    )
