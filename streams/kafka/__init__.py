"""Everything that talks to Kafka through Faust, in the order a record meets it.

- `app`: the Faust app, its topics, and the agents of the configured stages;
- `ingest_agent`, `score_agent`, `state_agent`: one module per stage, each calling the pure
  stage code in `streams.stages`;
- `commit`: the commit protocol (outputs acknowledged, then tables, then offsets);
- `batches`: outgoing records as one batch per partition;
- `tables`, `rejects`, `events`: changelogged tables; dead letters for unusable internal
  records; event batches and their origin;
- `admin`, `clients`: topic creation with its configs and the partition-count check; bootstrap
  and security for every client;
- `lag`: consumer lag and rebalance metrics;
- `worker`: `tickertone worker`;
- `compat/`: the only place that touches private Faust, mode, aiokafka or asyncio names.
"""
