"""Relevance per story x ticker, company names, and per-ticker roles (levels: StorySettings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.settings import StorySettings
from streams.stages.story import EventType, SymbolDirectory, classify, for_ticker, primary, relevance
from streams.stages.story.directory import DirectoryError, aliases_of

CFG = StorySettings()
DIRECTORY = SymbolDirectory.load()  # the built-in one: Agilent (A) and Advance Auto Parts (AAP) are in it


def _relevance(headline: str, ticker: str, n: int = 1, body: str | None = None) -> float:
    return relevance(headline, body, ticker, n, DIRECTORY.get(ticker), CFG)


@pytest.mark.parametrize(
    ("headline", "ticker", "expected"),
    [
        ("Stocks That Hit 52-Week Highs On Friday", "A", CFG.list_relevance),
        ("Agilent Raises Qtr. Dividend From $0.164 To $0.18/Share", "A", CFG.named_relevance),
        ("Goldman Sachs Upgrades Agilent Technologies to Buy", "A", CFG.named_relevance),  # 3rd word: within lead_words
        ("Twist Bioscience Reports Settlement Deal With Agilent", "A", CFG.mentioned_relevance),
        ("Agillent Posts Strong Quarter", "A", CFG.named_relevance),  # a close spelling
        ("Advanced Auto Parts shares are trading higher", "AAP", CFG.named_relevance),
        ("EMCORE Corporation Announces Unaudited Results", "A", CFG.unnamed_relevance),  # a mis-tag
        ("Aaron's Q3 EPS $0.73 Misses $0.82 Estimate", "AAN", CFG.unknown_relevance),  # not in the directory
        ("AAN Shares Fall After Results", "AAN", CFG.named_relevance),  # its symbol
    ],
)
def test_relevance_levels(headline: str, ticker: str, expected: float) -> None:
    assert _relevance(headline, ticker) == pytest.approx(expected)


def test_unnamed_relevance_falls_with_the_number_of_tickers() -> None:
    one, three = _relevance("Results are in", "ZZZZ", 1), _relevance("Results are in", "ZZZZ", 3)
    assert three == pytest.approx(one / (1 + CFG.multi_ticker_decay * 2))


def test_a_body_mention_counts_for_less_than_the_headline() -> None:
    assert _relevance("Lab equipment makers rally", "A", body="Agilent led the group.") == pytest.approx(CFG.body_relevance)


def test_aliases_drop_legal_suffixes_and_keep_a_distinctive_first_word() -> None:
    assert aliases_of("Agilent Technologies, Inc.") == ("agilent technologies", "agilent")
    assert aliases_of("Advance Auto Parts") == ("advance auto parts", "advance auto")  # "advance" alone is generic
    assert aliases_of("Aaron's", ["Aarons"]) == ("aaron", "aarons")  # a lone "s" (of S.A.) is dropped


def test_a_user_csv_adds_and_overrides_companies(tmp_path: Path) -> None:
    path = tmp_path / "symbols.csv"
    path.write_text("# sample\nticker,name,aliases\nzzzz,Zeta Holdings,Zeta;ZH Group\nA,Agilent Corp,\n")
    directory = SymbolDirectory.load(path)
    company = directory.get("ZZZZ")
    assert company is not None and company.aliases == ("zeta", "zh group")
    assert directory.get("A").name == "Agilent Corp"  # type: ignore[union-attr]


def test_a_bad_csv_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "symbols.csv"
    path.write_text("symbol,company\nA,Agilent\n")
    with pytest.raises(DirectoryError, match="symbols.csv"):
        SymbolDirectory.load(path)


def test_a_row_without_a_name_is_named_by_its_line_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "symbols.csv"
    path.write_text("# names\n\nticker,name,aliases\n# the next row is fine\nA,Agilent,\nB,,\n")
    with pytest.raises(DirectoryError, match=r"symbols.csv:6: a row needs a ticker and a name"):
        SymbolDirectory.load(path)


def test_the_target_of_a_deal_and_the_company_replaced_in_an_index_get_their_own_direction() -> None:
    deal = "Ares Capital To Buy American Capital For $3.43 Billion"
    directory = SymbolDirectory.load()
    names = {"ACAS": "American Capital", "ARCC": "Ares Capital"}
    from streams.stages.story.directory import Company

    def lead(ticker: str, headline: str) -> tuple[EventType, int]:
        company = Company(ticker, names.get(ticker, ticker), aliases_of(names.get(ticker, ticker)))
        event = primary(for_ticker(classify(headline), headline, ticker, company))
        assert event is not None
        return event.type, event.direction

    assert lead("ACAS", deal) == (EventType.MERGER_ACQUISITION, 1)
    assert lead("ARCC", deal) == (EventType.MERGER_ACQUISITION, 0)
    index = "S&P Dow Jones Indices Announces William Lyon Homes Will Join S&P SmallCap 600, Will Replace Arctic Cat"
    names.update({"ACAT": "Arctic Cat", "WLH": "William Lyon Homes"})
    assert lead("ACAT", index) == (EventType.INDEX_CHANGE, -1)
    assert lead("WLH", index) == (EventType.INDEX_CHANGE, 1)
    assert len(directory) > 1000
