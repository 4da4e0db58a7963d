"""`tickertone model eval`'s sets and table, and the temperature a model dir's calibration.json
sets (`inference.model_report`, `inference.scorer`), on the real bundled model."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from inference.calibration import softmax
from inference.evaluate import read_split_csv
from inference.model_report import HEADLINES, calibrate, labeled_headlines
from inference.scorer import BUNDLED_MODEL, CALIBRATION_FILE, load_scorer
from inference.twitter import SHIPPED_CALIBRATION, SHIPPED_VALIDATION, load_twitter, split_twitter

HEADER = "row_id,split,ticker,events,relevance,headline\n"


def test_headline_gold_is_the_sign_of_the_event_directions(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        HEADER
        + "1,dev,A,earnings:-1,subject,Misses\n"
        + '2,dev,A,analyst_rating:0;price_target:+1,subject,"Maintains, raises target"\n'
        + "3,dev,A,dividend:0,subject,Declares dividend\n"
        + "4,dev,A,,subject,No event\n"
        + "5,dev,A,earnings:+1,list,A list piece\n"
        + "6,dev,A,legal:-1;earnings:+1,subject,Mixed\n"
    )
    assert [(s.text, s.label) for s in labeled_headlines(path)] == [
        ("Misses", "negative"), ("Maintains, raises target", "positive"), ("Declares dividend", "neutral"), ("Mixed", "neutral"),
    ]


def test_the_shipped_headline_set_has_every_label() -> None:
    counts = Counter(s.label for s in labeled_headlines(HEADLINES))
    assert set(counts) == {"positive", "negative", "neutral"} and sum(counts.values()) > 300


def test_the_twitter_split_is_stratified_disjoint_and_seeded(tmp_path: Path) -> None:
    rows = [f'"${"ABC"} story {i} https://t.co/x{i}",{i % 3}' for i in range(200)]
    rows += ['"dup text",0', '"dup  text",0', '"conflict",0', '"conflict",1']
    path = tmp_path / "sent_train.csv"
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    sentences = load_twitter(path)
    assert len(sentences) == 201  # 200 + one copy of the duplicate; the conflicting text is dropped
    assert all("https" not in s.text for s in sentences)
    split = split_twitter(sentences, seed=5)
    sides = [{s.text for s in side} for side in (split.train, split.calibration, split.validation)]
    assert sum(map(len, sides)) == 201 and not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
    assert Counter(s.label for s in split.validation) == {"negative": 10, "positive": 10, "neutral": 10}
    assert split_twitter(list(reversed(sentences)), seed=5) == split
    assert split_twitter(sentences, seed=6).validation != split.validation


def test_the_shipped_twitter_sides_do_not_overlap() -> None:
    valid, calib = read_split_csv(SHIPPED_VALIDATION), read_split_csv(SHIPPED_CALIBRATION)
    assert len(valid) == 1414 and len(calib) == 944
    assert not {s.text for s in valid} & {s.text for s in calib}


def test_calibrate_writes_a_temperature_that_the_scorer_applies(tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(BUNDLED_MODEL, model)
    (model / CALIBRATION_FILE).unlink(missing_ok=True)
    texts = ["Profit rose sharply.", "The company warned of a loss.", "The meeting is on Tuesday."]
    raw = load_scorer(model, "cpu")
    assert raw.temperature == 1.0
    result = calibrate(model, provider="cpu")
    written = json.loads((model / CALIBRATION_FILE).read_text())
    assert written == result and written["temperature"] > 0
    assert written["nll"]["calibrated"] <= written["nll"]["raw"]
    calibrated = load_scorer(model, "cpu")
    assert calibrated.temperature == pytest.approx(written["temperature"])
    np.testing.assert_allclose(calibrated.probabilities(texts), softmax(raw.logits(texts), written["temperature"]), atol=1e-9)
