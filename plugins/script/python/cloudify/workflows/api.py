"""``cloudify.workflows.api``: whether the running workflow was asked to stop.

Cairn stops a cancelled workflow script itself (it is killed after the engine's grace), so a
script rarely sees a cancel request; one that polls can still ask.
"""
from __future__ import annotations

from cloudify import _proxy

#: What Cloudify's workflows return when they stop for a cancel.
EXECUTION_CANCELLED_RESULT = 'execution_cancelled'


class ExecutionCancelled(Exception):
    """The execution was cancelled while the script waited for its tasks."""


def has_cancel_request() -> bool:
    """Whether the execution was asked to cancel."""
    return bool(_proxy.call('_cairn_cancelled'))


def has_kill_request() -> bool:
    """Whether the execution was asked to stop at once (Cairn: the same as a cancel)."""
    return has_cancel_request()
