"""The pure stages, in flow order: no Kafka, no Faust, time always passed in.

- `ingest`: raw bytes -> a stamped NormalizedNews, or a DeadLetter with a reason;
- `exchange_time`: the session and phase of a UTC time on an exchange;
- `dedupe`: the story-id retention rule;
- `score`: normalized stories -> ScoredNews records (the model is `inference`);
- `state/`: per-ticker decayed state, signals and alerts (`fold` applies a batch).
"""
