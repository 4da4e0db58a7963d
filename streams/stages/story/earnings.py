"""Earnings and guidance from the figures of a headline: actual against estimate, or a guided
range against the estimate or the range it replaces.

Steps of `earnings_events(text)`:
1. Split the text into clauses at `;` and `|`; within a clause, each metric keyword (EPS,
   sales, revenue) starts a segment that runs to the next keyword.
2. A clause is guidance when a guidance word (sees, guides, outlook, raises, ...) comes before
   its first keyword or inside the segment; otherwise it reports results.
3. Results: the first figure is the actual; with an estimate marker (Est, Estimate, consensus)
   and no year-ago marker (YoY, prior year, from), the next figure is the estimate. `May Not
   Compare` gives no direction; `Inline` gives 0. Surprise = (actual - estimate) / |estimate|.
4. Guidance: an explicit verb (raises / lowers, cuts, withdraws / reaffirms, maintains) sets the
   direction; otherwise the midpoint of the guided range against the estimate does, in line
   within `GUIDANCE_TOLERANCE_PCT`.
5. The story's earnings direction is its first EPS segment's, else its first revenue
   segment's; words alone ("beats", "worse-than-expected", "weak forecast") decide when no
   figures do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from streams.stages.story.event import Event, EventType
from streams.stages.story.numbers import find_figures, relative_change

__all__ = ["GUIDANCE_TOLERANCE_PCT", "earnings_events"]

GUIDANCE_TOLERANCE_PCT = 1.0
"""A guided midpoint within this many percent of the estimate is in line."""

_EPS = r"(?:EPS|Earnings Per Share|FFO|AFFO|NII|Net Investment Income)"
_REV = r"(?:Sales|Revenues?|Rev\.?)"
_METRIC = re.compile(rf"\b(?P<eps>{_EPS})\b|\b(?P<rev>{_REV})(?=\W|$)", re.IGNORECASE)
_EST = re.compile(r"\bE+st(?:imates?|\.)?\b|\bconsensus\b|\bstreet\b|\bexpectations?\b", re.IGNORECASE)
_YOY = re.compile(r"\bYoY\b|\bprior[- ]year\b|\byear[- ]ago\b|\bsame\b|\bfrom\b|\bvs\.? prior\b", re.IGNORECASE)
# A figure is a prediction, not a result ("Seahorse FY15 Rev. Estimated At $49M").
_PROJECTED = re.compile(r"\b(?:estimated|expected|projected|forecast)\s+(?:at|to)\b", re.IGNORECASE)
_PERIOD = re.compile(r"\b(?:q[1-4]|[1-4]q|fq[1-4]|f[1-4]q|fy\s?\d*|quarter|annual|year-end)\b", re.IGNORECASE)
_PRIOR = re.compile(r"\bfrom\b|\bvs\.?\s+prior\b", re.IGNORECASE)
_VS_PRIOR = re.compile(r"\bvs\.?\s+prior\b", re.IGNORECASE)
_NOT_COMPARABLE = re.compile(r"may not (?:be )?compar", re.IGNORECASE)
_INLINE = re.compile(r"\bin[- ]?line\b", re.IGNORECASE)
_BEAT_WORD = re.compile(r"\b(?:beats?|tops?|exceeds?|above)\b", re.IGNORECASE)
_MISS_WORD = re.compile(r"\b(?:miss(?:es)?|below|short)\b", re.IGNORECASE)
# "EPS $1.20 Beats By $0.20": the figure after "by" is the surprise, not the estimate.
_BY_AMOUNT = re.compile(
    r"\b(?:(?P<beat>beats?|beat|tops?|topped|exceeds?|exceeded)|(?P<miss>miss(?:es|ed)?))\b\s+(?:\w+\s+){0,2}?by\b",
    re.IGNORECASE,
)
# Words that make a clause guidance by themselves, and verbs that do so only beside figures
# ("Lowers EPS From $2.16-$2.36 To $2.02-$2.22"; a bare "Raises PT ... EPS Report" is no guidance).
_GUIDANCE = re.compile(r"\b(?:sees|guides?|guided|guidance|outlook|forecasts?|expects|projects)\b", re.IGNORECASE)
_RAISE = re.compile(r"\b(?:raises|raised|boosts|boosted|hikes|hiked|ups|upped|increases|increased|lifts|lifted)\b", re.IGNORECASE)
_LOWER = re.compile(
    r"\b(?:lowers|lowered|cuts|trims|trimmed|reduces|reduced|withdraws?|withdrawn|suspends|suspended|slashes|slashed)\b",
    re.IGNORECASE,
)
_KEEP = re.compile(
    r"\b(?:reaffirms|reaffirmed|reiterates|reiterated|affirms|affirmed|maintains|maintained|confirms|confirmed|narrows|"
    r"narrowed)\b|\b(?:guidance|outlook|forecast)\b[^;]{0,30}\bin line\b",
    re.IGNORECASE,
)
_CHANGE = re.compile(rf"{_RAISE.pattern}|{_LOWER.pattern}|{_KEEP.pattern}", re.IGNORECASE)
_PRICE_TARGET = re.compile(r"\bprice target\b|\bPT\b|\bprice objective\b", re.IGNORECASE)
_REPORTED = re.compile(
    r"\b(?:reports?|posts?|announces?)\b[^;]{0,60}\b(?:results|earnings|eps|profit|loss|net investment income)\b|"
    r"\b(?:first|second|third|fourth|q[1-4]|fy\d*|annual|year-end|quarterly)\b[^;]{0,20}\b(?:financial )?results\b|"
    r"\breturns? to profitability\b|\bmixed\b[^;]{0,20}\b(?:results|earnings)\b|\b(?:q[1-4]|fy\d*)\s+(?:adj\.?\s+)?eps\b",
    re.IGNORECASE,
)
# Results and guidance described in words, when the headline gives no comparable figures.
_GOOD_RESULTS = re.compile(
    r"better[- ]than[- ]expected|\b(?:upbeat|strong)\b[^;]{0,30}\b(?:results|earnings|quarter|q[1-4])\b|"
    r"\b(?:results?|earnings|profit|eps|revenue|sales)\b[^;]{0,20}\b(?:beats?|tops?|exceeds?)\b|"
    r"\b(?:beats?|tops?)\b[^;]{0,25}\b(?:estimates?|forecasts?|expectations|views?|consensus|street)\b",
    re.IGNORECASE,
)
_BAD_RESULTS = re.compile(
    r"worse[- ]than[- ]expected|\b(?:downbeat|weak|disappointing|soft)\b[^;]{0,30}\b(?:results|earnings|quarter|q[1-4]|sales)\b|"
    r"\b(?:results?|earnings|profit|eps|revenue|sales)\b[^;]{0,20}\b(?:miss(?:es)?|falls? short)\b|"
    r"\bmiss(?:es)?\b[^;]{0,25}\b(?:estimates?|forecasts?|expectations|views?|consensus|street|by)\b",
    re.IGNORECASE,
)
_GOOD_GUIDANCE = re.compile(
    r"\b(?:strong|upbeat|above[- ](?:analyst )?(?:estimates?|consensus))\b[^;]{0,20}\b(?:guidance|outlook|forecast)\b|"
    r"\b(?:guidance|outlook|forecast)\b[^;]{0,40}\babove (?:analyst )?(?:estimates?|consensus|expectations)",
    re.IGNORECASE,
)
_BAD_GUIDANCE = re.compile(
    r"\b(?:weak|soft|downbeat|disappointing|below[- ](?:analyst )?(?:estimates?|consensus))\b[^;]{0,20}\b(?:guidance|outlook|"
    r"forecast)\b|"
    r"\b(?:guidance|outlook|forecast)\b[^;]{0,40}\bbelow (?:analyst )?(?:estimates?|consensus|expectations)|"
    r"\b(?:cuts?|lowers?|lowered|withdraws?|withdrawn|slashes)\b[^;]{0,30}\b(?:guidance|outlook|forecast)\b|"
    r"\b(?:guidance|outlook|forecast) (?:cut|reduction)\b",
    re.IGNORECASE,
)
_GUIDANCE_CLAUSE = re.compile(rf"(?:{_CHANGE.pattern})[^;]{{0,40}}\b(?:guidance|outlook|forecast)\b", re.IGNORECASE)
_PREVIEW = re.compile(
    r"\b(?:preview|scheduled?|schedules|outlook for|ahead of|to report|expected to|to release|will report|conference call|"
    r"earnings outlook)\b",
    re.IGNORECASE,
)


# Clause breaks: `;`, `|`, and a sentence end that is not an abbreviation ("Adj. EPS", "vs.
# Est.", "J.P. Morgan").
_CLAUSE = re.compile(
    r"[;|]|(?<!Adj)(?<!Est)(?<!Rev)(?<!Inc)(?<!Qtr)(?<!Corp)(?<!Ltd)(?<!\bCo)(?<!\bvs)(?<!\bVs)(?<!\bMr)(?<!\bDr)"
    r"(?<![A-Z])\.\s+(?=[A-Z])"
)


def _clauses(text: str) -> list[str]:
    return _CLAUSE.split(text)


@dataclass(frozen=True, slots=True)
class _Segment:
    metric: str  # "eps" or "revenue"
    guidance: bool
    text: str
    clause: str


def _segments(text: str) -> Iterator[_Segment]:
    """Metric segments; guidance once a clause is (it carries to the clauses after it, which
    list further periods: "Sees Q4 EPS ...; FY17 EPS ..."), or where a figure is a range."""
    carried = False
    for clause in _clauses(text):
        matches = list(_METRIC.finditer(clause))
        if not matches:
            continue
        lead = clause[: matches[0].start()]
        if _PRICE_TARGET.search(clause):
            continue  # an analyst's note that mentions the report, not the report
        reported = re.search(r"\b(?:reports?|posts?|reported)\b", lead, re.IGNORECASE) is not None
        clause_guidance = _GUIDANCE.search(lead) is not None or (carried and not reported)
        for i, match in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(clause)
            segment = clause[match.start() : end]
            figures = [f for f in find_figures(segment) if not f.percent]
            # A change verb or a guidance word makes guidance only before the figures: "EPS $1.20
            # vs $1.00 Est, Lowers FY Guidance" reports a result, then guides.
            before = lead + segment[: figures[0].start] if figures else lead + segment
            changed = bool(figures) and _CHANGE.search(before) is not None
            ranged = any(f.low != f.high for f in figures)
            guidance = clause_guidance or changed or ranged or _GUIDANCE.search(before) is not None
            carried = carried or guidance
            yield _Segment("eps" if match.group("eps") else "revenue", guidance, segment, clause)


def _result(segment: _Segment) -> tuple[int, float | None] | None:
    """(direction, surprise %) of a results segment; None when it says nothing comparable."""
    if _NOT_COMPARABLE.search(segment.text):
        return 0, None
    figures = [f for f in find_figures(segment.text) if not f.percent]
    by = _BY_AMOUNT.search(segment.text)
    if by is not None and figures:
        direction = 1 if by.group("beat") else -1
        after = [f for f in figures if f.start >= by.end()]
        if figures[0].start < by.start() and after:
            actual, surprise_amount = figures[0].value, abs(after[0].value)
            return direction, relative_change(actual, actual - direction * surprise_amount)
        return direction, None
    if len(figures) >= 2 and _EST.search(segment.text) and not _YOY.search(segment.text):
        actual, estimate = figures[0].value, figures[1].value
        direction = 1 if actual > estimate else -1 if actual < estimate else 0
        return direction, relative_change(actual, estimate)  # no % against a zero estimate
    if _INLINE.search(segment.text):
        return 0, 0.0
    if figures and (_BEAT_WORD.search(segment.text) or _MISS_WORD.search(segment.text)) and _EST.search(segment.text):
        return (1 if _BEAT_WORD.search(segment.text) else -1), None
    if figures and _PERIOD.search(segment.clause) and not _PROJECTED.search(segment.text):
        return 0, None  # reported with no estimate to compare: a result, direction unknown
    return None


def _guidance(segment: _Segment) -> tuple[int, float | None] | None:
    """(direction, % change) of a guidance segment; None when it gives nothing comparable."""
    figures = [f for f in find_figures(segment.text) if not f.percent]
    explicit = _explicit_direction(segment.clause)
    change: float | None = None
    estimate = figures[-1] if len(figures) >= 2 and _EST.search(segment.text) else None
    guided = [f for f in figures if f is not estimate]
    if len(guided) >= 2 and _PRIOR.search(segment.text):
        # "from $a-$b to $c-$d": the new range against the old; "$c-$d vs. Prior $a-$b": the reverse
        old, new = (guided[-1], guided[0]) if _VS_PRIOR.search(segment.text) else (guided[0], guided[-1])
        change = relative_change(new.value, old.value)
    elif guided and estimate is not None:
        change = relative_change(guided[-1].value, estimate.value)
    if explicit is not None:
        # The verb decides the direction; figures that say the opposite give no magnitude.
        return explicit, change if change is None or change * explicit >= 0 else None
    if _NOT_COMPARABLE.search(segment.text) or change is None:
        return (0, None) if guided else None
    if abs(change) <= GUIDANCE_TOLERANCE_PCT:
        return 0, change
    return (1 if change > 0 else -1), change


def _explicit_direction(clause: str) -> int | None:
    raised, lowered = _RAISE.search(clause) is not None, _LOWER.search(clause) is not None
    if raised != lowered:
        return 1 if raised else -1
    if _KEEP.search(clause) and not (raised or lowered):
        return 0
    return None


def earnings_events(text: str) -> list[Event]:
    """The earnings and guidance events of `text` (at most one of each); steps in the module
    docstring."""
    results: dict[str, tuple[int, float | None]] = {}
    guidance: dict[str, tuple[int, float | None]] = {}
    explicit_guidance: list[int] = []
    for clause in _clauses(text):  # "...; Raises FY19 Guidance"
        if _GUIDANCE_CLAUSE.search(clause) and not _METRIC.search(clause):
            explicit = _explicit_direction(clause)
            if explicit is not None:
                explicit_guidance.append(explicit)
    for segment in _segments(text):
        if segment.guidance:
            found = _guidance(segment)
            explicit = _explicit_direction(segment.clause)
            if explicit is not None:
                explicit_guidance.append(explicit)
            if found is not None:
                guidance.setdefault(segment.metric, found)
        else:
            found = _result(segment)
            if found is not None:
                results.setdefault(segment.metric, found)
    events = []
    result = results.get("eps") or results.get("revenue")
    if result is None and not _PREVIEW.search(text):
        if _BAD_RESULTS.search(text):
            result = (-1, None)
        elif _GOOD_RESULTS.search(text):
            result = (1, None)
        elif _REPORTED.search(text) and not guidance and not _GUIDANCE.search(text):
            result = (0, None)
    if result is not None:
        events.append(Event(EventType.EARNINGS, result[0], result[1], _action(result[0], "beat", "miss", "in line")))
    guided = _guidance_direction(guidance, explicit_guidance, text)
    if guided is not None:
        events.append(Event(EventType.GUIDANCE, guided[0], guided[1], _action(guided[0], "raised", "lowered", "in line")))
    return events


def _guidance_direction(
    found: dict[str, tuple[int, float | None]], explicit: list[int], text: str
) -> tuple[int, float | None] | None:
    lead = found.get("eps") or found.get("revenue")
    if explicit and any(explicit) and not (1 in explicit and -1 in explicit):
        direction = next(d for d in explicit if d)
        return direction, lead[1] if lead else None
    if explicit and not any(explicit):
        return 0, lead[1] if lead else None
    if lead is not None:
        return lead
    if _BAD_GUIDANCE.search(text):
        return -1, None
    if _GOOD_GUIDANCE.search(text):
        return 1, None
    if re.search(r"\b(?:guidance|outlook|forecast)\b", text, re.IGNORECASE) and explicit:
        return 0, None
    return None


def _action(direction: int, up: str, down: str, flat: str) -> str:
    return up if direction > 0 else down if direction < 0 else flat
