"""Novelty chains per ticker (streams/stages/story/novelty.py)."""

from __future__ import annotations

import orjson
import pytest

from streams.settings import StorySettings
from streams.stages.story import Company, EventType, classify, primary
from streams.stages.story.directory import aliases_of
from streams.stages.story.novelty import ChainEntry, Chains, assign, chains_from_dict, chains_to_dict, event_key, signature

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


def test_one_firms_note_joins_whether_its_lead_is_the_rating_or_the_target() -> None:
    _, _, chains = _add(Chains(), "m1", 0.0, "Morgan Stanley Maintains Overweight on Acme Corp, Raises PT to $170")
    novelty, chain, _ = _add(chains, "m2", HOUR, "UPDATE: Morgan Stanley Reiterates On Acme On Attractive Risk/Reward")
    assert (novelty, chain) == (pytest.approx(CFG.novelty_decay), "m1")


def test_a_firm_named_two_ways_is_one_firm() -> None:
    _, _, chains = _add(Chains(), "c1", 0.0, "Citigroup Maintains Neutral on Acme, Raises PT from $14.5 to $15")
    novelty, chain, _ = _add(chains, "c2", HOUR, "UPDATE: Citi Raises Acme's PT")
    assert (novelty, chain) == (pytest.approx(CFG.novelty_decay), "c1")


def test_the_same_company_event_joins_however_the_wire_words_it() -> None:
    report = "Acme Reports Q4 EPS $0.54 vs $0.43 Est; Revenues $1.1B vs $1.0B Est"
    _, _, chains = _add(Chains(), "e1", 0.0, report)
    novelty, chain, _ = _add(chains, "e2", HOUR, "UPDATE: Acme Posts Upbeat Q4 Results")
    assert (novelty, chain) == (pytest.approx(CFG.novelty_decay), "e1")
    # a result of the other direction is other news
    _, _, chains = _add(Chains(), "e3", 0.0, "Acme Reports Q4 EPS $0.30 vs $0.40 Est")
    novelty, chain, _ = _add(chains, "e4", HOUR, "UPDATE: Acme Posts Upbeat Q4 Results")
    assert (novelty, chain) == (1.0, "e4")


def test_novelty_counts_arrivals_so_an_original_arriving_after_its_update_is_the_repeat() -> None:
    _, _, chains = _add(Chains(), "u", HOUR, "UPDATE: Stifel Nicolaus Raises PT on Acme Corp Following F2Q13 Results")
    novelty, chain, _ = _add(chains, "o", 0.0, "Stifel Nicolaus Maintains Buy on Acme Corp., Raises PT to $48.00")
    assert (novelty, chain) == (pytest.approx(CFG.novelty_decay), "u")


def test_a_late_story_is_kept_and_a_future_dated_one_evicts_only_once() -> None:
    day = CFG.novelty_window_s
    _, _, chains = _add(Chains(), "new", 10 * day, "Acme Announces $500M Buyback")
    _, _, chains = _add(chains, "late", 0.0, "Acme Names New Chief Financial Officer")  # older than the window
    assert [e.news_id for e in chains.entries] == ["new", "late"]
    _, _, chains = _add(chains, "future", 1000 * day, "Acme Files Patent Suit")
    assert [e.news_id for e in chains.entries] == ["future"]
    _, _, chains = _add(chains, "a", 11 * day, "Acme Reports Q3 EPS $0.30 vs $0.24 Est.")
    novelty, chain, chains = _add(chains, "b", 11 * day + HOUR, "UPDATE: Acme Posts Upbeat Q3 Results")
    assert (novelty, chain) == (pytest.approx(CFG.novelty_decay), "a")


def test_a_rewording_without_events_joins_by_its_words() -> None:
    original = "Acme Shares Spike Higher on Heavy Volume After Activist Stake Disclosure"
    assert _key(original) == ""  # no event: only the word Jaccard can chain it
    _, _, chains = _add(Chains(), "v1", 0.0, original)
    novelty, chain, _ = _add(chains, "v2", HOUR, "UPDATE: Acme Shares Spike Higher on Volume After Activist Stake Disclosure")
    assert (novelty, chain) == (pytest.approx(CFG.novelty_decay), "v1")


def test_the_jaccard_estimate_is_datasketchs() -> None:
    from datasketch import MinHash

    from streams.stages.story.novelty import _jaccards  # the vectorised estimate against the library's

    def minhash(words: str) -> MinHash:
        m = MinHash(num_perm=CFG.novelty_num_perm, seed=1, scheme="affine32")
        m.update_batch([w.encode() for w in words.split()])
        return m

    a, b = "shares spike higher heavy volume activist", "shares spike higher volume activist disclosure"
    sig_b = signature("Acme " + b, None, CFG.novelty_num_perm)
    entries = [ChainEntry("x", "x", 0.0, "", 1.0, signature("Acme " + a, None, CFG.novelty_num_perm))]
    assert _jaccards(sig_b, entries)[0] == pytest.approx(minhash("acme " + a).jaccard(minhash("acme " + b)))


def test_opposite_ratings_never_chain_even_when_the_firm_is_unclear() -> None:
    _, _, chains = _add(Chains(), "u", 0.0, "Acme Upgraded to Buy at Goldman Sachs")
    novelty, chain, _ = _add(chains, "d", HOUR, "Acme Downgraded to Sell at Goldman Sachs")
    assert (novelty, chain) == (1.0, "d")


def test_a_headline_with_no_words_of_its_own_chains_with_nothing() -> None:
    acme = Company("ACME", "Acme Corp", aliases_of("Acme Corp"))
    first = assign(Chains(), "a", 0.0, "", signature("Acme", acme, CFG.novelty_num_perm), CFG)
    second = assign(first.chains, "b", HOUR, "", signature("Acme Corp.", acme, CFG.novelty_num_perm), CFG)
    assert signature("Acme", acme, CFG.novelty_num_perm) == b""
    assert (second.novelty, second.chain_id) == (1.0, "b")
