"""The score stage's scorer comes from the scoring settings."""

from __future__ import annotations

from streams.settings import ScoringSettings
from streams.stages.score import load_configured_scorer


def test_the_configured_scorer_takes_every_setting() -> None:
    cfg = ScoringSettings(provider="cpu", max_sentences=3, negative_penalty=2.0, batch_max=7)
    scorer = load_configured_scorer(cfg)
    assert (scorer.provider, scorer.splitter.max_sentences, scorer.negative_penalty, scorer.batch_size) == (
        "CPUExecutionProvider", 3, 2.0, 7,
    )
    # A negative sentence is penalised by the configured factor: score = 2 * s_raw.
    sentence = scorer.score_texts(["Profits collapsed and the company warned of losses."])[0]
    assert sentence.s_raw < 0 and sentence.score == 2.0 * sentence.s_raw
