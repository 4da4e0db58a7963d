"""Per-ticker decayed state, signals and alerts: pure functions, no Kafka (DESIGN.md
"Per-ticker state", "TickerSignal", "Alert"). The state agent decodes a ScoredNews into a
`StateEvent`, calls `step`, re-assigns the table value and publishes what comes back."""

from streams.state.alerts import (
    AlertDecision,
    AlertReason,
    Direction,
    Severity,
    StepResult,
    evaluate_alert,
    record_alert,
    step,
)
from streams.state.decay import Decayed, update
from streams.state.reference import reference_final, reference_signals
from streams.state.ticker import (
    STATE_VERSION,
    SignalValues,
    StateEvent,
    Story,
    TickerState,
    apply,
    from_dict,
    read,
    session_index,
    to_dict,
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
    "reference_final",
    "reference_signals",
    "session_index",
    "step",
    "to_dict",
    "update",
]
