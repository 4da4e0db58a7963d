"""Any news file and price directory: the same stories as CSV or JSONL give the same samples,
and price files with only `Date` and `Close` still evaluate (no next open: only `close` and
`next-close` returns)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from streams.cli.replay import read_records
from streams.evaluate.run import Options, evaluate
from support.evaluation import StubScorer, news_rows, write_news, write_prices


def test_csv_and_jsonl_news_give_the_same_samples(tmp_path: Path) -> None:
    csv_path = write_news(tmp_path / "news.csv", news_rows(per_ticker=20))
    jsonl_path = tmp_path / "news.jsonl"
    jsonl_path.write_bytes(b"".join(record.value + b"\n" for record in read_records(csv_path)))
    prices = write_prices(tmp_path / "prices")
    runs = [
        evaluate(Options(news=path, prices=prices), scorers={"stub": StubScorer()}).runs[0] for path in (csv_path, jsonl_path)
    ]
    pd.testing.assert_frame_equal(runs[0].samples, runs[1].samples, check_exact=True)
    assert runs[0].samples["ret_1"].notna().any()


def test_prices_without_opens_or_volumes(tmp_path: Path) -> None:
    news = write_news(tmp_path / "news.csv", news_rows(per_ticker=20))
    full = write_prices(tmp_path / "full")
    bare = tmp_path / "bare"
    bare.mkdir()
    for path in full.glob("*.us.txt"):
        pd.read_csv(path)[["Date", "Close"]].to_csv(bare / path.name, index=False)
    run = evaluate(Options(news=news, prices=bare, execution="next-close"), scorers={"stub": StubScorer()}).runs[0]
    assert run.samples["ret_1"].notna().any() and run.samples["ret_1_next-open"].isna().all()
    assert run.samples["log_dollar_volume"].isna().all()  # no size control without volumes
