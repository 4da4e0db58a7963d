"""The report's trading sections: significance, execution lag, portfolios with costs, IC decay,
where the signal works, the residual factor, learned source weights, and the naive-t appendix.

Each function returns Markdown lines; `report.write_report` places them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from streams.evaluate import HEADLINE_HORIZONS, HORIZONS, IC_FIELDS, WEIGHTINGS
from streams.evaluate.breakdowns import BREAKDOWNS
from streams.evaluate.hac import SIGNIFICANCE, hac_lag, hac_mean
from streams.evaluate.metrics import ic_summary
from streams.evaluate.portfolios import COSTS_BP, PERIODS, portfolio_stats
from streams.evaluate.prices import EXECUTIONS
from streams.evaluate.run import Evaluation, ScorerRun
from streams.evaluate.tables import hac_cell, num, pct, table

__all__ = [
    "significance_lines",
    "execution_lines",
    "portfolio_lines",
    "decay_lines",
    "breakdown_lines",
    "residual_lines",
    "source_weight_lines",
    "naive_lines",
    "write_source_weights",
]

_EXECUTION_NOTES = {
    "close": "at the same close (not tradable; the optimistic reference)",
    "next-open": "at the next session's open",
    "next-close": "at the next session's close (one session late: no price of S, so no bid-ask bounce)",
}


def _main_runs(runs: list[ScorerRun]) -> list[ScorerRun]:
    """The scorers with their own stories (the weightings share the model's)."""
    return [run for run in runs if run.label not in WEIGHTINGS]


def significance_lines(e: Evaluation) -> list[str]:
    found: dict[str, list[str]] = {}
    for run in e.runs:
        items = found.setdefault(run.label, [])
        for (field, h), stat in sorted(run.hac.items()):
            if stat.significant:
                items.append(f"`{field}` {h}s (t {stat.t:.2f})")
        for h, stat in run.spread_hac.items():
            if stat.significant:
                items.append(f"spread {h}s (t {stat.t:.2f})")
    tests = len(e.runs) * (len(IC_FIELDS) * len(HORIZONS) + len(HORIZONS))
    total = sum(len(items) for items in found.values())
    return [
        "Newey-West (HAC) standard errors: statsmodels' OLS of the series on a constant, Bartlett kernel, lag "
        f"max(h - 1, floor(4 (n/100)^(2/9))) for an h-session horizon, i.e. {hac_lag(2000, 1)} at 1 session and "
        f"{hac_lag(2000, 20)} at 20 with about 2,000 sessions (`streams/evaluate/hac.py`). Significant: two-sided "
        f"p < {SIGNIFICANCE:g}, **bold** in the tables. Of the {tests} mean ICs (every field and horizon) and "
        f"top-bottom spreads (`{e.options.signal}`, every horizon) tested, {total} are significant at 5%; at that "
        f"level about {tests * SIGNIFICANCE:.0f} would be by chance alone, and the figures are far from independent "
        "(fields, horizons and weightings share stories and returns), so a few bold cells are no finding.",
        "",
        *(f"- {label}: " + ("; ".join(items) if items else "none") + "." for label, items in found.items()),
    ]


def execution_lines(e: Evaluation) -> list[str]:
    header = ["scorer", *(f"{mode} {h}s" for h in HEADLINE_HORIZONS for mode in EXECUTIONS)]
    rows = [
        [run.label, *(hac_cell(run.executions[(mode, h)]) for h in HEADLINE_HORIZONS for mode in EXECUTIONS)] for run in e.runs
    ]
    return [
        f"The signal is read at the close of session S. Every other figure in this report trades it "
        f"**{e.options.execution}** (`--execution`); the choices: "
        + "; ".join(f"`{mode}` {note}" for mode, note in _EXECUTION_NOTES.items())
        + f". Mean IC of `{e.options.signal}` (Newey-West t) under each:",
        "",
        *table(header, rows),
    ]


def portfolio_lines(e: Evaluation, figures: dict[str, Path]) -> list[str]:
    rows = []
    for run in e.runs:
        books = run.books if run.label not in WEIGHTINGS else {"long-short": run.books["long-short"]}
        for book, by_cost in books.items():
            for cost in COSTS_BP:
                s = portfolio_stats(by_cost[cost])
                excess = _excess(by_cost[cost], run.books["universe"][cost]) if book.startswith("top-") else "-"
                rows.append(
                    [
                        run.label,
                        book,
                        f"{cost:g}",
                        pct(s.annual_return),
                        pct(s.cagr),
                        _t_cell(s.t),
                        num(s.sharpe, 2),
                        num(s.sortino, 2),
                        pct(s.max_drawdown),
                        f"{s.turnover:.2f}",
                        excess,
                    ]
                )
    return [
        f"Daily books on `{e.options.signal}`, rebalanced at every session ({e.options.execution}), raw one-session "
        "returns (not in excess of the benchmark): **long-short** +1/k on the top quantile, -1/m on the bottom one "
        f"({e.options.quantiles} quantiles); **top-N** long-only, equal weight on the N names with the highest "
        "positive signal (`all`: every positive name; cash when none); **universe** equal weight on every name with "
        "a signal and a return. Cost per side in bp times turnover (sum of |weight change|, one way); annual return "
        "= mean x 252 (arithmetic), compounded = the equity curve's annual growth (far lower for a volatile book: "
        "the long-short book holds a few small caps on each side), t = Newey-West t of the mean daily net "
        "return (bold: significant at 5%; a long-only book's own return holds the market's), vs universe = the "
        "top-N book's annualised mean daily return over the universe's at the same cost, with its Newey-West t "
        "(the figure that says whether conviction adds anything), Sharpe and Sortino annualised, maximum "
        "drawdown of the compounded curve "
        "(`streams/evaluate/portfolios.py`). The sample's sessions hold few names, so top-10, top-20 and top-all "
        "are nearly always the same book; the weightings are shown long-short only.",
        "",
        *table(
            [
                "scorer",
                "book",
                "bp/side",
                "annual return",
                "compounded",
                "t (HAC)",
                "Sharpe",
                "Sortino",
                "max drawdown",
                "turnover/session",
                "vs universe (t)",
            ],
            rows,
        ),
        "",
        *(f"![Equity, {label}]({path.as_posix()})" for label, path in figures.items()),
    ]


def _excess(book: pd.DataFrame, universe: pd.DataFrame) -> str:
    """Annualised mean of the book's daily net return over the universe's, with its Newey-West t."""
    difference = (book["net"] - universe["net"].reindex(book.index)).dropna()
    stat = hac_mean(difference, horizon=1)
    return f"{pct(stat.mean * PERIODS)} ({_t_cell(stat.t)})"


def _t_cell(t: float) -> str:
    text = num(t, 2)
    return f"**{text}**" if not math.isnan(t) and abs(t) > 1.96 else text


def decay_lines(e: Evaluation, figure: Path) -> list[str]:
    lines = [
        "Mean IC of each field at the close of S with the one-session return earned h sessions after entry "
        f"({e.options.execution}), h = 1..20; what the signal says about session h alone. Half-life: the h at which "
        "the mean IC first falls to half its 1-session value (interpolated; > 20: not within 20 sessions; n/a: "
        "no positive 1-session IC). These ICs are small against their noise (a 1-session IC's Newey-West "
        "standard error is about 0.006 here), so a half-life is a rough read.",
        "",
    ]
    hl_rows = [[run.label, *(_sessions(run.half_lives[f]) for f in IC_FIELDS)] for run in e.runs]
    lines += [*table(["scorer", *(f"`{f}`" for f in IC_FIELDS)], hl_rows), ""]
    for run in _main_runs(e.runs):
        horizons = list(run.decay.columns)
        rows = [[f"`{f}`", *(_decay_cell(run, f, h) for h in horizons)] for f in run.decay.index]
        lines += [
            f"**{run.label}** (mean IC x 100; bold: Newey-West t beyond 1.96):",
            "",
            *table(["field", *map(str, horizons)], rows),
            "",
        ]
    return [*lines, f"![IC decay]({figure.as_posix()})"]


def _sessions(value: float) -> str:
    return "n/a" if math.isnan(value) else ("> 20" if math.isinf(value) else f"{value:.1f}")


def _decay_cell(run: ScorerRun, field: str, h: int) -> str:
    value, t = float(run.decay.loc[field, h]), float(run.decay_t.loc[field, h])
    text = "n/a" if math.isnan(value) else f"{value * 100:+.1f}"
    return f"**{text}**" if not math.isnan(t) and abs(t) > 1.96 else text


def breakdown_lines(e: Evaluation) -> list[str]:
    lines = [
        "Story level, as in the event-type table: IC (Spearman, blank below 10 stories), hit rate of the non-zero "
        "scores and mean excess return (bp) of the stories in each group. Relevance buckets: high = the headline "
        "opens with or names the company; mid = unknown company or body only; low = unnamed or a list piece. "
        "Novelty: first of its chain vs repeats. Phase: when the story was published relative to the session. "
        "Sign: the IC within a sign ranks strength only; the hit rate is the asymmetry check.",
        "",
    ]
    header = ["scorer", "breakdown", "group", "stories", *(f"{k} {h}s" for h in HEADLINE_HORIZONS for k in ("IC", "hit", "ret"))]
    rows = []
    for run in _main_runs(e.runs):
        for column, title in BREAKDOWNS.items():
            if column == "event_type":
                continue  # its own section
            for record in run.breakdowns[column].to_dict("records"):
                cells = []
                for h in HEADLINE_HORIZONS:
                    cells += [
                        num(record[f"ic_{h}"]),
                        pct(record[f"hit_{h}"]),
                        "n/a" if math.isnan(record[f"ret_{h}"]) else f"{record[f'ret_{h}'] * 1e4:+.1f}",
                    ]
                rows.append([run.label, title, str(record["group"]), f"{record['n']:,}", *cells])
    return [*lines, *table(header, rows)]


def residual_lines(e: Evaluation) -> list[str]:
    rows = [
        [
            run.label,
            *(hac_cell(run.residual[h][k]) for h in HEADLINE_HORIZONS for k in (0, 1)),
            f"{run.residual[HEADLINE_HORIZONS[0]][0].n:,}",
        ]
        for run in e.runs
    ]
    return [
        f"Per session, `{e.options.signal}` regressed on a constant, log(1 + the ticker's stories over its last 20 "
        "sessions) and log dollar volume (20-session mean of close x volume, known at the close), across the "
        "session's names (at least 5); the residual's mean IC beside the raw signal's on the same sessions "
        "(Newey-West t). A residual IC near the raw one: the signal is not a buzz or size factor in disguise.",
        "",
        *table(["scorer", *(f"{k} {h}s" for h in HEADLINE_HORIZONS for k in ("raw", "residual")), "sessions"], rows),
    ]


def source_weight_lines(e: Evaluation, written: Path | None) -> list[str]:
    learned = e.source_weights
    if learned is None:
        return ["No stories: no source weights learned."]
    rows = [
        [f"`{source}`", f"{int(row['n']):,}", num(row["ic"]), num(row["t"], 2), f"{learned.weights.weight_for(str(source)):g}"]
        for source, row in learned.table.iterrows()
    ]
    lines = [
        f"Learned on **{e.runs[0].label}**'s stories acting on sessions up to {learned.until} (the first "
        f"{e.options.train_share:.0%} of the sessions with stories), method `{learned.method}` "
        "(`streams/evaluate/learn_source_weights.py`): per source the story-level Spearman IC with the next-session "
        "return and its t; `filter` keeps a source at t >= 2.5. Out of sample (the sessions after): mean session IC "
        "of the per-ticker story signal with every weight 1 vs the learned weights, Newey-West t: "
        f"{hac_cell(learned.unweighted)} vs {hac_cell(learned.weighted)}"
        + (" (no source kept: no signal left)" if learned.weighted.n == 0 else "")
        + ".",
        "",
        *table(["source", "training stories", "IC", "t", "weight"], rows),
        "",
        ("This news file has a single source, so this shows the mechanics only; " if len(rows) == 1 else f"{len(rows)} sources; ")
        + "the method is tested on synthetic news from several sources with known informativeness "
        '(`tests/unit/streams/evaluate/test_source_weights.py`, DESIGN.md "Evaluation"). '
        + (
            f"The weights are written to `{written.name}` beside this report; a worker loads such a file with "
            "`TICKERTONE_STORY__SOURCE_WEIGHTS` (SETTINGS.md). They are not applied to this report's figures."
            if written is not None
            else ""
        )
        + (
            " Every source seen here got weight 0: loading this file would silence them all, so do not."
            if learned.weights.weights and not any(learned.weights.weights.values())
            else ""
        ),
    ]
    return lines


def write_source_weights(e: Evaluation, out: Path) -> Path | None:
    learned = e.source_weights
    if learned is None:
        return None
    path = out / "source_weights.json"
    data = learned.weights.to_dict(
        learned={
            "method": learned.method,
            "trained_until": str(learned.until),
            "scorer": e.runs[0].label,
            "t": {str(k): None if math.isnan(v) else round(float(v), 4) for k, v in learned.table["t"].items()},
        }
    )
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def naive_lines(e: Evaluation) -> list[str]:
    signal = e.options.signal
    rows = []
    for h in HORIZONS:
        cells = []
        for run in e.runs:
            s = ic_summary(run.ics[(signal, h)])
            half = 1.96 * s.std / math.sqrt(s.n) if s.n > 1 else math.nan
            cells.append(
                f"{num(s.mean)} [{num(s.mean - half)}, {num(s.mean + half)}] t {num(s.t, 2)} "
                f"(HAC {num(run.hac[(signal, h)].t, 2)})"
            )
        rows.append([f"{h}s", *cells])
    return [
        f"**Naive, overstated**: `{signal}`'s mean IC with the interval mean +- 1.96 sd / sqrt(n) and t = ICIR x "
        "sqrt(n), as earlier reports gave them; they treat overlapping-return ICs as independent. The Newey-West t "
        "beside each for comparison. Do not quote the naive ones.",
        "",
        *table(["horizon", *(run.label for run in e.runs)], rows),
    ]
