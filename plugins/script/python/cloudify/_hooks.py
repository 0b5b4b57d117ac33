"""How the script's end becomes the operation's outcome, as Cloudify's dispatcher decides it.

- Runtime properties are saved when the script ends, whether it succeeded or failed.
- An uncaught ``NonRecoverableError`` fails the operation for good (``abort_operation``).
- An uncaught ``OperationRetry`` reschedules it (``retry_operation``, with its ``retry_after``).
- Any other uncaught exception is a failure the operation is retried after: the traceback on
  stderr and exit code 1, which the script runner reports as a ``ProcessException``.
"""
from __future__ import annotations

import atexit
import os
import sys

from cloudify import _proxy, context
from cloudify.exceptions import NonRecoverableError, OperationRetry

_installed = False


def install() -> None:
    """Installs the exit handler and the exception hook, once, when run by Cairn."""
    global _installed
    if _installed or _proxy.CTX_SOCKET_URL not in os.environ:
        return
    _installed = True
    # Each line of output becomes a log record: line by line, it is logged when printed, and
    # stdout and stderr lines are logged in the order they were written.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except (AttributeError, ValueError):
            pass  # replaced by something else than a text file; leave it as it is
    previous = sys.excepthook

    def excepthook(kind, error, traceback):
        previous(kind, error, traceback)
        if not _proxy.available() or context.ctx._ending is not None:
            return  # no proxy to tell, or the script already aborted or asked for a retry
        try:
            # `_cairn_fail` rather than abort_operation / retry_operation: the exception decides
            # the outcome even after a `returns`, as it does in Cloudify.
            if issubclass(kind, OperationRetry):
                _proxy.call('_cairn_fail', {'kind': 'retry', 'message': str(error),
                                            'retry_after': getattr(error, 'retry_after', None)})
            elif issubclass(kind, NonRecoverableError):
                _proxy.call('_cairn_fail', {'kind': 'abort', 'message': str(error)})
        except Exception as failure:  # the operation fails anyway (exit code 1): say why
            sys.stderr.write('The failure could not be reported to the operation: {0}: {1}\n'
                             .format(type(failure).__name__, failure))

    sys.excepthook = excepthook
    atexit.register(_save_at_exit)


def _save_at_exit() -> None:
    try:
        context.save_runtime_properties()
    except BaseException as error:
        sys.stderr.write('The runtime properties could not be saved: {0}: {1}\n'
                         .format(type(error).__name__, error))
        # An exception in an exit handler leaves the exit code as it was: the operation would
        # succeed without its properties. Exiting now is the only way to fail it.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(1)
