"""tickertone: per-ticker news sentiment on Kafka.

Rooms in flow order (DESIGN.md "Layout"): `stages/` (the pure stages), `kafka/` (the Faust app,
one agent module per stage, the commit protocol; `kafka/compat/` holds every private Faust
name), `broker/` (the embedded Kafka broker), `cli/` (the `tickertone` command), `settings/`,
`evaluate/` (the replay evaluation), `metrics`, `logs`. `streams.exchange_time.stamp` is the
public exchange-time stamp.
"""
