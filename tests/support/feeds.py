"""A real local HTTP server for the connector tests: serves tests/resources/feeds/ with ETag
(If-None-Match) on `.xml`/`.json` files except atom.xml, which gets Last-Modified
(If-Modified-Since); `/error` always answers 500. It counts requests and 304s per path."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from support.paths import REPO

__all__ = ["FEEDS", "FeedServer"]

FEEDS = REPO / "tests" / "resources" / "feeds"
_LAST_MODIFIED = formatdate(1772460000, usegmt=True)


class FeedServer:
    """`with FeedServer() as server: server.url("rss.xml")`."""

    def __init__(self, root: Path = FEEDS) -> None:
        self.root = root
        self.requests: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.conditional = True  # False: ignore validators, always 200 (a server without them)
        self.overrides: dict[str, bytes] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0].lstrip("/")
                server.requests[path] += 1
                if path == "error":
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = server.overrides.get(path)
                file = server.root / path
                if body is None and (not file.is_file() or server.root not in file.resolve().parents):
                    self.send_error(404)
                    return
                body = body if body is not None else file.read_bytes()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                by_date = path == "atom.xml"
                if server.conditional and (
                    (by_date and self.headers.get("If-Modified-Since") == _LAST_MODIFIED)
                    or (not by_date and self.headers.get("If-None-Match") == etag)
                ):
                    server.not_modified[path] += 1
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                kind = "application/json" if path.endswith(".json") else "application/xml"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                if server.conditional:
                    self.send_header("Last-Modified" if by_date else "ETag", _LAST_MODIFIED if by_date else etag)
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/{path}"

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
