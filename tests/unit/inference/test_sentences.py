"""Sentence splitting: headline first, pysbd for the body, cap, blanks dropped."""

from __future__ import annotations

import pytest

from inference.sentences import SentenceSplitter


def test_headline_first_then_body_sentences() -> None:
    body = "Revenue rose 12% to $4.1 bn. Mr. Smith, the CEO, expects more in the U.S. next year! Shares fell."
    assert SentenceSplitter().split("Acme beats estimates", body) == [
        "Acme beats estimates",
        "Revenue rose 12% to $4.1 bn.",
        "Mr. Smith, the CEO, expects more in the U.S. next year!",
        "Shares fell.",
    ]


def test_headline_is_one_sentence_whatever_its_punctuation() -> None:
    assert SentenceSplitter().split("  Acme: Q3 beat. Guidance cut.  ") == ["Acme: Q3 beat. Guidance cut."]


@pytest.mark.parametrize("cap", [1, 2, 5])
def test_cap_counts_the_headline(cap: int) -> None:
    body = " ".join(f"Sentence number {i} is here." for i in range(20))
    sentences = SentenceSplitter(cap).split("Headline", body)
    assert len(sentences) == cap
    assert sentences[0] == "Headline"
    assert sentences[1:] == [f"Sentence number {i} is here." for i in range(cap - 1)]


@pytest.mark.parametrize(
    ("headline", "body", "expected"),
    [
        ("", None, []),
        ("   \n", "", []),
        ("   ", "Only the body. Counts here.", ["Only the body.", "Counts here."]),
        ("Headline", "  \n\t ", ["Headline"]),
    ],
)
def test_blank_parts_are_dropped(headline: str, body: str | None, expected: list[str]) -> None:
    assert SentenceSplitter().split(headline, body) == expected


def test_long_body_is_split_like_pysbd_across_windows() -> None:
    # Far longer than one segmentation window: the windowed reading must not cut, lose or
    # repeat a sentence at window edges.
    sentences = [f"Company {i} said Mr. Lee expects 2.5% growth in the U.S. market." for i in range(120)]
    got = SentenceSplitter(max_sentences=1000).split("H", " ".join(sentences))
    assert got == ["H", *sentences]


def test_sentence_longer_than_a_window_is_kept_in_pieces_not_lost() -> None:
    got = SentenceSplitter().split("H", "x" * 5000 + ". Next one.")
    assert "".join(got[1:-1]) == "x" * 5000 + "."
    assert got[-1] == "Next one."


def test_cap_must_be_positive() -> None:
    with pytest.raises(ValueError):
        SentenceSplitter(0)
