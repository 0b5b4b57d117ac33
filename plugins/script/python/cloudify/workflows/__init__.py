"""``cloudify.workflows`` for workflow scripts run by Cairn's script plugin (stdlib only)::

    from cloudify.workflows import ctx
    from cloudify.workflows import parameters

``ctx`` is the workflow's context (nodes, instances, tasks, graphs; see ``workflow_context``),
``parameters`` the workflow's parameters as a dict (also readable as attributes), fetched when
first imported or read. An exception the script does not catch fails the workflow with its
type and message.
"""
from __future__ import annotations

import os
import sys

from cloudify import _proxy
from cloudify.workflows.workflow_context import ctx

__all__ = ['ctx', 'parameters']


class CtxParameters(dict):
    """The workflow's parameters: a dict whose keys are also attributes, as Cloudify's."""

    def __getattr__(self, name):
        if name in self:
            return self[name]
        raise AttributeError(name)


def _parameters() -> CtxParameters:
    if 'parameters' not in globals():
        globals()['parameters'] = CtxParameters(_proxy.call('_cairn_parameters') or {})
    return globals()['parameters']


def __getattr__(name):
    # Computed on first use (PEP 562); `from cloudify.workflows import parameters` comes here.
    if name == 'parameters':
        return _parameters()
    raise AttributeError('module {0!r} has no attribute {1!r}'.format(__name__, name))


_installed = False


def _install_hook() -> None:
    """Reports an uncaught exception to the workflow, which fails with its type and message
    (the traceback is printed first, so it is in the workflow's log)."""
    global _installed
    if _installed or _proxy.CTX_SOCKET_URL not in os.environ:
        return
    _installed = True
    previous = sys.excepthook

    def excepthook(kind, error, traceback):
        previous(kind, error, traceback)
        if not _proxy.available():
            return
        try:
            _proxy.call('_cairn_fail', {'kind': 'error', 'message': str(error),
                                        'type': kind.__name__})
        except Exception as failure:  # the workflow fails anyway (exit code 1): say why
            sys.stderr.write('The failure could not be reported to the workflow: {0}: {1}\n'
                             .format(type(failure).__name__, failure))

    sys.excepthook = excepthook


_install_hook()
