"""The only place allowed to touch private names of Faust, mode, aiokafka and asyncio.

- `consumer`: `RewindingConsumer` / `RewindingTransport`, a consumer that never skips a fetched record;
- `first_wait`: `OneTaskFirstWait`, the per-record hand-over with one task;
- `producer`: the aiokafka producer inside Faust's, and store-only table writes;
- `stores`: the RocksDB store filing each key under its hash partition;
- `contract`: every private name relied on, checkable against the installed libraries;
- `versions`: the versions tested, and the worker's start-up gate.

ruff's SLF rule (private member access) is off for this folder and for tests/ only
(pyproject.toml).
"""
