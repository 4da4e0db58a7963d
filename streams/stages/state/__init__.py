"""Per-ticker decayed state, signals and alerts: pure functions, no Kafka (DESIGN.md
"Per-ticker state", "TickerSignal", "Alert"). The state agent decodes a ScoredNews into a
`StateEvent`, calls `step`, re-assigns the table value and publishes what comes back."""

from streams.stages.state.alerts import (
    AlertDecision,
    AlertReason,
    Direction,
    Severity,
    StepResult,
    evaluate_alert,
    record_alert,
    step,
)
from streams.stages.state.codec import from_dict, to_dict
from streams.stages.state.decay import Decayed, update
from streams.stages.state.ticker import (
    STATE_VERSION,
    SignalValues,
    StateEvent,
    Story,
    TickerState,
    apply,
    read,
    session_index,
)

__all__ = [
    "AlertDecision",
    "AlertReason",
    "Decayed",
    "Direction",
    "STATE_VERSION",
    "Severity",
    "SignalValues",
    "StateEvent",
    "StepResult",
    "Story",
    "TickerState",
    "apply",
    "evaluate_alert",
    "from_dict",
    "read",
    "record_alert",
    "session_index",
    "step",
    "to_dict",
    "update",
]
