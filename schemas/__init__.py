"""Message schemas: JSON Schema files (the public contract), records and codecs.

Each record type mirrors a `<name>.schema.json` in this package (`schema_path(name)`); raw input
enters through `validate_news`, everything tickertone writes goes out through `dumps`.
"""

from schemas.codec import JsonRecord, decode, dumps
from schemas.errors import InvalidMessage, Reason, TickertoneError
from schemas.news import NewsItem, NormalizedNews, TickerStamp
from schemas.outputs import Alert, AlertDriver, DeadLetter, ScoredNews, TickerSignal
from schemas.records import SCHEMA_VERSION, Direction, Phase, Severity, format_time, parse_time
from schemas.validate import MAX_DEPTH, SCHEMA_NAMES, schema_path, validate_news

__all__ = [
    "SCHEMA_VERSION",
    "SCHEMA_NAMES",
    "MAX_DEPTH",
    "schema_path",
    "validate_news",
    "JsonRecord",
    "dumps",
    "decode",
    "Phase",
    "Severity",
    "Direction",
    "NewsItem",
    "TickerStamp",
    "NormalizedNews",
    "ScoredNews",
    "TickerSignal",
    "Alert",
    "AlertDriver",
    "DeadLetter",
    "parse_time",
    "format_time",
    "TickertoneError",
    "InvalidMessage",
    "Reason",
]
