"""Feed connectors (`tickertone connect`): RSS/Atom feeds and polled JSON APIs in, NewsItems out
on the raw topic, with stable ids, conditional requests, backoff and a record of what was sent.

- `tickers`: tickers found in a story's text (cashtags, exchange-qualified symbols, company names);
- `items`: a feed entry or API record -> NewsItem JSON, with its stable id;
- `rss`, `http_poll`: the two sources (feedparser; a JSON API read through a mapping file);
- `fetch`: conditional HTTP GETs; `sent_log`: what each feed sent, kept across restarts;
- `poller`: the loop (poll, publish, record, back off on errors).
"""
