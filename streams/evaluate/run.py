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
    HEADLINE_HORIZONS,
    HORIZONS,
    IC_FIELDS,
    LAGS,
    SCORERS,
    WEIGHTINGS,
    metrics,
    portfolios,
)
from streams.evaluate.breakdowns import breakdowns
from streams.evaluate.decay_matrix import DECAY_HORIZONS, decay_matrix, half_life
from streams.evaluate.hac import HACMean, hac_mean
from streams.evaluate.learn_source_weights import THRESHOLD, aggregate_ics, learn, source_table
from streams.evaluate.prices import (
    DEFAULT_EXECUTION,
    EXECUTIONS,
    dollar_volume,
    execution_returns,
    load_prices,
    marginal_returns,
)
from streams.evaluate.residual import add_controls, residual_signal
from streams.evaluate.sampling import sample_closes
from streams.evaluate.stories import LoadedNews, ScoredStories, StoryScorer, load_news, reweighted, score_events
from streams.settings import IngestSettings, ScoringSettings, StateSettings, StorySettings
from streams.stages.exchange_time import ExchangeMap, session_closes
from streams.stages.score import StoryContext, load_configured_scorer
from streams.stages.story.source_weights import SourceWeights

__all__ = [
    "Options",
    "Market",
    "ScorerRun",
    "LearnedWeights",
    "Evaluation",
    "load_market",
    "run_scorer",
    "learn_weights",
    "evaluate",
]


@dataclass(frozen=True)
class Options:
    """What to evaluate. `signal` is the field judged by quantiles, hit rate, portfolios and
    construct validity (every field in `IC_FIELDS` gets an IC); `benchmark` the ticker whose
    return is subtracted (raw returns when its prices are missing); `execution` when a signal
    read at a close is traded (`prices.EXECUTIONS`, default the next open); `weight_method` and
    `train_share` how source weights are learned (`learn_source_weights`: on the first
    `train_share` of the sessions with stories)."""

    news: Path = BUNDLED_NEWS
    prices: Path = BUNDLED_PRICES
    signal: str = DEFAULT_SIGNAL
    scorers: tuple[str, ...] = SCORERS
    benchmark: str = DEFAULT_BENCHMARK
    quantiles: int = 5
    min_names: int = 3
    window: int = 50
    execution: str = DEFAULT_EXECUTION
    weight_method: str = "filter"
    train_share: float = 0.5
    ingest: IngestSettings = field(default_factory=IngestSettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    state: StateSettings = field(default_factory=StateSettings)
    story: StorySettings = field(default_factory=StorySettings)


@dataclass
class Market:
    """Closes per ticker on its exchange's sessions from its first to its last price (NaN for a
    session the file lacks), and per ticker and session (`returns`):
    - `ret_<h>`: the forward return under the chosen execution, in excess of the benchmark's
      when it has prices; `ret_<h>_<execution>` the same under each execution of `EXECUTIONS`
      (headline horizons only);
    - `m_<h>`: the excess one-session return earned `h` sessions after entry (the decay's);
    - `day_ret`: the raw one-session return under the chosen execution (the portfolios');
    - `log_dollar_volume`: the size proxy known at the close (`prices.dollar_volume`).
    `last`: the last session with a close."""

    closes: dict[str, pd.Series]
    returns: pd.DataFrame
    benchmark: str | None
    last: date


def load_market(
    prices: Path, tickers: Sequence[str], benchmark: str, exchange_map: ExchangeMap, execution: str = DEFAULT_EXECUTION
) -> Market:
    """Prices and forward returns of `tickers` (those with a price file) and the benchmark."""
    if execution not in EXECUTIONS:
        raise ValueError(f"execution {execution!r}: expected one of {', '.join(EXECUTIONS)}")
    loaded = load_prices(prices, [*tickers, benchmark])
    bench = loaded.pop(benchmark.upper(), None)
    closes: dict[str, pd.Series] = {}
    frames = []
    for ticker, own in loaded.items():
        sessions = [day for day, _ in session_closes(exchange_map.mic_for(ticker), own.close.index[0], own.close.index[-1])]
        closes[ticker] = own.close.reindex(sessions)

        columns = {}
        for mode in EXECUTIONS:
            horizons = HORIZONS if mode == execution else HEADLINE_HORIZONS
            ret = execution_returns(own, sessions, horizons, mode)
            if bench is not None:
                ret = ret - execution_returns(bench, sessions, horizons, mode)
            for h in horizons:
                columns[f"ret_{h}_{mode}"] = ret[h]
                if mode == execution:
                    columns[f"ret_{h}"] = ret[h]
        marginal = marginal_returns(own, sessions, DECAY_HORIZONS, execution)
        if bench is not None:
            marginal = marginal - marginal_returns(bench, sessions, DECAY_HORIZONS, execution)
        columns |= {f"m_{h}": marginal[h] for h in DECAY_HORIZONS}
        columns["day_ret"] = execution_returns(own, sessions, [1], execution)[1]
        columns["log_dollar_volume"] = dollar_volume(own, sessions)
        frame = pd.DataFrame(columns, index=pd.Index(sessions, name="session")).reset_index()
        frames.append(frame.assign(ticker=ticker))
    returns = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["ticker", "session", "ret_1"])
    returns = returns[["ticker", "session", *(c for c in returns.columns if c not in {"ticker", "session"})]]
    last = max((close.index[-1] for close in closes.values()), default=date.min)
    return Market(closes, returns, benchmark.upper() if bench is not None else None, last)


@dataclass
class ScorerRun:
    """One scorer's samples (signal fields and returns per ticker and session) and figures.

    `ics[(field, h)]`: per-session ICs; `quantiles[h]`, `hits[h]`: of `Options.signal`;
    `validity[ticker][lag]`: (correlation, pairs); `scored_nonzero`: share of story x ticker
    scores that are not 0 (a lexicon finds no LM word in most headlines); `events`: story-level
    IC and hit rate per event type (`metrics.by_event_type`).

    Honest statistics: `hac[(field, h)]` the Newey-West mean of `ics[(field, h)]`;
    `spread_hac[h]` of the top-minus-bottom spreads; `executions[(execution, h)]` the signal's
    HAC mean IC under each execution. `books[name][cost_bp]`: per-session portfolio returns
    (`portfolios`); `decay`, `decay_t`: the IC decay matrix and its t-statistics, `half_lives`
    per field; `breakdowns`: story-level tables (`breakdowns`); `residual[h]`: HAC mean IC of
    the raw signal and of its residual on buzz and size, on the same samples; `stories`: the
    story-level frame (source, score, returns) the breakdowns and source weights use.
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
    hac: dict[tuple[str, int], HACMean]
    spread_hac: dict[int, HACMean]
    executions: dict[tuple[str, int], HACMean]
    books: dict[str, dict[float, pd.DataFrame]]
    decay: pd.DataFrame
    decay_t: pd.DataFrame
    half_lives: dict[str, float]
    breakdowns: dict[str, pd.DataFrame]
    residual: dict[int, tuple[HACMean, HACMean]]
    stories: pd.DataFrame


def _residual_ics(samples: pd.DataFrame, signal: str, min_names: int) -> dict[int, tuple[HACMean, HACMean]]:
    """Raw and residual HAC mean ICs on the samples that have every control (same sessions)."""
    data = samples.copy()
    data["residual"] = residual_signal(data, signal)
    data = data.dropna(subset=["residual"])
    out = {}
    for h in HEADLINE_HORIZONS:
        raw = hac_mean(metrics.session_ics(data, signal, f"ret_{h}", min_names), horizon=h)
        res = hac_mean(metrics.session_ics(data, "residual", f"ret_{h}", min_names), horizon=h)
        out[h] = (raw, res)
    return out


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
    ics = {(name, h): metrics.session_ics(samples, name, f"ret_{h}", options.min_names) for name in IC_FIELDS for h in HORIZONS}
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
    records = scored.records
    stories = pd.DataFrame(
        {
            "ticker": [r.ticker for r in records],
            "session": [r.session for r in records],
            "source": [r.source for r in records],
            "event_type": [r.event_type for r in records],
            "relevance": [r.relevance for r in records],
            "novelty": [r.novelty for r in records],
            "phase": [str(r.phase) for r in records],
            "score": [r.score for r in records],
        },
        columns=["ticker", "session", "source", "event_type", "relevance", "novelty", "phase", "score"],
    ).merge(market.returns[["ticker", "session", *(f"ret_{h}" for h in HORIZONS)]], on=["ticker", "session"], how="left")
    name = records[0].model if records else label
    hac = {(f, h): hac_mean(series, horizon=h) for (f, h), series in ics.items()}
    spread_hac = {h: hac_mean(quantiles[h].spreads, horizon=h) for h in HORIZONS}
    executions = {
        (mode, h): hac_mean(metrics.session_ics(samples, signal, f"ret_{h}_{mode}", options.min_names), horizon=h)
        for mode in EXECUTIONS
        for h in HEADLINE_HORIZONS
    }
    weights = portfolios.book_weights(samples, signal, "day_ret", options.quantiles)
    books = {
        book: {cost: portfolios.portfolio_returns(w, samples, "day_ret", cost) for cost in portfolios.COSTS_BP}
        for book, w in weights.items()
    }
    decay, decay_t = decay_matrix(samples, IC_FIELDS, DECAY_HORIZONS, options.min_names)
    return ScorerRun(
        label,
        name,
        samples,
        ics,
        quantiles,
        hits,
        validity,
        nonzero,
        metrics.by_event_type(stories, HORIZONS),
        hac=hac,
        spread_hac=spread_hac,
        executions=executions,
        books=books,
        decay=decay,
        decay_t=decay_t,
        half_lives={f: half_life(decay.loc[f]) for f in IC_FIELDS},
        breakdowns=breakdowns(stories, HEADLINE_HORIZONS),
        residual=_residual_ics(add_controls(samples), signal, options.min_names),
        stories=stories,
    )


@dataclass
class LearnedWeights:
    """Source weights learned on the first scorer's stories (`learn_source_weights`): the
    training cut-off, the per-source table, the weights, and the out-of-sample session ICs of
    the story signal with every weight 1 and with the learned ones."""

    until: date
    method: str
    table: pd.DataFrame
    weights: SourceWeights
    unweighted: HACMean
    weighted: HACMean


def learn_weights(run: ScorerRun, options: Options) -> LearnedWeights | None:
    """Train on the first `options.train_share` of the sessions with stories, test on the rest."""
    sessions = sorted(run.stories["session"].unique())
    if len(sessions) < 2:
        return None
    until = sessions[max(0, int(len(sessions) * options.train_share) - 1)]
    table = source_table(run.stories, "ret_1", until)
    weights = learn(table, options.weight_method, THRESHOLD)
    unweighted = hac_mean(aggregate_ics(run.stories, SourceWeights(), "ret_1", until, options.min_names))
    weighted = hac_mean(aggregate_ics(run.stories, weights, "ret_1", until, options.min_names))
    return LearnedWeights(until, options.weight_method, table, weights, unweighted, weighted)


@dataclass
class Evaluation:
    """Everything the report shows."""

    options: Options
    news: LoadedNews
    market: Market
    runs: list[ScorerRun]
    scorer_notes: dict[str, str]
    source_weights: LearnedWeights | None = None


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
    market = load_market(options.prices, tickers, options.benchmark, exchange_map, options.execution)
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
    return Evaluation(options, news, market, runs, notes, learn_weights(runs[0], options) if runs else None)
