"""Per-ticker decayed state, signals and alerts: pure functions, no Kafka (DESIGN.md
"Per-ticker state", "TickerSignal", "Alert").

- `decay`: the decayed sums of one half-life; `ticker`: the whole state, `apply` and `read`;
- `alerts`: the alert rules and `step` (apply, read, decide, record) for one story;
- `fold`: a batch of encoded ScoredNews folded into the tickers' states (what the state agent
  calls); `codec`: the state's changelog form."""

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
