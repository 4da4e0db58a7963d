"""`tickertone config show|docs`: the effective settings (secrets masked), and the table of
every setting."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

__all__ = ["add_config_commands"]


def add_config_commands(sub: Any, add_common: Callable[..., None]) -> None:
    """Add the `config` command group to the top-level subparsers."""
    config = sub.add_parser("config", help="show the effective settings, or document them all")
    commands = config.add_subparsers(dest="config_command", required=True)
    p = commands.add_parser("show", help="the effective settings as JSON, secrets masked")
    add_common(p)
    p.set_defaults(func=_cmd_show)
    p = commands.add_parser("docs", help="every setting as a Markdown table (SETTINGS.md)")
    p.set_defaults(func=_cmd_docs)


def _cmd_show(args: argparse.Namespace) -> int:
    from streams.cli.main import settings_from_args
    from streams.settings.docs import effective_settings

    print(json.dumps(effective_settings(settings_from_args(args)), indent=2))
    return 0


def _cmd_docs(args: argparse.Namespace) -> int:
    from streams.settings.docs import settings_table

    print(settings_table(), end="")
    return 0
