"""Just enough PromQL reading for tests: which metric names does an expression use?

Not a parser. It removes what cannot be a metric name (string literals, label matchers,
range/subquery brackets, label lists after `by`/`on`/... and function names), then takes the
remaining identifiers. Its own behaviour is pinned by tests/unit/deploy/test_dashboard.py.
"""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry

__all__ = ["metric_names", "exported_names"]

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_FUNCTION = re.compile(r"\b[a-zA-Z_][a-zA-Z0-9_]*\s*\(")
_IDENT = re.compile(r"(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*")
_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "bool", "offset", "inf", "nan", "atan2",
}


def metric_names(expr: str) -> set[str]:
    """Metric names referenced by PromQL `expr` (Grafana `$variables` are ignored)."""
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub("", text)
    text = _RANGE.sub("", text)
    text = _LABEL_LIST.sub("", text)
    text = _FUNCTION.sub("(", text)
    text = re.sub(r"\$\{?\w+\}?", "", text)  # $__rate_interval, ${instance}
    text = re.sub(r"\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:ms|[smhdwy])?\b", "", text)  # numbers, durations
    return {name for name in _IDENT.findall(text) if name.lower() not in _KEYWORDS}


def exported_names(registry: CollectorRegistry) -> set[str]:
    """Every series name a scrape of `registry` can contain, suffixes included.

    Uses the samples the registry produces (so `_total`, `_bucket`, `_sum`, `_count`,
    `_created` and `_info` come from prometheus_client itself, not from a list kept here).
    Label-less families with no children yet (a labelled counter before its first `.labels()`)
    produce no samples, so their names are derived from the family type.
    """
    suffixes = {
        "counter": ("_total", "_created"),
        "gauge": ("",),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("", "_sum", "_count", "_created"),
        "info": ("_info",),
        "stateset": ("",),
        "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
        "unknown": ("",),
    }
    names: set[str] = set()
    for family in registry.collect():
        names.update(sample.name for sample in family.samples)
        names.update(family.name + suffix for suffix in suffixes[family.type])
    return names
