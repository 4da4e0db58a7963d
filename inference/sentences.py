"""Split a story (headline + body) into the sentences the classifier scores."""

from __future__ import annotations

import pysbd
from pysbd.utils import TextSpan

__all__ = ["SentenceSplitter"]

# pysbd's cost grows faster than linearly with the text it is given, so bodies are segmented
# window by window and only until the sentence cap is reached: a long body costs what its first
# sentences cost.
_WINDOW_CHARS = 2000


class SentenceSplitter:
    """Headline first, then the body's sentences (pysbd), at most `max_sentences` in all.

    The headline is one sentence whatever its punctuation. Empty and whitespace-only
    headlines, bodies and sentences are dropped; every sentence is stripped. Safe to share
    between threads.
    """

    def __init__(self, max_sentences: int = 16) -> None:
        if max_sentences < 1:
            raise ValueError(f"max_sentences must be >= 1, got {max_sentences}")
        self.max_sentences = max_sentences

    def split(self, headline: str, body: str | None = None) -> list[str]:
        """The story's sentences in reading order, headline first, capped."""
        sentences: list[str] = []
        if headline.strip():
            sentences.append(headline.strip())
        if body:
            sentences.extend(self._body_sentences(body, self.max_sentences - len(sentences)))
        return sentences[: self.max_sentences]

    def _body_sentences(self, body: str, limit: int) -> list[str]:
        # pysbd keeps the text being segmented on the Segmenter, so one shared instance is not
        # thread-safe; a new one per call is cheap.
        segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
        found: list[str] = []
        start = 0
        while len(found) < limit and start < len(body):
            window = body[start : start + _WINDOW_CHARS]
            spans = segmenter.segment(window)
            if start + len(window) >= len(body):
                found.extend(_stripped(spans))
                break
            if len(spans) > 1:
                # The window's last sentence may be cut at the window's edge: drop it and
                # read it again from its start in the next window.
                spans = spans[:-1]
                start += spans[-1].end
            else:
                # One sentence longer than the window (or only blanks): take it as it is,
                # the tokenizer truncates it anyway.
                start += len(window)
            found.extend(_stripped(spans))
        return found[:limit]


def _stripped(spans: list[TextSpan]) -> list[str]:
    return [text for text in (span.sent.strip() for span in spans) if text]
