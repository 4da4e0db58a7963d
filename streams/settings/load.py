"""`load_settings`: the validated `Settings` from every source, or a `SettingsError` that names
the variable at fault.

Steps: (1) refuse `TICKERTONE_<SECTION>__<FIELD>` variables that name no setting (a typo must
not pass silently); (2) build `Settings` with the command-line values on top and the TOML file
in the context; (3) turn each validation error into one line naming the variable, the file key
and what was expected, secrets masked.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from streams.settings.model import Settings
from streams.settings.sources import SettingsError, config_file, env_name

__all__ = ["load_settings"]

_SECRET_FIELDS = frozenset({"sasl_password"})


def load_settings(config: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings from `overrides` (nested: `{"metrics": {"port": 1}}`; None values skipped), the
    environment, the TOML file `config` (or `$TICKERTONE_CONFIG`) and the defaults."""
    _refuse_unknown_variables(os.environ)
    token = config_file.set(config)
    try:
        return Settings(**_without_none(dict(overrides or {})))
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None
    finally:
        config_file.reset(token)


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            value = _without_none(dict(value))
            if value:
                out[key] = value
        elif value is not None:
            out[key] = value
    return out


def _refuse_unknown_variables(environ: Mapping[str, str]) -> None:
    sections = {name: field.annotation for name, field in Settings.model_fields.items()}
    for variable in environ:
        if not variable.startswith("TICKERTONE_") or "__" not in variable:
            continue
        section, _, name = variable.removeprefix("TICKERTONE_").lower().partition("__")
        model = sections.get(section)
        if not (isinstance(model, type) and issubclass(model, BaseModel) and name in model.model_fields):
            raise SettingsError(f"{variable} names no setting (`tickertone config docs` lists them)")


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        loc = [str(part) for part in problem["loc"]]
        section = loc[0] if len(loc) > 1 and loc[0] in Settings.model_fields and _is_section(loc[0]) else None
        name = loc[1] if section else loc[0]
        where = env_name(section, name) + (f" (or `{name}` in [{section}] of the settings file)" if section else "")
        if problem["type"] == "extra_forbidden":
            lines.append(f"{where} names no setting")
            continue
        shown = "'**********'" if name in _SECRET_FIELDS else repr(problem.get("input"))[:80]
        lines.append(f"{where}: {problem['msg']} (got {shown})")
    return "; ".join(lines)


def _is_section(name: str) -> bool:
    annotation = Settings.model_fields[name].annotation
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
