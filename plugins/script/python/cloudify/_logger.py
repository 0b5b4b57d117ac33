"""``ctx.logger``: a standard ``logging.Logger`` whose records go to the operation's log.

A real Logger, so that everything scripts do with Cloudify's (a logging adapter) works:
``%``-style arguments, ``exc_info=True``, ``ctx.logger.exception(...)``, ``isEnabledFor``.
"""
from __future__ import annotations

import logging

from cloudify import _proxy


class _ProxyHandler(logging.Handler):
    """Sends each record to ``ctx logger <level>`` on the proxy."""

    def emit(self, record: logging.LogRecord) -> None:
        # No try/except (logging's handleError): a record that cannot reach the operation's log
        # raises where the script logged it, as any other failed ctx call does.
        level = record.levelno
        name = (
            'debug' if level < logging.INFO
            else 'info' if level < logging.WARNING
            else 'warning' if level < logging.ERROR
            else 'error' if level < logging.CRITICAL
            else 'critical'
        )
        _proxy.call('logger', name, {'msg': self.format(record)})


def create_logger(name: str) -> logging.Logger:
    """A logger that is not in logging's registry: the script's own logging configuration
    (``basicConfig``, root handlers, levels) neither doubles nor silences ``ctx.logger``."""
    logger = logging.Logger(name, logging.DEBUG)
    handler = _ProxyHandler()
    handler.setFormatter(logging.Formatter('%(message)s'))
    logger.addHandler(handler)
    logger.propagate = False
    return logger
