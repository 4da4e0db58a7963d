"""The ingest function turns every malformed or hostile raw message into a dead letter with its
reason, in-process; tests/reliability/test_fuzz.py sends the same kinds through a real broker."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from support.hostile import BREAKERS, Bad, assert_rejected_in_process, hostile_inputs, mutations


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_inputs())
def test_generated_hostile_input_gets_its_reason(bad: Bad) -> None:
    assert_rejected_in_process(bad)


def test_ten_thousand_spoiled_sample_stories_get_their_reasons() -> None:
    spoiled = mutations(10_000, seed=1)
    assert {bad.breaker for bad in spoiled} == BREAKERS.keys()
    for bad in spoiled:
        assert_rejected_in_process(bad)
