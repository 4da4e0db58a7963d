"""`streams.exchange_time.stamp`: the public name DESIGN.md "Public surface" gives the exchange-time
stamp; the stage itself lives in `streams.stages.exchange_time`."""

from streams.stages.exchange_time import Stamp, stamp

__all__ = ["Stamp", "stamp"]
