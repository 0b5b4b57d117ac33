"""``cloudify.state``: the operation's inputs (``ctx_parameters``) and ``current_ctx``.

``ctx_parameters`` is fetched from the proxy when first imported or read, not when this module
is: a script that never reads the inputs makes no call for them.
"""
from __future__ import annotations

from cloudify import _proxy
from cloudify.context import ctx as _ctx


def _parameters() -> dict:
    if 'ctx_parameters' not in globals():
        globals()['ctx_parameters'] = dict(_proxy.call('_cairn_inputs') or {})
    return globals()['ctx_parameters']


class CurrentContext(object):
    """The operation's ctx and inputs (Cloudify keeps them per thread; a script has one)."""

    def get_ctx(self):
        return _ctx

    def get_parameters(self) -> dict:
        return _parameters()


current_ctx = CurrentContext()


def __getattr__(name):
    # Module attributes computed on first use (PEP 562); `from cloudify.state import
    # ctx_parameters` comes here too.
    if name == 'ctx_parameters':
        return _parameters()
    raise AttributeError('module {0!r} has no attribute {1!r}'.format(__name__, name))
