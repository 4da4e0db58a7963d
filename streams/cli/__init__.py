"""The `tickertone` command line (`python -m streams`): one module per command group."""

from streams.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
