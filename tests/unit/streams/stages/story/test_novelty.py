"""Novelty chains per ticker (streams/stages/story/novelty.py)."""

from __future__ import annotations

import orjson
import pytest

from streams.settings import StorySettings
from streams.stages.story import EventType, classify, primary
from streams.stages.story.novelty import Chains, assign, chains_from_dict, chains_to_dict, event_key, signature

CFG = StorySettings()
HOUR = 3600.0


def _key(headline: str) -> str:
    lead = primary(classify(headline))
    return event_key(lead.type.value, lead.direction, lead.actor) if lead else ""


def _add(chains: Chains, news_id: str, t: float, headline: str) -> tuple[float, str, Chains]:
    result = assign(chains, news_id, t, _key(headline), signature(headline, None, CFG.novelty_num_perm), CFG)
    return result.novelty, result.chain_id, result.chains


def test_an_update_rewording_joins_its_original_chain_with_novelty_below_one_half() -> None:
    chains = Chains()
    first, chain, chains = _add(chains, "s1", 0.0, "Stifel Nicolaus Maintains Buy on Acme Corp., Raises PT to $48.00")
    again, chain2, chains = _add(chains, "s2", HOUR, "UPDATE: Stifel Nicolaus Raises PT on Acme Corp Following F2Q13 Results")
    assert (first, chain) == (1.0, "s1")
    assert chain2 == "s1" and again == pytest.approx(CFG.novelty_decay) and again < 0.5
    third, chain3, _ = _add(chains, "s3", 2 * HOUR, "Stifel Raises Acme PT To $48, Maintains Buy")
    assert chain3 == "s1" and third == pytest.approx(CFG.novelty_decay**2)


def test_two_firms_notes_on_the_same_day_are_two_chains() -> None:
    goldman = "UPDATE: Goldman Sachs Raises PT on Acme Technologies Following F3Q Revenue/EPS Report"
    _, _, chains = _add(Chains(), "g", 0.0, goldman)
    novelty, chain, _ = _add(chains, "j", HOUR, "UPDATE: Jefferies Raises PT on Acme Technologies Following 3Q13 EPS Report")
    assert (novelty, chain) == (1.0, "j")


def test_a_story_outside_the_window_starts_a_new_chain() -> None:
    headline = "Acme Announces $500M Buyback"
    _, _, chains = _add(Chains(), "b1", 0.0, headline)
    novelty, chain, _ = _add(chains, "b2", CFG.novelty_window_s + 1.0, headline)
    assert (novelty, chain) == (1.0, "b2")


def test_unrelated_stories_without_events_need_the_word_threshold() -> None:
    _, _, chains = _add(Chains(), "x", 0.0, "Acme Names Electronic Measurement Spin-Off 'Keysight'")
    novelty, chain, _ = _add(chains, "y", HOUR, "Acme Operations in Japan Remain Unaffected by Earthquake")
    assert (novelty, chain) == (1.0, "y")


def test_a_redelivered_story_gets_its_first_answer_and_changes_nothing() -> None:
    _, _, chains = _add(Chains(), "s1", 0.0, "Acme Q3 EPS $0.30 vs $0.24 Est.")
    _, _, chains = _add(chains, "s2", HOUR, "UPDATE: Acme Posts Upbeat Q3 Earnings")
    result = assign(chains, "s2", HOUR, "", b"", CFG)
    assert result.chains is chains and (result.novelty, result.chain_id) == (pytest.approx(CFG.novelty_decay), "s1")


def test_the_chains_are_bounded_by_count_and_window() -> None:
    chains = Chains()
    for i in range(CFG.novelty_max_stories + 10):
        _, _, chains = _add(chains, f"s{i}", i * 60.0, f"Acme unrelated news number {i} {'x' * i}")
    assert len(chains.entries) == CFG.novelty_max_stories
    assert chains.entries[-1].news_id == f"s{CFG.novelty_max_stories + 9}"  # the newest kept
    _, _, chains = _add(chains, "late", 10 * CFG.novelty_window_s, "Acme later news")
    assert [e.news_id for e in chains.entries] == ["late"]


def test_the_changelog_form_round_trips_and_stays_small() -> None:
    chains = Chains()
    for i in range(CFG.novelty_max_stories):
        _, _, chains = _add(chains, f"{'a' * 36}{i}", i * 60.0, f"Acme story number {i} about several things")
    data = orjson.dumps(chains_to_dict(chains))
    assert chains_from_dict(orjson.loads(data)) == chains
    assert len(data) < 16 * 1024
    with pytest.raises(ValueError, match="version"):
        chains_from_dict({"v": 99, "e": []})


def test_event_keys() -> None:
    assert event_key(EventType.OTHER.value, 0, None) == ""
    assert event_key("price_target", 1, "stifel") == "price_target|1|stifel"
