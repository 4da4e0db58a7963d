"""No look-ahead: a session-close sample holds only stories published before that close, and the
order of the input changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from streams.evaluate.report import write_report
from streams.evaluate.run import Options, evaluate
from streams.evaluate.sampling import sample_closes
from streams.evaluate.stories import load_news, score_events
from streams.settings import IngestSettings, ScoringSettings, StateSettings, StorySettings
from streams.stages.exchange_time import ExchangeMap, session_closes
from streams.stages.score import StoryContext
from support.evaluation import LAST, StubScorer, headline, news_rows, utc, write_news, write_prices

TUESDAY, WEDNESDAY = date(2024, 1, 16), date(2024, 1, 17)  # New York is UTC-5 in January
STORY = StoryContext.load(StorySettings(), ScoringSettings())


def _samples(
    tmp_path: Path, rows: list[tuple[datetime, str, str]], last: date = LAST, name: str = "news.csv"
) -> pd.DataFrame:
    exchange_map = ExchangeMap.load()
    news = load_news(write_news(tmp_path / name, rows), exchange_map, IngestSettings().max_message_bytes)
    events = score_events(news.stories, StubScorer(), STORY).events
    return sample_closes(events, exchange_map, StateSettings(), last).set_index(["ticker", "session"])


def _moved_sessions(before: pd.DataFrame, after: pd.DataFrame, ticker: str) -> list[date]:
    """Sessions of `ticker` whose sample differs between the two runs."""
    a, b = before.loc[ticker], after.loc[ticker]
    assert list(a.index) == list(b.index)
    return [session for session in a.index if not a.loc[session].equals(b.loc[session])]


@pytest.mark.parametrize("published", ["2024-01-16T21:00:00", "2024-01-16T21:05:00", "2024-01-17T01:00:00"])
def test_a_story_at_or_after_the_close_moves_only_the_next_sessions_sample(tmp_path: Path, published: str) -> None:
    base = news_rows()
    story = (utc(published), "AAA", headline("AAA", 99, -1.5))
    before, after = _samples(tmp_path, base), _samples(tmp_path, [*base, story])
    moved = _moved_sessions(before, after, "AAA")
    # It moves Wednesday's sample first (and later ones, through the decayed sums), never Tuesday's.
    assert moved[0] == WEDNESDAY and all(session >= WEDNESDAY for session in moved)
    assert after.loc[("AAA", WEDNESDAY), "stories"] == before.loc[("AAA", WEDNESDAY), "stories"] + 1
    assert after.drop(index="AAA").equals(before.drop(index="AAA"))


def test_a_story_at_092959_counts_for_that_days_session_and_not_the_day_before(tmp_path: Path) -> None:
    base = news_rows()
    story = (utc("2024-01-17T14:29:59"), "BBB", headline("BBB", 99, 0.5))  # 09:29:59 New York
    before, after = _samples(tmp_path, base), _samples(tmp_path, [*base, story])
    moved = _moved_sessions(before, after, "BBB")
    assert moved[0] == WEDNESDAY and all(session >= WEDNESDAY for session in moved)
    assert after.loc[("BBB", WEDNESDAY), "stories"] == before.loc[("BBB", WEDNESDAY), "stories"] + 1
    assert after.loc[("BBB", TUESDAY)].equals(before.loc[("BBB", TUESDAY)])


def test_an_early_close_moves_the_boundary(tmp_path: Path) -> None:
    # 2023-11-24 closed at 13:00 New York (18:00 UTC): a story at 13:30 acts on Monday the 27th.
    rows = [
        (utc("2023-11-22T15:00:00"), "AAA", headline("AAA", 0, 0.2)),
        (utc("2023-11-24T18:30:00"), "AAA", headline("AAA", 1, -1.2)),
    ]
    samples = _samples(tmp_path, rows, last=date(2023, 11, 28)).loc["AAA"]
    assert samples.loc[date(2023, 11, 24), "n_events"] == 1
    assert samples.loc[date(2023, 11, 27), "n_events"] == 2
    assert samples.loc[date(2023, 11, 24), "score_fast"] == pytest.approx(0.2)


def test_every_sample_equals_a_replay_of_only_the_stories_published_before_its_close(tmp_path: Path) -> None:
    rows = news_rows()
    full = _samples(tmp_path, rows)
    closes = session_closes("XNYS", date(2024, 1, 2), LAST)
    for session, close in closes[::4]:
        earlier = [row for row in rows if row[0] < close]
        cut = _samples(tmp_path, earlier, last=session, name="cut.csv")
        at_close = cut.xs(session, level="session")
        assert len(at_close) > 0
        pd.testing.assert_frame_equal(at_close, full.xs(session, level="session").loc[at_close.index])


def test_repeated_ids_count_once_and_bad_rows_are_set_aside(tmp_path: Path) -> None:
    rows = news_rows()
    exchange_map = ExchangeMap.load()
    noisy = write_news(tmp_path / "noisy.csv", [*rows, rows[3], rows[10], (rows[0][0], "", "no ticker +0.1")])
    news = load_news(noisy, exchange_map, IngestSettings().max_message_bytes)
    assert (news.records, len(news.stories), news.duplicates) == (len(rows) + 3, len(rows), 2)
    assert sum(news.dead_letters.values()) == 1
    assert _samples(tmp_path, [*rows, rows[3], rows[10]]).equals(_samples(tmp_path, rows))


def test_shuffling_the_input_changes_no_sample_and_no_report_figure(tmp_path: Path) -> None:
    rows = news_rows(per_ticker=150)  # two or three stories a day: same-day order matters too
    shuffled = [rows[i] for i in np.random.default_rng(3).permutation(len(rows))]
    assert shuffled != rows
    prices = write_prices(tmp_path / "prices")
    reports = []
    for name, ordered in (("ordered", rows), ("shuffled", shuffled)):
        folder = tmp_path / name
        folder.mkdir()
        options = Options(news=write_news(folder / "news.csv", ordered), prices=prices)
        evaluation = evaluate(options, scorers={"stub": StubScorer(), "stub-again": StubScorer()})
        report = write_report(evaluation, folder / "report", "tickertone evaluate")
        reports.append((evaluation, report))
    (first, first_report), (second, second_report) = reports
    for a, b in zip(first.runs, second.runs, strict=True):
        pd.testing.assert_frame_equal(a.samples, b.samples, check_exact=True)
    # Everything after the inputs (which name the two files) is the same, byte for byte.
    tail = [path.read_text().split("## Point-in-time rules", 1)[1] for path in (first_report, second_report)]
    assert tail[0] == tail[1]
    assert "| AAA |" in tail[0] and "n/a / n/a" not in tail[0]
    pngs = sorted(p.relative_to(first_report.parent) for p in first_report.parent.rglob("*.png"))
    assert len(pngs) == 4 + 2 + 5  # the report-wide figures, an equity curve per scorer, one per ticker
    for png in pngs:
        assert (first_report.parent / png).read_bytes() == (second_report.parent / png).read_bytes(), png
