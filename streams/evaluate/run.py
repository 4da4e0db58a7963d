"""`tickertone evaluate`: replay a news file through the agents' functions, point in time, and
measure what the signal says about the returns that followed.

Flow: news -> ingest, dedupe (`stories.load_news`) -> each scorer (the model, the lexicon
baseline) -> state events (`stories.score_events`) -> samples at every session close
(`sampling.sample_closes`) -> joined with forward returns (`prices`) -> figures (`metrics`) ->
report (`report.write_report`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from streams.evaluate import (
    BUNDLED_NEWS,
    BUNDLED_PRICES,
    DEFAULT_BENCHMARK,
    DEFAULT_SIGNAL,
    HORIZONS,
    IC_FIELDS,
    LAGS,
    SCORERS,
    WEIGHTINGS,
    metrics,
)
from streams.evaluate.prices import forward_returns, load_closes
from streams.evaluate.sampling import sample_closes
from streams.evaluate.stories import LoadedNews, ScoredStories, StoryScorer, load_news, reweighted, score_events
from streams.settings import IngestSettings, ScoringSettings, StateSettings, StorySettings
from streams.stages.exchange_time import ExchangeMap, session_closes
from streams.stages.score import StoryContext, load_configured_scorer

__all__ = ["Options", "Market", "ScorerRun", "Evaluation", "load_market", "run_scorer", "evaluate"]


@dataclass(frozen=True)
class Options:
    """What to evaluate. `signal` is the field judged by quantiles, hit rate and construct
    validity (every field in `IC_FIELDS` gets an IC); `benchmark` the ticker whose return is
    subtracted (raw returns when its prices are missing)."""

    news: Path = BUNDLED_NEWS
    prices: Path = BUNDLED_PRICES
    signal: str = DEFAULT_SIGNAL
    scorers: tuple[str, ...] = SCORERS
    benchmark: str = DEFAULT_BENCHMARK
    quantiles: int = 5
    min_names: int = 3
    window: int = 50
    ingest: IngestSettings = field(default_factory=IngestSettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    state: StateSettings = field(default_factory=StateSettings)
    story: StorySettings = field(default_factory=StorySettings)


@dataclass
class Market:
    """Closes per ticker on its exchange's sessions from its first to its last price (NaN for a
    session the file lacks), and per ticker and session the forward returns `ret_<h>` (in excess
    of the benchmark's when it has prices). `last`: the last session with a close."""

    closes: dict[str, pd.Series]
    returns: pd.DataFrame
    benchmark: str | None
    last: date


def load_market(prices: Path, tickers: Sequence[str], benchmark: str, exchange_map: ExchangeMap) -> Market:
    """Closes and forward returns of `tickers` (those with a price file) and the benchmark."""
    closes = load_closes(prices, [*tickers, benchmark])
    bench = closes.pop(benchmark.upper(), None)
    frames = []
    for ticker, close in closes.items():
        sessions = [day for day, _ in session_closes(exchange_map.mic_for(ticker), close.index[0], close.index[-1])]
        closes[ticker] = close.reindex(sessions)
        returns = forward_returns(close, sessions, HORIZONS)
        if bench is not None:
            returns = returns - forward_returns(bench, sessions, HORIZONS)
        returns = returns.rename(columns=lambda h: f"ret_{h}").rename_axis("session").reset_index()
        frames.append(returns.assign(ticker=ticker))
    columns = ["ticker", "session", *(f"ret_{h}" for h in HORIZONS)]
    returns = pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    last = max((close.index[-1] for close in closes.values()), default=date.min)
    return Market(closes, returns, benchmark.upper() if bench is not None else None, last)


@dataclass
class ScorerRun:
    """One scorer's samples (signal fields and returns per ticker and session) and figures.

    `ics[(field, h)]`: per-session ICs; `quantiles[h]`, `hits[h]`: of `Options.signal`;
    `validity[ticker][lag]`: (correlation, pairs); `scored_nonzero`: share of story x ticker
    scores that are not 0 (a lexicon finds no LM word in most headlines); `events`: story-level
    IC and hit rate per event type (`metrics.by_event_type`).
    """

    label: str
    name: str
    samples: pd.DataFrame
    ics: dict[tuple[str, int], pd.Series]
    quantiles: dict[int, metrics.QuantileSummary]
    hits: dict[int, tuple[float, int]]
    validity: dict[str, dict[int, tuple[float, int]]]
    scored_nonzero: float
    events: pd.DataFrame


def run_scorer(
    label: str,
    scored: ScoredStories,
    news: LoadedNews,
    market: Market,
    options: Options,
    exchange_map: ExchangeMap,
    progress: bool = False,
) -> ScorerRun:
    """Sample and measure one scorer's stories."""
    events = scored.events
    last = market.last if market.closes else max((e.session for e in events), default=date.min)
    samples = sample_closes(events, exchange_map, options.state, last, progress)
    samples = samples.merge(market.returns, on=["ticker", "session"], how="left")
    signal = options.signal
    ics = {
        (name, h): metrics.session_ics(samples, name, f"ret_{h}", options.min_names)
        for name in IC_FIELDS
        for h in HORIZONS
    }
    quantiles = {h: metrics.quantile_returns(samples, signal, f"ret_{h}", options.quantiles) for h in HORIZONS}
    hits = {h: metrics.hit_rate(samples, signal, f"ret_{h}") for h in HORIZONS}
    validity = {}
    for ticker, group in samples.groupby("ticker", sort=True):
        close = market.closes.get(str(ticker))
        if close is None:
            continue
        series = group.set_index("session")[signal].reindex(close.index)
        validity[str(ticker)] = metrics.construct_validity(series, close, LAGS, options.window)
    nonzero = sum(e.score != 0.0 for e in events) / len(events) if events else 0.0
    stories = pd.DataFrame(
        {"ticker": [r.ticker for r in scored.records], "session": [r.session for r in scored.records],
         "event_type": [r.event_type for r in scored.records], "score": [r.score for r in scored.records]},
        columns=["ticker", "session", "event_type", "score"],
    ).merge(market.returns, on=["ticker", "session"], how="left")
    name = scored.records[0].model if scored.records else label
    return ScorerRun(
        label, name, samples, ics, quantiles, hits, validity, nonzero, metrics.by_event_type(stories, HORIZONS)
    )


@dataclass
class Evaluation:
    """Everything the report shows."""

    options: Options
    news: LoadedNews
    market: Market
    runs: list[ScorerRun]
    scorer_notes: dict[str, str]


_WEIGHTING_NOTES = {
    (True, False): "the model's stories, weighted by relevance only",
    (False, True): "the model's stories, weighted by novelty only",
    (False, False): "the model's stories, source weight only: no relevance or novelty weighting",
}


def _scorer(label: str, settings: ScoringSettings) -> tuple[StoryScorer, str]:
    """The scorer named `label` and a line on how it runs (for the report)."""
    if label == "model":
        model = load_configured_scorer(settings)
        return model, f"ONNX Runtime, {model.provider}, {model.precision}"
    if label == "lexicon":
        from streams.evaluate.lexicon import LexiconScorer

        note = "word counts, no model; the same events, relevance and novelty"
        return LexiconScorer(settings.max_sentences, settings.negative_penalty), note
    raise ValueError(f"unknown scorer {label!r}; expected one of {', '.join(SCORERS)}")


def evaluate(options: Options, progress: bool = False, scorers: Mapping[str, StoryScorer] | None = None) -> Evaluation:
    """Run every scorer over the news and prices; nothing is written.

    `scorers`: label -> scorer to evaluate (any object with `model_name` and `score_stories`);
    None builds the ones `options.scorers` names.
    """
    if options.signal not in IC_FIELDS:
        raise ValueError(f"signal {options.signal!r}: expected one of {', '.join(IC_FIELDS)}")
    exchange_map = ExchangeMap.load(options.ingest.exchange_map, options.ingest.default_mic)
    news = load_news(options.news, exchange_map, options.ingest.max_message_bytes, progress)
    tickers = sorted({t for story in news.stories for t in story.tickers})
    market = load_market(options.prices, tickers, options.benchmark, exchange_map)
    runs, notes = [], {}
    if scorers is None:
        wanted = [label for label in options.scorers if label not in WEIGHTINGS]
        if "model" not in wanted and any(label in WEIGHTINGS for label in options.scorers):
            wanted.insert(0, "model")  # the weightings reweigh the model's stories
        built = {label: _scorer(label, options.scoring) for label in wanted}
        scorers, notes = {k: v[0] for k, v in built.items()}, {k: v[1] for k, v in built.items()}
    context = StoryContext.load(options.story, options.scoring)
    scored: dict[str, ScoredStories] = {
        label: score_events(news.stories, scorer, context, progress=progress) for label, scorer in scorers.items()
    }
    if "model" in scored:
        for label, factors in WEIGHTINGS.items():
            if label in options.scorers:
                scored[label] = reweighted(scored["model"], *factors, settings=options.story)
                notes[label] = _WEIGHTING_NOTES[factors]
    order = [label for label in options.scorers if label in scored] + [label for label in scored if label not in options.scorers]
    for label in order:
        notes.setdefault(label, "given by the caller")
        runs.append(run_scorer(label, scored[label], news, market, options, exchange_map, progress))
    return Evaluation(options, news, market, runs, notes)
