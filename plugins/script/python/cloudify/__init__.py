"""Cairn's ``cloudify`` package for Python scripts run by the script plugin (stdlib only).

It gives scripts written for Cloudify what they import, over the operation's ctx proxy::

    from cloudify import ctx
    from cloudify.state import ctx_parameters as inputs
    from cloudify.exceptions import NonRecoverableError, RecoverableError, OperationRetry
"""
from cloudify import _hooks
from cloudify.context import ctx

__all__ = ['ctx']

_hooks.install()
