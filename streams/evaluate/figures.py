"""The report's figures (matplotlib, no pyplot: no global figures, no GUI backend), each written
as a PNG at a fixed DPI so that regenerating the report from the same inputs gives the same files."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter

from streams.evaluate import HEADLINE_HORIZONS, HORIZONS
from streams.evaluate.run import Evaluation, ScorerRun

__all__ = ["plot_ic_by_horizon", "plot_ic_over_time", "plot_quantiles", "plot_ticker", "plot_equity", "plot_decay", "save"]

_DPI = 100
_ROLLING_ICS = 120  # the IC-over-time line: mean of the last 120 session ICs


def save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    # No "Software" tag: the file then depends on the data only, not on the matplotlib build.
    fig.savefig(path, dpi=_DPI, metadata={"Software": None})
    return path


def plot_ic_over_time(runs: list[ScorerRun], signal: str, path: Path) -> Path:
    fig = Figure(figsize=(9, 5))
    axes = fig.subplots(len(HEADLINE_HORIZONS), 1, sharex=True)
    for ax, h in zip(axes, HEADLINE_HORIZONS, strict=True):
        for run in runs:
            ics = run.ics[(signal, h)]
            ax.plot(
                pd.to_datetime(ics.index),
                ics.rolling(_ROLLING_ICS, min_periods=_ROLLING_ICS // 2).mean(),
                label=run.label,
                linewidth=1,
            )
        ax.axhline(0, color="grey", linewidth=0.6)
        ax.set_ylabel(f"IC, {h} session{'s' * (h > 1)}")
        ax.legend(loc="upper left", fontsize=8)
    axes[0].set_title(f"IC of {signal}: mean of the last {_ROLLING_ICS} session ICs")
    return save(fig, path)


def plot_ic_by_horizon(runs: list[ScorerRun], signal: str, path: Path) -> Path:
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    width = 0.8 / len(runs)
    for i, run in enumerate(runs):
        summaries = [run.hac[(signal, h)] for h in HORIZONS]
        errors = [1.96 * s.se if not math.isnan(s.se) else 0.0 for s in summaries]
        xs = [j + (i - (len(runs) - 1) / 2) * width for j in range(len(HORIZONS))]
        ax.bar(xs, [s.mean for s in summaries], width, yerr=errors, capsize=3, label=run.label)
    ax.set_xticks(range(len(HORIZONS)), [f"{h}" for h in HORIZONS])
    ax.set_xlabel("horizon (sessions)")
    ax.set_ylabel("mean IC (95% Newey-West)")
    ax.axhline(0, color="grey", linewidth=0.6)
    ax.set_title(f"IC of {signal} by horizon")
    ax.legend(fontsize=8)
    return save(fig, path)


def plot_quantiles(runs: list[ScorerRun], path: Path) -> Path:
    fig = Figure(figsize=(9, 3.5))
    axes = fig.subplots(1, len(HEADLINE_HORIZONS))
    width = 0.8 / len(runs)
    for ax, h in zip(axes, HEADLINE_HORIZONS, strict=True):
        for i, run in enumerate(runs):
            means = run.quantiles[h].means
            xs = [q + (i - (len(runs) - 1) / 2) * width for q in means.index]
            ax.bar(xs, means.to_numpy() * 1e4, width, label=run.label)
        ax.axhline(0, color="grey", linewidth=0.6)
        ax.set_xlabel("quantile of the signal in its session (1 = lowest)")
        ax.set_ylabel("mean return (bp)")
        ax.set_title(f"{h} session{'s' * (h > 1)} ahead")
        ax.legend(fontsize=8)
    return save(fig, path)


def plot_ticker(e: Evaluation, ticker: str, path: Path) -> Path:
    close = e.market.closes[ticker]
    first = min(run.samples.loc[run.samples["ticker"] == ticker, "session"].min() for run in e.runs)
    close = close[close.index >= first]
    fig = Figure(figsize=(9, 3.2))
    ax = fig.subplots()
    ax.plot(pd.to_datetime(close.index), close.to_numpy(), color="black", linewidth=0.8, label="close")
    ax.set_ylabel("close")
    right = ax.twinx()
    ax.set_zorder(right.get_zorder() + 1)  # the price line over the busier signal lines
    ax.patch.set_visible(False)
    for run in e.runs:
        rows = run.samples[(run.samples["ticker"] == ticker) & (run.samples["session"] <= close.index[-1])]
        right.plot(pd.to_datetime(rows["session"]), rows[e.options.signal], linewidth=0.8, alpha=0.8, label=run.label)
    right.set_ylabel(e.options.signal)
    right.axhline(0, color="grey", linewidth=0.4)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    # Above the axes, in one row beside the title: inside, it hid the first months of the price.
    ax.legend(
        handles,
        [str(h.get_label()) for h in handles],
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=len(handles),
        fontsize=7,
        frameon=False,
    )
    # A ticker with a few weeks of prices gets full dates as ticks: slant them so they never overlap.
    if (close.index[-1] - close.index[0]).days < 365:
        fig.autofmt_xdate(rotation=30)
    ax.set_title(ticker, loc="left")
    return save(fig, path)


# Books drawn over each other (top-10, top-20 and top-all are one book when sessions hold few
# names) stay visible through their line styles.
_BOOK_STYLES: dict[str, dict[str, Any]] = {
    "long-short": {"color": "tab:blue", "linewidth": 1.0},
    "top-10": {"color": "tab:orange", "linewidth": 2.2},
    "top-20": {"color": "tab:green", "linewidth": 1.2, "linestyle": "--"},
    "top-all": {"color": "tab:red", "linewidth": 0.8, "linestyle": ":"},
    "universe": {"color": "black", "linewidth": 1.2},
}


def plot_equity(run: ScorerRun, cost_bp: float, path: Path) -> Path:
    """Compounded equity of each book of one scorer at `cost_bp` per side (log scale)."""
    fig = Figure(figsize=(9, 4))
    ax = fig.subplots()
    for book, by_cost in run.books.items():
        net = by_cost[cost_bp]["net"]
        if net.empty:
            continue
        ax.plot(pd.to_datetime(net.index), (1.0 + net).cumprod().to_numpy(), label=book, **_BOOK_STYLES.get(book, {}))
    ax.set_yscale("log")
    # Plain numbers on the log axis: "4", not "4 x 10^0".
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
    ax.tick_params(axis="y", which="minor", labelsize=7)
    ax.axhline(1.0, color="grey", linewidth=0.6)
    ax.set_ylabel("equity (start = 1, log scale)")
    ax.set_title(f"{run.label}: daily books on the signal, {cost_bp:g} bp per side")
    ax.legend(loc="upper left", fontsize=8)
    return save(fig, path)


def plot_decay(runs: list[ScorerRun], path: Path) -> Path:
    """The IC decay matrix of each scorer as a heat map (one panel each, one colour scale)."""
    fig = Figure(figsize=(10, 2.0 + 1.9 * len(runs)))
    axes = fig.subplots(len(runs), 1, squeeze=False)[:, 0]
    limit = max(float(abs(run.decay).max().max()) for run in runs) or 0.01
    image = None
    for ax, run in zip(axes, runs, strict=True):
        image = ax.imshow(run.decay.to_numpy(dtype=float), cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
        ax.set_yticks(range(len(run.decay.index)), list(run.decay.index), fontsize=8)
        ax.set_xticks(range(len(run.decay.columns)), [str(c) for c in run.decay.columns], fontsize=8)
        ax.set_title(f"{run.label}: mean IC with the return of session h after entry", fontsize=9)
    axes[-1].set_xlabel("h (sessions after entry)")
    if image is not None:
        fig.colorbar(image, ax=list(axes), label="mean IC", shrink=0.8)
        fig.set_layout_engine("constrained")
    fig.savefig(path, dpi=_DPI, metadata={"Software": None})
    return path
