"""The Loughran-McDonald baseline: word counts through the model's score formulas, offline."""

from __future__ import annotations

import pytest

from streams.evaluate.lexicon import LexiconScorer


@pytest.fixture(scope="module")
def lexicon() -> LexiconScorer:
    return LexiconScorer()


def test_a_negative_word_scores_like_a_fully_negative_sentence_with_the_penalty(lexicon: LexiconScorer) -> None:
    # Tokens after LM's stop words: compani, downgrad (negative), lawsuit, file: 1 of 4.
    s = lexicon.score_story("Company downgraded to sell; lawsuit filed")
    assert (s.score, s.confidence, s.n_sentences) == pytest.approx((-1.5, 0.25, 1))


def test_positive_words_score_one_half(lexicon: LexiconScorer) -> None:
    # "Strong" and "gains" are on LM's stop lists (names, generic); profit is positive: 1 of 2.
    s = lexicon.score_story("Strong gains, record profit")
    assert s.score == pytest.approx(0.5)
    assert s.confidence == pytest.approx(0.5)


def test_mixed_words_cancel_and_no_lexicon_word_scores_zero(lexicon: LexiconScorer) -> None:
    mixed = lexicon.score_story("Profit gains offset by losses")  # profit +, loss -: 2 of 3
    assert (mixed.score, mixed.confidence) == pytest.approx((0.0, 2 / 3))
    neutral = lexicon.score_story("Stocks That Hit 52-Week Highs On Friday")
    assert (neutral.score, neutral.confidence) == (0.0, 0.0)


def test_sentences_are_weighted_by_their_share_of_sentiment_words(lexicon: LexiconScorer) -> None:
    # Headline: -1.5 with weight 1/4; body sentence: +0.5 with weight 2/4.
    s = lexicon.score_story("Company downgraded to sell; lawsuit filed", "Strong gains, record profit.")
    assert s.n_sentences == 2
    assert s.score == pytest.approx((0.25 * -1.5 + 0.5 * 0.5) / 0.75)
    assert s.confidence == pytest.approx(0.375)


def test_the_penalty_is_configurable_and_the_batch_api_matches(lexicon: LexiconScorer) -> None:
    mild = LexiconScorer(negative_penalty=1.0)
    assert mild.score_story("Company downgraded to sell; lawsuit filed").score == pytest.approx(-0.5)
    stories = [("Strong gains, record profit", None), ("Company downgraded to sell; lawsuit filed", None)]
    assert lexicon.score_stories(stories) == [lexicon.score_story(h, b) for h, b in stories]
    assert lexicon.model_name.startswith("loughran-mcdonald")
