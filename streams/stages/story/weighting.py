"""The event-aware story score and the effective weight (DESIGN.md "Story intelligence").

Event-aware score, for a lead event of known direction `d` (+1 or -1):

    m      = min(1, |magnitude| / scale)          (event_unknown_magnitude when the text gives none)
    size   = (min_strength + (1 - min_strength) * m) * (floor + (1 - floor) * confidence)
    s_raw  = d * 0.5 * size                       in [-0.5, 0.5], like a sentence's s_raw
    score  = s_raw if s_raw >= 0 else negative_penalty * s_raw

`scale` is the event type's: earnings surprise `earnings_scale_pct`, guidance change
`guidance_scale_pct`, price target change `price_target_scale_pct`, rating steps
`rating_scale_steps`; types without a scale use `event_unknown_magnitude`. `confidence` is the
classifier's polarity confidence (1 - P_neutral, mean over sentences). With no lead event, or
one of direction 0, the classifier's own score stands.

Effective weight: `source_weight * relevance ** relevance_power * novelty ** novelty_power`.
"""

from __future__ import annotations

from streams.settings import StorySettings
from streams.stages.story.event import Event, EventType

__all__ = ["effective_weight", "event_score"]


def _scale(event: Event, cfg: StorySettings) -> float | None:
    return {
        EventType.EARNINGS: cfg.earnings_scale_pct,
        EventType.GUIDANCE: cfg.guidance_scale_pct,
        EventType.PRICE_TARGET: cfg.price_target_scale_pct,
        EventType.ANALYST_RATING: cfg.rating_scale_steps,
    }.get(event.type)


def event_score(
    model_score: float, confidence: float, event: Event | None, cfg: StorySettings, negative_penalty: float
) -> float:
    """The story's score for one ticker (module docstring)."""
    if event is None or event.direction == 0:
        return model_score
    scale = _scale(event, cfg)
    if event.magnitude is None or scale is None:
        scaled = cfg.event_unknown_magnitude
    else:
        scaled = min(1.0, abs(event.magnitude) / scale)
    strength = cfg.event_min_strength + (1.0 - cfg.event_min_strength) * scaled
    size = strength * (cfg.event_confidence_floor + (1.0 - cfg.event_confidence_floor) * confidence)
    s_raw = event.direction * 0.5 * size
    return s_raw if s_raw >= 0.0 else negative_penalty * s_raw


def effective_weight(source_weight: float, relevance: float, novelty: float, cfg: StorySettings) -> float:
    """`source_weight * relevance ** relevance_power * novelty ** novelty_power`."""
    return float(source_weight * relevance**cfg.relevance_power * novelty**cfg.novelty_power)
