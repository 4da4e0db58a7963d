"""Event types, directions and magnitudes of wire headlines. Expected values are worked out by
hand from each headline (the surprise of $0.30 vs $0.24 is (0.30 - 0.24) / 0.24 = +25%)."""

from __future__ import annotations

import math

import pytest

from streams.stages.story import Company, EventType, SymbolDirectory, classify, for_ticker, primary
from streams.stages.story.directory import aliases_of
from streams.stages.story.events import strip_prefix

E = EventType


def _events(headline: str) -> dict[str, tuple[int, float | None]]:
    return {e.type.value: (e.direction, e.magnitude) for e in classify(headline)}


@pytest.mark.parametrize(
    ("headline", "direction", "surprise"),
    [
        ("Acme Q3 EPS $0.30 vs $0.24 Est.", 1, 25.0),
        ("Acme Q3 EPS $0.24 vs $0.30 Est.", -1, -20.0),
        ("Acme Q1 EPS $(0.59) Misses $(0.52) Estimate, Sales $62.959M Beat $60.69M Estimate", -1, -13.46),
        ("Acme Reports Q4 EPS $(0.07) vs $(0.10) Est.", 1, 30.0),
        ("Acme Q4 Adj. EPS $0.64, Inline, Sales $804.66M Beat $706.19M Estimate", 0, 0.0),
        ("Acme Reports Q4 EPS $(0.15) May Not Compare To $0.06 Est., Sales $208.8M vs $174.5M Est.", 0, None),
        ("Acme Q2 EPS $1.81 Up From $(0.69) YoY", 0, None),
        ("Acme shares are trading lower after the company reported worse-than-expected Q2 EPS and sales results.", -1, None),
    ],
)
def test_earnings_against_the_estimate(headline: str, direction: int, surprise: float | None) -> None:
    got_direction, got_surprise = _events(headline)["earnings"]
    assert got_direction == direction
    assert got_surprise == (pytest.approx(surprise, abs=0.01) if surprise is not None else None)


@pytest.mark.parametrize(
    ("headline", "direction"),
    [
        ("Acme Raises FY19 Adj. EPS Guidance From $3-$3.05 To $3.03-$3.07 vs $3.05 Estimate", 1),
        ("Acme Lowers Q4 EPS Guidance from $0.38-0.42 to $0.27-0.31 vs $0.40 Est", -1),
        ("Acme Sees Q4 EPS $0.38-0.42 vs $0.46 Est", -1),  # midpoint 0.40 is 13% below
        ("Acme Sees FY16 Adj. EPS $1.89-$1.91 vs $1.91 Est., Sales $4.14B-$4.16B vs $4.18B Est.", 0),  # -0.5%: in line
        ("Acme Reaffirms FY20 Guidance: Adj. EPS $3.38-$3.43 vs $3.42 Estimate", 0),
        ("Acme Sees Q2 Adj. EPS $0.70-$0.72 vs $0.72 Estimate; Raises FY19 Guidance", 1),  # the verb wins
        ("Acme Sees Q4 Rev. $84.5-$84.8M vs. Prior Outlook Of $75-$79M", 1),
        ("Acme Withdraws Full-Year FY20 Guidance", -1),
    ],
)
def test_guidance(headline: str, direction: int) -> None:
    assert _events(headline)["guidance"][0] == direction
    assert "earnings" not in _events(headline)  # a guided range is not a result


@pytest.mark.parametrize(
    ("headline", "expected"),
    [
        ("Goldman Sachs Upgrades Acme from Neutral to Buy, Announces PT of $49",
         {"analyst_rating": (1, 1.0), "price_target": (0, None)}),
        ("BMO Downgrades Acme from Market Perform to Underperform, Lowers PT from $5 to $3.25",
         {"analyst_rating": (-1, 1.0), "price_target": (-1, -35.0)}),
        ("Credit Suisse Upgrades Acme from Underperform to Outperform", {"analyst_rating": (1, 2.0)}),
        ("UBS Maintains Neutral on Acme, Raises Price Target to $87", {"analyst_rating": (0, None), "price_target": (1, None)}),
        ("Citigroup Initiates Coverage On Acme with Sell Rating, Announces $85 Price Target",
         {"analyst_rating": (-1, None), "price_target": (0, None)}),
        ("Acme Price Target Raised 22%", {"price_target": (1, 22.0)}),
        ("Bank of America Reduces Acme to Underperform on Valuation", {"analyst_rating": (-1, 1.0)}),
    ],
)
def test_analyst_actions(headline: str, expected: dict[str, tuple[int, float | None]]) -> None:
    got = _events(headline)
    assert {k: (d, pytest.approx(m) if m is not None else None) for k, (d, m) in got.items()} == expected


@pytest.mark.parametrize(
    ("headline", "kind", "direction"),
    [
        ("Acme Will Acquire BioTek Instruments In $1.16B Deal", E.MERGER_ACQUISITION, 0),
        ("Acme Stockholders Approve Optum Merger Agreement", E.MERGER_ACQUISITION, 1),
        ("Acme Prices 4.7M Share Public Offering of Common Stock", E.EQUITY_OFFERING, -1),
        ("Acme Raises Qtr. Dividend From $0.164 To $0.18/Share", E.DIVIDEND, 1),
        ("Acme Suspends Dividend", E.DIVIDEND, -1),
        ("Acme Announces $1.14B Buyback Plan", E.BUYBACK, 1),
        ("Acme Temporarily Suspends All Further Buybacks", E.BUYBACK, -1),
        ("Acme Receives FDA Approval for PD-L1 as a Companion Diagnostic", E.REGULATORY, 1),
        ("Acme Receives Complete Response Letter From FDA", E.REGULATORY, -1),
        ("Acme Shares Halted News Pending", E.TRADING_HALT, 0),
        ("Rosen Law Firm Announces Class Action Lawsuit Against Acme", E.LEGAL, -1),
        ("Acme Files Ch. 11 Bankruptcy", E.BANKRUPTCY, -1),
        ("Acme CFO Keith Style To Leave Company", E.EXECUTIVE_CHANGE, -1),
        ("Acme Names Thomas Greco CEO", E.EXECUTIVE_CHANGE, 0),
        ("Acme Added to Russell 2000 Index", E.INDEX_CHANGE, 1),
    ],
)
def test_corporate_events(headline: str, kind: EventType, direction: int) -> None:
    assert _events(headline)[kind.value][0] == direction


@pytest.mark.parametrize(
    "headline",
    [
        "Stocks That Hit 52-Week Lows On Thursday",
        "A Peek Into The Markets: US Stock Futures Edge Lower Ahead Of Consumer Price Index",
        "Shares of several healthcare companies are trading lower in sympathy with the overall market.",
        "Mid-Day Market Update: Cray Surges On Upbeat Results; DigitalGlobe Shares Drop",
        "Earnings Scheduled For May 14, 2018",
        "Benzinga's Top Upgrades, Downgrades For November 10, 2017",
    ],
)
def test_a_market_or_list_piece_reports_no_event(headline: str) -> None:
    assert classify(headline) == ()


@pytest.mark.parametrize(
    "headline",
    [
        "Market Chatter On Acme Buyout",
        "Jim Cramer Says Danaher Could Pay as Much as $65/Share for Acme",
        "Earnings Preview: Acme EPS Expected to Rise",
    ],
)
def test_rumours_and_previews_are_no_events(headline: str) -> None:
    assert {e.type for e in classify(headline)} & {E.MERGER_ACQUISITION, E.EARNINGS} == set()


def test_the_lead_event_has_a_known_direction_and_the_highest_priority() -> None:
    events = classify("Acme Maintains Overweight, Lowers Price Target to $66")  # reiteration +1, target -1
    lead = primary(events)
    assert lead is not None and (lead.type, lead.direction) == (E.PRICE_TARGET, -1)
    assert primary(classify("Acme Shares Halted News Pending")).direction == 0  # type: ignore[union-attr]
    assert primary(()) is None


def test_the_body_is_read_when_the_headline_has_no_event() -> None:
    assert classify("Acme: an update", body="Acme Q3 EPS $0.30 vs $0.24 Est. The company also...")[0].type is E.EARNINGS


def test_wire_prefixes_are_stripped() -> None:
    assert strip_prefix("UPDATE: CORRECTION: Acme Raises PT") == "Acme Raises PT"


def test_an_outlook_without_figures_in_a_firms_note_is_its_reason_not_guidance() -> None:
    events = classify("UPDATE: Feltl and Company Upgrades Acme to Strong Buy on Positive Outlook")
    assert [(e.type, e.direction) for e in events] == [(E.ANALYST_RATING, 1)]
    with_figures = classify("Goldman Upgrades Acme; Acme Raises FY Sales Guidance to $132M-$134M vs $129.5M Est.")
    assert {e.type for e in with_figures} >= {E.GUIDANCE, E.ANALYST_RATING}


@pytest.mark.parametrize(
    ("headline", "kind", "direction"),
    [
        ("Acme FDA Approval Rejected", E.REGULATORY, -1),
        ("FDA rejected Acme's drug application", E.REGULATORY, -1),
        ("FDA Denies Approval Of Acme Drug", E.REGULATORY, -1),
        ("Court Denies Acme Motion To Dismiss Lawsuit", E.LEGAL, -1),
        ("Judge Dismisses Lawsuit Against Acme", E.LEGAL, 1),
    ],
)
def test_rejections_and_denied_motions(headline: str, kind: EventType, direction: int) -> None:
    lead = primary(classify(headline))
    assert lead is not None and (lead.type, lead.direction) == (kind, direction)


@pytest.mark.parametrize("headline", ["Acme Denies Bankruptcy Rumours", "Acme Denies Report It Plans To File For Chapter 11"])
def test_a_denied_report_is_no_event(headline: str) -> None:
    assert classify(headline) == ()


@pytest.mark.parametrize(
    ("headline", "direction", "surprise"),
    [
        ("Acme EPS $1.20 Beats By $0.20", 1, 20.0),  # estimate 1.00
        ("Acme Q3 EPS of -$0.10 beats by $0.05", 1, 100 / 3),  # estimate -0.15
        ("Acme Q3 EPS $0.30 Misses By $0.02, Revenue $1.2B Beats By $0.1B", -1, -6.25),  # estimate 0.32
        ("Acme Q3 EPS $0.05 vs $0.00 Est", 1, None),  # no % of a zero estimate
    ],
)
def test_surprises_written_as_beats_by_and_against_a_zero_estimate(headline: str, direction: int, surprise: float | None) -> None:
    (event,) = [e for e in classify(headline) if e.type is E.EARNINGS]
    assert event.direction == direction
    assert event.magnitude == (None if surprise is None else pytest.approx(surprise))


def test_a_result_followed_by_guidance_is_both() -> None:
    events = {e.type: e for e in classify("Acme EPS $1.20 vs $1.00 Est, Lowers FY Guidance")}
    assert (events[E.EARNINGS].direction, events[E.EARNINGS].magnitude) == (1, pytest.approx(20.0))
    assert (events[E.GUIDANCE].direction, events[E.GUIDANCE].magnitude) == (-1, None)  # no figures of its own


@pytest.mark.parametrize("headline", ["Acme Q3 EPS $1.00 vs $" + "9" * 400 + " Est", "", "   ", "\x00", "EPS " * 300])
def test_absurd_figures_and_empty_text_give_no_magnitude_beyond_a_float(headline: str) -> None:
    for event in classify(headline):
        assert event.magnitude is None or math.isfinite(event.magnitude)


@pytest.mark.parametrize(
    ("headline", "roles"),
    [
        ("Beta Systems to be Acquired by Acme Corp", {"ACME": 0, "BETA": 1}),
        ("Beta Systems Receives Takeover Offer From Acme Corp", {"ACME": 0, "BETA": 1}),
        ("Acme Corp Acquires Beta Systems' Chip Unit", {"ACME": 0, "BETA": 0}),
        ("Acme Corp to Acquire Beta Systems For $2B", {"ACME": 0, "BETA": 1}),
    ],
)
def test_deal_roles_per_ticker(headline: str, roles: dict[str, int]) -> None:
    directory = SymbolDirectory({"ACME": Company("ACME", "Acme Corp", aliases_of("Acme Corp")),
                                 "BETA": Company("BETA", "Beta Systems", aliases_of("Beta Systems"))})
    events = classify(headline)
    got = {}
    for ticker in roles:
        (deal,) = [e for e in for_ticker(events, headline, ticker, directory.get(ticker)) if e.type is E.MERGER_ACQUISITION]
        got[ticker] = deal.direction
    assert got == roles


@pytest.mark.parametrize(
    ("headline", "actor"),
    [
        ("Acme Upgraded to Buy at Goldman Sachs", "goldman"),
        ("Acme Downgraded to Sell by Morgan Stanley", "morgan"),
        ("Bank of America Upgrades Acme to Buy", "bank america"),
        ("BofA Raises PT on Acme to $50", "bank america"),
        ("Bank of Montreal Upgrades Acme to Outperform", "bank montreal"),
        ("Citigroup Maintains Neutral on Acme, Raises PT to $15", "citi"),
        ("X" * 300 + " Upgrades Acme to Buy", None),
    ],
)
def test_the_actor_is_the_analyst_firm(headline: str, actor: str | None) -> None:
    lead = primary(classify(headline))
    assert lead is not None and lead.actor == actor
