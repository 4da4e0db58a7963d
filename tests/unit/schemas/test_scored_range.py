"""A ScoredNews read from an internal topic must be one the state can fold: finite numbers, a
finite and bounded score x weight, times between 1970 and 2100 (schemas.outputs.SCORED_LIMIT)."""

from __future__ import annotations

import orjson
import pytest

from schemas import ScoredNews, decode, dumps
from schemas.errors import InvalidMessage, Reason
from support.stories import scored_stories


def _with(**changes: object) -> bytes:
    record = orjson.loads(dumps(scored_stories(1, seed=4)[0]))
    record.update(changes)
    return orjson.dumps(record)


def test_a_real_record_decodes() -> None:
    assert decode(ScoredNews, _with()).id == "s4-0"


@pytest.mark.parametrize(
    "changes",
    [
        {"score": -1.5, "weight": 1e308},  # finite each; two of them overflow the state's sums
        {"score": 1e300, "weight": 1e300},  # the product is inf
        {"score": 2e12},
        {"weight": -1.0},
        {"relevance": 1e999},
        {"published_at_utc": "1969-12-31T23:59:59Z"},
        {"published_at_utc": "2100-01-01T00:00:00Z"},
        {"ingested_at": "2999-01-01T00:00:00Z"},
    ],
)
def test_a_poisoned_record_is_refused_as_schema(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidMessage) as refused:
        decode(ScoredNews, _with(**changes))
    assert refused.value.reason is Reason.SCHEMA
