"""``cloudify.decorators``: ``@operation`` (alias ``@task``), ``@workflow``, ``@serial_operation``.

In Cloudify they only mark a function; scripts use them on functions they then call
themselves, so each returns the function unchanged, with or without arguments.
"""
from __future__ import annotations


def _marker(func, **marks):
    def mark(fn):
        for name, value in marks.items():
            setattr(fn, name, value)
        return fn

    return mark(func) if callable(func) else mark


def operation(func=None, resumable=False, **kwargs):
    """Marks an operation function (``@operation`` or ``@operation(resumable=True)``)."""
    return _marker(func, resumable=resumable)


task = operation


def workflow(func=None, system_wide=False, resumable=False, **kwargs):
    """Marks a workflow function."""
    return _marker(func, workflow_system_wide=system_wide, resumable=resumable)


def serial_operation(func=None, threshold=0, workflows=('install',), states=('started',),
                     **kwargs):
    """Marks an operation Cloudify runs in instance index order; Cairn does not order them."""
    return _marker(func)
