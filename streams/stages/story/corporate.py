"""Corporate events read from the wording of a headline: deals, offerings, dividends, buybacks,
regulatory decisions, trading halts, legal trouble, bankruptcy, executive changes, index changes.

Each rule is a table row: an event type, the pattern that finds it, what keeps it out (the
pattern that would make it a false find), and how its direction is read. The rules read one
company's news; market and list pieces are filtered out before (`streams.stages.story.roundup`).
Rumours and speculation ("chatter", "hearing", "could") are not events where the rule says so
(deals); a denied report ("Denies Bankruptcy Rumours") is never one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from streams.stages.story.event import Event, EventType

__all__ = ["corporate_events"]

_I = re.IGNORECASE
_RUMOUR = re.compile(r"\b(?:chatter|rumou?rs?|hearing|speculat\w*|reportedly|could|considering|exploring|may)\b", _I)
# A company denying a report reports no event ("Acme Denies Bankruptcy Rumours"); a court or
# a regulator denying a motion or an approval does.
_DENIAL = re.compile(
    r"\b(?:den(?:y|ies|ied)|refutes?|dismisses)\b[^;]{0,40}\b(?:reports?|rumou?rs?|speculation|plans? to|intention)\b", _I
)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


@dataclass(frozen=True)
class _Rule:
    type: EventType
    find: re.Pattern[str]
    exclude: re.Pattern[str] | None
    direction: Callable[[str], tuple[int, str]]
    rumour_sensitive: bool = False


def _fixed(direction: int, action: str) -> Callable[[str], tuple[int, str]]:
    return lambda text: (direction, action)


def _first(*cases: tuple[re.Pattern[str], int, str], default: tuple[int, str]) -> Callable[[str], tuple[int, str]]:
    def direction(text: str) -> tuple[int, str]:
        for pattern, value, action in cases:
            if pattern.search(text):
                return value, action
        return default

    return direction


_ACQUIRED = _rx(
    r"\bto be (?:acquired|bought|taken private)\b|\bagrees? to be (?:acquired|bought)\b|"
    r"\breceives? (?:an? )?(?:unsolicited )?(?:takeover|buyout|acquisition|merger) (?:offer|bid|proposal)\b|"
    r"\b(?:stockholders|shareholders) approve\b[^;]{0,40}\bmerger\b|\bgo(?:es|ing)? private\b"
)
_REGULATORY_BAD = _rx(
    r"complete response letter|\bCRL\b|\breject(?:s|ed|ion)?\b|\bden(?:y|ies|ied|ial)\b|\brefus\w+ to (?:file|approve)\b|"
    r"\bnot approv\w*|clinical hold|"
    r"warning letter|\bFDA (?:snub|hurdle)\b|re-?examines? (?:the )?safety|safety concerns|votes? against|\bdeclines? to approve"
)
_LEGAL_GOOD = _rx(r"\bdismiss\w*|\bwins?\b[^;]{0,20}\b(?:lawsuit|case|verdict|appeal|ruling)|favorable ruling|\bacquitt\w*")
_LEGAL_SETTLED = _rx(r"\bsettle\w*")
_PAYS = _rx(r"\b(?:will|to|agrees? to) pay\b")
_DEPARTS = _rx(
    r"\b(?:resign\w*|steps? down|stepping down|depart\w*|retir\w*|to leave|leaves|leaving|ousted|fired|terminated|exits?)\b"
)
def _executive_direction(text: str) -> tuple[int, str]:
    """A departure is -1; a departure announced with its successor (a succession) is 0."""
    if _DEPARTS.search(text):
        return (0, "succession") if _SUCCESSOR.search(text) else (-1, "departure")
    return 0, "appointment"


_REMOVED = _rx(r"\b(?:removed from|to be removed|dropped from|deleted from|will be replaced|exits? the)\b")

_REGULATOR = (
    r"(?:\b(?:FDA|EMA|CHMP|EU|European Commission|Health Canada|PMDA|NMPA|UK|regulators?|government|ministry|"
    r"agency|FCC|FTC|FAA|EPA|USDA|DEA)\b|\bU\.K\.)"
)
_DECISION = (
    r"\b(?:approv\w*|clear(?:s|ed|ance)|authori[sz]\w*|nod|designation|accepts?|reject(?:s|ed|ion)?|den(?:y|ies|ied|ial)|"
    r"action date|CRL|warning letter|"
    r"re-?examines?|snub|hurdle|panel vot\w*|advisory committee vot\w*|backed|backs|endorses?|recommends?)\b"
)

_RULES: tuple[_Rule, ...] = (
    _Rule(
        EventType.BANKRUPTCY,
        _rx(
            r"\bbankrupt\w*|\bchapter (?:7|11|15)\b|\bch\. ?(?:7|11|15)\b|\binsolven\w*|\bevents? of default\b|"
            r"\bdefault notices?\b|\bin default\b|\bdefaults? on (?:its )?(?:debt|notes|loans?|bonds?|payments?|interest)|"
            r"going concern|\breceivership\b|protection from creditors|creditor protection|\bliquidat\w+ (?:the )?company"
        ),
        None,
        _fixed(-1, "filed"),
    ),
    _Rule(
        EventType.REGULATORY,
        _rx(
            rf"{_REGULATOR}[^;]{{0,60}}{_DECISION}|{_DECISION}[^;]{{0,40}}{_REGULATOR}|breakthrough (?:therapy )?designation|"
            rf"fast track|"
            r"priority review|orphan drug designation|complete response letter|\bCRL\b|clinical hold|\bapproved for\b|"
            r"\b(?:receives?|gains?|wins?|obtains?|granted|snags?)\b[^;]{0,40}\b(?:approval|clearance|authori[sz]ation|nod)\b"
        ),
        _rx(
            r"\b(?:stockholders?|shareholders?|board|directors|holders)\b[^;]{0,15}\bapprov\w*|"
            r"\bapprov\w*[^;]{0,30}\b(?:buy-?back|"
            r"repurchase|dividend|merger|stock split|share issuance)|\b(?:court|shareholder|subject to|"
            r"pending)\b[^;]{0,10}approval|\bconsent (?:order|decree)s?\b|"
            r"\bahead of\b|\bawaits?\b|\bexpected\b"
        ),
        _first(
            (_REGULATORY_BAD, -1, "rejected"),
            (
                _rx(r"\bvot\w*\b[^;]{0,15}\b(?:in favou?r|for)\b|\brecommends? approval\b|\bbenefits?\b[^;]{0,60}\boutweigh|"
                    r"\bbacked\b|\bbacks\b|\bendorses?\b"),
                1,
                "approved",
            ),
            (_rx(r"\baccepts?\b|\baction date\b|\bvot\w*\b"), 0, "filed"),
            default=(1, "approved"),
        ),
    ),
    _Rule(
        EventType.MERGER_ACQUISITION,
        _rx(
            r"\bto (?:acquire|buy|merge)\b|\bacquires?\b|\bacquired\b|\bacquisition of\b|\bcompletes? (?:the )?acquisition\b|"
            r"\bagrees? to (?:acquire|buy)\b|\bmerger (?:with|agreement)\b|\bwill acquire\b|\bagreement to acquire\b|"
            r"\bcloses? (?:the |its |on the )?acquisition\b|"
            r"\b(?:takeover|buyout) (?:of|offer|bid)\b|\bdeal to (?:buy|acquire)\b|\bsells? (?:its )?(?:interest|stake|unit|"
            r"business|"
            r"division|assets?|subsidiary)\b|\bfund mergers\b|\bto be (?:acquired|bought)\b|\bapprove\b[^;]{0,40}\bmerger\b"
        ),
        _rx(
            r"\b(?:upgrad|downgrad|initiat|maintain|reiterat)\w*|\bbuys? [\d,.]+\s?(?:k|m)?\s?shares\b|"
            r"\bacquisitions? in the future\b|"
            r"\bto buy (?:stocks|shares|the dip)\b|\bto (?:acquire|buy) \$|"
            r"\bfacilities for possible acquisition\b|\bacquisition targets?\b"
        ),
        _first((_ACQUIRED, 1, "target"), default=(0, "acquirer")),
        rumour_sensitive=True,
    ),
    _Rule(
        EventType.EQUITY_OFFERING,
        _rx(
            r"\b(?:public|secondary|follow-on|registered direct|common stock|share|equity|stock) offering\b|"
            r"\boffering of (?:common )?(?:stock|shares)\b|\bprivate placement\b|\bat-the-market\b|\bmixed (?:securities )?"
            r"(?:shelf|offering)\b|\bprices? [\d.,]+\s?[mk]? (?:common )?shares\b|\bto offer common shares\b|"
            r"\bshelf registration\b|\b(?:share|stock|securities)\s+shelf\b"
        ),
        _rx(r"\b(?:senior |convertible )?notes\b|\bdebentures?\b|\bbonds?\b|\bdebt offering\b|\bIPO\b|\binitial public\b"),
        _fixed(-1, "dilution"),
    ),
    _Rule(
        EventType.DIVIDEND,
        _rx(r"\bdividends?\b"),
        _rx(
            r"\bex[- ]?dividends?\b|\bdividend (?:yield|payers|stocks|aristocrats?|kings?|champions?|growth)\b|"
            r"\b(?:upgrad|downgrad|maintain|reiterat|"
            r"initiat)\w*|"
            r"\b(?:possible|potential)\b[^;]{0,40}\bdividends?\b"
        ),
        _first(
            (_rx(r"\b(?:cuts?|reduces?|lowers?|slashes?|trims?)\b[^;]{0,30}\bdividend|\bdividend cut"), -1, "cut"),
            (
                _rx(r"\bsuspend\w*[^;]{0,30}\bdividend|\bdividend[^;]{0,20}\bsuspend|\beliminat\w*[^;]{0,20}\bdividend"),
                -1,
                "suspended",
            ),
            (
                _rx(
                    r"\b(?:raises?|raised|increases?|increased|hikes?|hiked|boosts?|boosted|ups|lifts?|lifted)\b[^;]{0,30}\bdividend|"
                    r"\bdividend[^;]{0,20}\b"
                    r"(?:raised|increased|hike|increase)\b"
                ),
                1,
                "raised",
            ),
            (
                _rx(
                    r"\binitiat\w*[^;]{0,20}\bdividend|\bfirst\b[^;]{0,20}\bdividend|\bnew dividend|"
                    r"\breinstat\w*[^;]{0,40}\bdividend|\bspecial\b[^;]{0,20}\bdividend|\bsupplemental\b[^;]{0,20}\bdividend"
                ),
                1,
                "initiated",
            ),
            default=(0, "declared"),
        ),
    ),
    _Rule(
        EventType.BUYBACK,
        _rx(
            r"\bbuy[- ]?backs?\b|\b(?:share|stock) repurchases?\b|\brepurchase (?:program|plan|authori[sz]ation|policy)\b|"
            r"\brepurchas(?:es|ed|e) (?:of )?[\d.,]+\s?[mk]? (?:common )?shares\b|"
            r"\bpurchase of [\d.,]+\s?(?:[mk]|million|thousand)? of its shares\b|"
            r"\brepurchase \$[\d.,]+\s?[mkb]? of (?:its )?(?:common )?(?:stock|shares)\b"
        ),
        None,
        _first((_rx(r"\bsuspend\w*|\bhalt\w*|\bterminat\w*"), -1, "suspended"), default=(1, "announced")),
    ),
    _Rule(
        EventType.TRADING_HALT,
        _rx(r"\bhalt(?:ed|s)?\b|\bresumes? trad\w*|\btrading resum\w*|\bresumption of trading\b|\bcircuit breaker\b"),
        _rx(r"\bhalts?\b[^;]{0,30}\b(?:trial|study|production|program|development|sales|shipments|buy-?backs?|repurchases?)\b"),
        _fixed(0, "halted"),
    ),
    _Rule(
        EventType.LEGAL,
        _rx(
            r"\bclass action\b|\blawsuits?\b|\bsues\b|\bsued\b|\binvestigation\b|\bprobe\b|\bsubpoena\w*|"
            r"\bcharges? (?:against|filed)\b|"
            r"\bfiled\b[^;]{0,20}\bcharges\b|\bsec charges\b|\bsecurities fraud\b|\bindict\w*|\bantitrust\b|\bsettlements?\b|"
            r"\bconsent (?:order|decree)s?\b"
        ),
        _rx(r"\blitigation certified\b|\bdebt settlement\b"),
        _first(
            (_rx(r"\bden(?:y|ies|ied|ial of)\b[^;]{0,30}\bmotion\b"), -1, "filed"),  # the case goes on
            (_LEGAL_GOOD, 1, "dismissed"),
            (_PAYS, -1, "pays"),
            (_LEGAL_SETTLED, 0, "settled"),
            (_rx(r"\bconsent (?:order|decree)"), 0, "settled"),
            default=(-1, "filed"),
        ),
    ),
    _Rule(
        EventType.EXECUTIVE_CHANGE,
        _rx(
            r"\b(?:CEO|CFO|COO|CTO|president|chairman|chief|executive|svp|evp|vice president|board|director)\b"
        ),
        _rx(r"\bpay\b|\bsearch\b|\bbuys?\b|\bsells?\b|\bsold\b|\b(?:CEO|CFO|COO|chairman)\b[^;]{0,25}:|\binterview\b"),
        _executive_direction,
    ),
    _Rule(
        EventType.INDEX_CHANGE,
        _rx(
            r"\b(?:to join|joins|added to|to be added to|will join|set to join|to replace|inclusion in|removed from|dropped from|"
            r"deleted from)\b[^;]{0,60}\b(?:S&P|Russell|Nasdaq[- ]100|Dow Jones|index|MSCI|FTSE|SmallCap|MidCap)"
        ),
        None,
        _first((_REMOVED, -1, "removed"), default=(1, "added")),
    ),
)
# Appointments need an appointing verb; departures one of `_DEPARTS`.
_APPOINTS = _rx(
    r"\b(?:appoints?|appointed|names?|named|hires?|hired|promotes?|elects?|elected|announces?|adds)\b|\bto (?:join|become)\b|"
    r"\bsucceeded by\b|\bto succeed\b|\bassumes role\b"
)
# A successor named beside a departure (an announcing verb alone does not name one).
_SUCCESSOR = _rx(
    r"\b(?:appoints?|appointed|names?|named|hires?|hired|promotes?|elects?|elected)\b|\bto (?:join|become)\b|"
    r"\bsucceeded by\b|\bto succeed\b"
)


def corporate_events(text: str) -> list[Event]:
    """Every corporate event `text` reports, one per type, in the order of `_RULES`."""
    if _DENIAL.search(text):
        return []
    events = []
    rumour = _RUMOUR.search(text) is not None
    for rule in _RULES:
        if not rule.find.search(text) or (rule.exclude is not None and rule.exclude.search(text)):
            continue
        if rule.rumour_sensitive and rumour:
            continue
        if rule.type is EventType.EXECUTIVE_CHANGE and not (_DEPARTS.search(text) or _APPOINTS.search(text)):
            continue
        direction, action = rule.direction(text)
        events.append(Event(rule.type, direction, None, action))
    return events
