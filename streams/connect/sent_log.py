"""What a feed connector already sent, kept across restarts, so a restart sends no story twice.

One directory per connector (`[connect] data_dir`): per feed, `<hash>.ids` (the story ids sent,
one a line, appended and fsynced after Kafka acknowledged them) and `<hash>.json` (the feed's
URL and its last ETag / Last-Modified, written after the ids). The order is the commit
protocol's: a crash between publishing and recording sends those stories again (the same ids,
which the ingest stage's dedupe drops), never loses one. The id file keeps the newest
`max_ids` ids: a feed's window is far smaller.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from streams.connect.fetch import Validators

__all__ = ["SentLog"]


class SentLog:
    """The sent ids and validators of one feed."""

    def __init__(self, directory: Path, feed_url: str, max_ids: int = 100_000) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        stem = hashlib.sha256(feed_url.encode("utf-8")).hexdigest()[:24]
        self.feed_url = feed_url
        self.max_ids = max_ids
        self._ids_path = directory / f"{stem}.ids"
        self._meta_path = directory / f"{stem}.json"
        ids = self._ids_path.read_text(encoding="utf-8").split() if self._ids_path.exists() else []
        self._ids = dict.fromkeys(ids[-max_ids:])
        if len(ids) > max_ids:
            self._rewrite()

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def validators(self) -> Validators:
        """The ETag / Last-Modified of the last body read (empty at first)."""
        if not self._meta_path.exists():
            return Validators()
        meta = json.loads(self._meta_path.read_text(encoding="utf-8"))
        return Validators(meta.get("etag"), meta.get("last_modified"))

    def record(self, ids: Iterable[str], validators: Validators) -> None:
        """Remember `ids` as sent (call once Kafka acknowledged them), then the validators."""
        new = [i for i in ids if i not in self._ids]
        if new:
            with self._ids_path.open("a", encoding="utf-8") as handle:
                handle.write("".join(f"{i}\n" for i in new))
                handle.flush()
                os.fsync(handle.fileno())
            self._ids.update(dict.fromkeys(new))
            if len(self._ids) > self.max_ids:
                self._ids = dict.fromkeys(list(self._ids)[-self.max_ids :])
                self._rewrite()
        meta = {"url": self.feed_url, "etag": validators.etag, "last_modified": validators.last_modified}
        tmp = self._meta_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp, self._meta_path)

    def _rewrite(self) -> None:
        tmp = self._ids_path.with_suffix(".tmp")
        tmp.write_text("".join(f"{i}\n" for i in self._ids), encoding="utf-8")
        os.replace(tmp, self._ids_path)
