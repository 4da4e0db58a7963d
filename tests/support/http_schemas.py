"""Validators of the HTTP answers (schemas/http/*.schema.json), with the message schemas they
refer to (`$ref` by `$id`) in one registry."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from schemas import schema_path

__all__ = ["HTTP_SCHEMAS", "http_validator"]

HTTP_DIR = schema_path("alert").parent / "http"
HTTP_SCHEMAS = sorted(p.name.removesuffix(".schema.json") for p in HTTP_DIR.glob("*.schema.json"))


def _registry() -> Registry[Any]:
    files = [*HTTP_DIR.glob("*.schema.json"), *schema_path("alert").parent.glob("*.schema.json")]
    resources = []
    for path in files:
        schema = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def http_validator(name: str) -> Draft202012Validator:
    """The validator of `schemas/http/<name>.schema.json` (formats asserted)."""
    schema = json.loads((HTTP_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)
