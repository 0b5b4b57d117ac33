"""Cloudify's exception classes (``cloudify.exceptions``), as scripts raise and catch them.

How an uncaught one ends the operation is decided in ``cloudify._hooks``: a
``NonRecoverableError`` fails it for good, an ``OperationRetry`` reschedules it, anything else is
a failure that is retried.
"""
from __future__ import annotations


class NonRecoverableError(Exception):
    """The operation failed and retrying cannot help."""

    def __init__(self, *args, causes=None):
        self.causes = causes or []
        super().__init__(*args)


class RecoverableError(Exception):
    """The operation failed and may succeed when retried, after ``retry_after`` seconds if given.

    As in Cloudify, the message ends with `` [retry_after=N]`` when ``retry_after`` is given.
    """

    def __init__(self, message='', retry_after=None, causes=None):
        if retry_after is not None:
            suffix = '[retry_after={0}]'.format(retry_after)
            if suffix not in str(message):
                message = '{0} {1}'.format(message, suffix)
        self.retry_after = retry_after
        self.causes = causes or []
        super().__init__(message)


class OperationRetry(RecoverableError):
    """The operation asks to be run again (what ``ctx.operation.retry`` stands for)."""


class CloudifySerializationRetry(RecoverableError):
    """A serial operation waits for instances with a lower index."""


class HttpException(NonRecoverableError):
    """An HTTP request failed: ``url``, status ``code`` and ``message``."""

    def __init__(self, url, code, message, causes=None):
        self.url = url
        self.code = code
        self.message = message
        super().__init__(str(self), causes=causes)

    def __str__(self):
        return '{0} ({1}) : {2}'.format(self.code, self.url, self.message)


class CommandExecutionError(RuntimeError):
    """A command could not be started at all (so it has no exit code or output)."""

    def __init__(self, command, error=None):
        self.command = command
        self.error = error
        super().__init__(str(self))

    def __str__(self):
        return 'Failed executing command: {0}.\nerror: {1}'.format(self.command, self.error)


class CommandExecutionException(Exception):
    """A command ran and exited with a non-zero ``code``."""

    def __init__(self, command, error, output, code):
        self.command = command
        self.error = error
        self.output = output
        self.code = code
        super().__init__(str(self))

    def __str__(self):
        return "Command '{0}' executed with an error.\ncode: {1}\nerror: {2}\noutput: {3}".format(
            self.command, self.code, self.error or None, self.output or None
        )


class ProcessException(Exception):
    """A script ended with a non-zero exit code (Cloudify has it in ``script_runner.tasks``)."""

    def __init__(self, command, exit_code, stdout=None, stderr=None):
        self.command = command
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        super().__init__(
            'command: {0}, exit_code: {1}, stdout: {2}, stderr: {3}'.format(
                command, exit_code, stdout, stderr
            )
        )


class TimeoutException(Exception):
    """Something took longer than it was allowed to."""


class ProcessKillCancelled(NonRecoverableError):
    """The operation's process was killed by a cancel."""


class WorkflowFailed(Exception):
    """A workflow failed."""
