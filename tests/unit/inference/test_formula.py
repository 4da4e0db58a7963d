"""DESIGN.md "Scoring" formula on hand-computed examples (expected values worked out by hand)."""

from __future__ import annotations

import pytest

from inference.scorer import SentenceScore, sentence_score, story_score


@pytest.mark.parametrize(
    ("p_pos", "p_neg", "p_neu", "penalty", "s_raw", "score"),
    [
        (0.6, 0.2, 0.2, 3.0, 0.25, 0.25),  # p_adj 0.6/0.8 = 0.75
        (0.1, 0.3, 0.6, 3.0, -0.25, -0.75),  # p_adj 0.25; negative side tripled
        (0.1, 0.3, 0.6, 2.0, -0.25, -0.5),  # the penalty is a parameter
        (0.2, 0.2, 0.6, 3.0, 0.0, 0.0),  # balanced: exactly neutral, no penalty
        (0.0, 0.5, 0.5, 3.0, -0.5, -1.5),  # fully negative: the floor, -0.5 * 3
        (0.9, 0.0, 0.1, 3.0, 0.5, 0.5),  # fully positive: the ceiling
        (0.0, 0.0, 1.0, 3.0, 0.0, 0.0),  # no polarity mass at all: defined as 0
    ],
)
def test_sentence_formula(p_pos: float, p_neg: float, p_neu: float, penalty: float, s_raw: float, score: float) -> None:
    s = sentence_score(p_pos, p_neg, p_neu, penalty)
    assert s.s_raw == pytest.approx(s_raw)
    assert s.score == pytest.approx(score)
    assert (s.p_pos, s.p_neg, s.p_neu) == (p_pos, p_neg, p_neu)


def _s(score: float, p_neu: float) -> SentenceScore:
    return SentenceScore(p_pos=0.0, p_neg=0.0, p_neu=p_neu, s_raw=0.0, score=score)


def test_story_is_weighted_by_polarity_confidence() -> None:
    # weights 1-0.2 = 0.8 and 1-0.6 = 0.4: (0.8*0.25 + 0.4*-0.75) / 1.2 = -0.1/1.2
    story = story_score([_s(0.25, 0.2), _s(-0.75, 0.6)])
    assert story.score == pytest.approx(-1 / 12)
    assert story.confidence == pytest.approx(0.6)  # mean of 0.8 and 0.4
    assert story.n_sentences == 2


def test_neutral_sentence_does_not_dilute_story() -> None:
    # A fully neutral sentence has weight 0: the story is its polar sentence's score.
    story = story_score([_s(-1.2, 0.0), _s(0.4, 1.0)])
    assert story.score == pytest.approx(-1.2)
    assert story.confidence == pytest.approx(0.5)


@pytest.mark.parametrize("sentences", [[], [_s(0.3, 1.0), _s(-0.9, 1.0)]], ids=["none", "all-neutral"])
def test_story_with_zero_total_weight_scores_zero(sentences: list[SentenceScore]) -> None:
    story = story_score(sentences)
    assert story.score == 0.0
    assert story.confidence == 0.0
    assert story.n_sentences == len(sentences)


def test_scores_are_frozen() -> None:
    with pytest.raises(AttributeError):
        sentence_score(0.5, 0.2, 0.3).score = 1.0  # type: ignore[misc]
