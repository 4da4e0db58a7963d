"""What the compat room relies on in Faust, mode, aiokafka and asyncio that is not public API.

`REQUIREMENTS` lists every private name the room overrides, calls or reads, with the parameters
it expects and the module that uses it; `check()` resolves them against the installed
libraries and returns one line per broken one. `fetcher_races_suspend_flow()` checks the one
call shape `OneTaskFirstWait` recognises in Faust's fetcher. The worker runs `check()` before
starting on an untested version (`streams.kafka.compat.versions`); tests/contract runs all of
it, plus the behaviours that need live objects, against the installed versions.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any

__all__ = ["REQUIREMENTS", "Requirement", "check", "fetcher_races_suspend_flow", "resolve"]


@dataclass(frozen=True)
class Requirement:
    """One name the compat room needs on `owner` (`module:Class`, or `module:Class()` for an
    instance, whose attributes set in `__init__` are then visible; on a class, an attribute
    assigned as `self.<name>` in one of its `__init__`s counts too, found in their source).

    `params`: the parameter names (without `self`) of a callable, in order; None for an
    attribute. `used_by`: the compat module that needs it, for the error message.
    """

    owner: str
    name: str
    params: tuple[str, ...] | None
    used_by: str

    @property
    def label(self) -> str:
        return f"{self.owner.removesuffix('()')}.{self.name}"


_CONSUMER = "faust.transport.drivers.aiokafka:Consumer"
_THREAD = "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread"

REQUIREMENTS: tuple[Requirement, ...] = (
    # consumer.py overrides these (Faust calls them) ...
    Requirement(_CONSUMER, "_getmany", ("active_partitions", "timeout"), "consumer.py"),
    Requirement(_CONSUMER, "getmany", ("timeout",), "consumer.py"),
    Requirement(_CONSUMER, "_seek", ("partition", "offset"), "consumer.py"),
    Requirement(_CONSUMER, "seek", ("partition", "offset"), "consumer.py"),
    Requirement(_CONSUMER, "seek_wait", ("partitions",), "consumer.py"),
    Requirement(_CONSUMER, "seek_to_committed", (), "consumer.py"),
    Requirement(_CONSUMER, "resume_flow", (), "consumer.py"),
    Requirement(_CONSUMER, "on_partitions_revoked", ("revoked",), "consumer.py"),
    Requirement(_CONSUMER, "_add_gap", ("tp", "offset_from", "offset_to"), "consumer.py"),
    Requirement(_CONSUMER, "pause_partitions", ("tps",), "consumer.py"),
    Requirement(_CONSUMER, "resume_partitions", ("tps",), "consumer.py"),
    Requirement(_CONSUMER, "_drain_messages", ("fetcher",), "first_wait.py"),
    # ... and reads these.
    Requirement(_CONSUMER, "_thread", None, "consumer.py"),
    Requirement(_CONSUMER, "_read_offset", None, "consumer.py"),
    Requirement(_THREAD, "seek", ("partition", "offset"), "consumer.py"),
    Requirement(_THREAD, "seek_to_beginning", ("partitions",), "consumer.py"),
    Requirement(_THREAD, "_consumer", None, "consumer.py"),
    Requirement(_THREAD, "thread_loop", None, "consumer.py"),
    Requirement("aiokafka:AIOKafkaConsumer", "pause", ("partitions",), "consumer.py"),
    Requirement("aiokafka:AIOKafkaConsumer", "resume", ("partitions",), "consumer.py"),
    Requirement("mode:Service", "wait_first", ("coros", "timeout"), "first_wait.py"),
    Requirement("mode:Service", "_stopped", None, "first_wait.py"),
    Requirement("mode:Service", "_crashed", None, "first_wait.py"),
    Requirement("asyncio:Event()", "_waiters", None, "first_wait.py"),
    Requirement("mode.utils.locks:Event()", "_waiters", None, "first_wait.py"),
    Requirement("faust.transport.drivers.aiokafka:Producer", "_ensure_producer", (), "producer.py"),
    Requirement("faust.tables.base:Collection", "data", None, "producer.py"),
    Requirement("faust.stores:STORES", "aliases", None, "stores.py"),
    Requirement("faust.stores.rocksdb:Store", "_set", ("key", "value"), "stores.py"),
    Requirement("faust.stores.rocksdb:Store", "_db_for_partition", ("partition",), "stores.py"),
    Requirement("faust.stores.rocksdb:Store", "_key_index", None, "stores.py"),
)


def resolve(owner: str) -> Any:
    """The object `owner` names (`module:Attr`, or `module:Attr()` for a fresh instance)."""
    module, _, attr = owner.partition(":")
    instance = attr.endswith("()")
    target = getattr(import_module(module), attr.removesuffix("()"))
    return target() if instance else target


def _has(owner: Any, name: str) -> bool:
    """True when `owner` has `name`, as an attribute, as a class annotation, or assigned as
    `self.<name> = ...` in an `__init__` of its classes (attributes only set on instances)."""
    if hasattr(owner, name):
        return True
    mro = owner.__mro__ if isinstance(owner, type) else type(owner).__mro__
    if any(name in vars(klass).get("__annotations__", {}) for klass in mro):
        return True
    return any(_assigned_in_init(klass, name) for klass in mro)


def _assigned_in_init(klass: type, name: str) -> bool:
    init = vars(klass).get("__init__")
    if init is None or not inspect.isfunction(init):
        return False
    try:
        source = textwrap.dedent(inspect.getsource(init))
    except (OSError, TypeError):
        return False
    targets: list[ast.expr] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign):
            targets.extend(node.targets)
        elif isinstance(node, ast.AnnAssign):  # self.x: T = ...
            targets.append(node.target)
    return any(
        isinstance(target, ast.Attribute) and target.attr == name and ast.unparse(target.value) == "self"
        for target in targets
    )


def _params(function: Callable[..., Any]) -> tuple[str, ...]:
    return tuple(name for name in inspect.signature(function).parameters if name != "self")


def check(requirements: Sequence[Requirement] = REQUIREMENTS) -> list[str]:
    """One line per requirement the installed libraries break (empty: all hold)."""
    problems = []
    for requirement in requirements:
        try:
            owner = resolve(requirement.owner)
        except (ImportError, AttributeError) as error:
            problems.append(f"{requirement.label} (used by {requirement.used_by}): cannot load its owner: {error}")
            continue
        if not _has(owner, requirement.name):
            problems.append(f"{requirement.label} (used by {requirement.used_by}) is gone")
            continue
        if requirement.params is None:
            continue
        found = _params(getattr(owner, requirement.name))
        if found != requirement.params:
            problems.append(
                f"{requirement.label} (used by {requirement.used_by}) takes {found}, expected {requirement.params}"
            )
    if not fetcher_races_suspend_flow():
        problems.append(
            f"{_CONSUMER}._drain_messages no longer awaits self.wait_first(callback(message), "
            "self.suspend_flow.wait()) (used by first_wait.py)"
        )
    return problems


def fetcher_races_suspend_flow() -> bool:
    """True when Faust's fetcher hands each record over as
    `await self.wait_first(callback(message), self.suspend_flow.wait())`: the call
    `OneTaskFirstWait` serves with one task (anything else falls back to mode's path)."""
    source = textwrap.dedent(inspect.getsource(resolve(_CONSUMER)._drain_messages))
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Await) and isinstance(node.value, ast.Call)):
            continue
        call = node.value
        if ast.unparse(call.func) == "self.wait_first" and [ast.unparse(arg) for arg in call.args] == [
            "callback(message)",
            "self.suspend_flow.wait()",
        ]:
            return True
    return False

