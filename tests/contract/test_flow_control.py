"""The flow-control behaviour `RewindingConsumer.resume_flow` exists for, read from the installed
Faust and mode: resuming the flow clears the stream buffers, and Faust calls the consumer's
`resume_flow()` right after that clear. If either stops holding, the rewind is wrong or useless."""

from __future__ import annotations

import ast
import asyncio
import inspect
from pathlib import Path

import faust
import faust.tables.recovery

from streams.settings import Settings


def _app(tmp_path: Path) -> faust.App:
    settings = Settings(data_dir=tmp_path)
    return faust.App("contract-flow", broker="kafka://127.0.0.1:1", datadir=str(settings.data_dir), web_enabled=False)


def test_resuming_the_flow_clears_channel_and_stream_buffers(tmp_path: Path) -> None:
    async def scenario() -> tuple[int, int, int, int]:
        app = _app(tmp_path)
        channel = app.channel()
        stream = channel.stream()
        for i in range(3):
            channel.queue.put_nowait(i)
            stream.outbox.put_nowait(i)
        before = (channel.queue.qsize(), stream.outbox.qsize())
        app.flow_control.suspend()
        app.flow_control.resume()
        return (*before, channel.queue.qsize(), stream.outbox.qsize())

    assert asyncio.run(scenario()) == (3, 3, 0, 0)


def _calls(statement: ast.stmt | None) -> list[str]:
    """The callees of an expression statement (`T(f)()` counts as calling `T` and `f`'s result)."""
    if not isinstance(statement, ast.Expr):
        return []
    return [ast.unparse(node.func) for node in ast.walk(statement) if isinstance(node, ast.Call)] + [
        ast.unparse(node) for node in ast.walk(statement) if isinstance(node, ast.Attribute)
    ]


def test_recovery_calls_resume_flow_right_after_resuming_flow_control() -> None:
    """In faust/tables/recovery.py every `flow_control.resume` (the clear) is followed by the
    consumer's `resume_flow()` in the very next statement."""
    tree = ast.parse(inspect.getsource(faust.tables.recovery))
    pairs = 0
    for node in ast.walk(tree):
        for body in (getattr(node, "body", None), getattr(node, "orelse", None)):
            if not isinstance(body, list) or not body:
                continue
            for statement, following in zip(body, [*body[1:], None], strict=True):
                if not any(call.endswith("flow_control.resume") for call in _calls(statement)):
                    continue
                assert any(call.endswith("resume_flow") for call in _calls(following)), ast.unparse(statement)
                pairs += 1
    assert pairs >= 2, "Faust's recovery no longer resumes the flow where the contract expects"
