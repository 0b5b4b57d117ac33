"""Workflow tasks (``cloudify.workflows.tasks``): what ``execute_operation``, ``set_state`` and
``send_event`` return.

A task lives in the workflow's worker, which runs it with the engine's scheduler; this object is
its handle (``id``). Outside graph mode a task starts when it is made and ``get()`` waits for it;
in graph mode it runs when a graph holding it executes. An operation the node does not have is
a NOP task, as in Cloudify: it does nothing and counts as done.
"""
from __future__ import annotations

from cloudify import _proxy
from cloudify.exceptions import WorkflowFailed

TASK_PENDING = 'pending'
TASK_SENT = 'sent'
TASK_SUCCEEDED = 'succeeded'
TASK_FAILED = 'failed'

#: Seconds one wait call may hold its answer: short enough for the proxy client's timeout, so a
#: graph may run for as long as it takes.
_WAIT_SECONDS = 20


class _Run(object):
    """A set of tasks running in the worker as one graph, waited for here.

    Waiting polls the worker (``_cairn_wait``); the outcome is kept, so waiting again, or for
    another task of the same run, costs nothing.
    """

    def __init__(self, tasks, dependencies):
        self._tasks = list(tasks)
        self._outcome = None
        self._id = _proxy.call('_cairn_run', {
            'tasks': [task.id for task in self._tasks],
            'dependencies': [list(pair) for pair in dependencies],
        })
        for task in self._tasks:
            task._run = self
            task._state = TASK_SENT

    def wait(self):
        """Blocks until the run ended; raises WorkflowFailed (or ExecutionCancelled) if it did
        not succeed."""
        while self._outcome is None:
            answer = _proxy.call('_cairn_wait', {'run': self._id, 'timeout': _WAIT_SECONDS})
            if isinstance(answer, dict) and answer.get('done'):
                self._finish(answer)
        status = self._outcome.get('status')
        if status == 'terminated':
            return
        error = self._outcome.get('error') or 'the workflow graph {0}'.format(status)
        if status == 'cancelled':
            from cloudify.workflows.api import ExecutionCancelled

            raise ExecutionCancelled(error)
        raise WorkflowFailed(error)

    def _finish(self, outcome):
        self._outcome = outcome
        succeeded = outcome.get('status') == 'terminated'
        results = outcome.get('results') or {}
        for task in self._tasks:
            task._state = TASK_SUCCEEDED if succeeded else TASK_FAILED
            task._result = results.get(task.id)


class WorkflowTask(object):
    """A task of this workflow: an operation, a state change or a node event on an instance.

    ``kind`` is ``operation``, ``state`` or ``event``; ``name`` the operation, the state or the
    message; ``node_instance`` the instance it runs on (a relationship's source for a
    relationship operation).
    """

    def __init__(self, task_id, kind, name, node_instance):
        self.id = task_id
        self.kind = kind
        self.name = name
        self.node_instance = node_instance
        self.containing_subgraph = None
        self._state = TASK_PENDING
        self._run = None
        self._result = None

    def is_nop(self):
        """Whether the task does nothing (an operation the node does not have)."""
        return False

    def is_remote(self):
        """Whether it runs a plugin operation."""
        return self.kind == 'operation'

    def is_local(self):
        """Whether the engine does it itself (a state change or an event)."""
        return not self.is_remote()

    def get_state(self):
        """``pending``, ``sent`` (running), ``succeeded`` or ``failed``."""
        return self._state

    @property
    def async_result(self):
        """This task: Cloudify code waits with ``task.async_result.get()``."""
        return self

    def apply_async(self):
        """Starts the task alone, now, if it has not started; returns it (``get()`` waits)."""
        if self._run is None:
            _Run([self], [])
        return self

    def get(self):
        """Waits for the task; its result. Raises WorkflowFailed with the engine's reason when it
        (or the graph it ran in) failed.

        Cairn's engine does not report an operation's result to the workflow yet: an operation
        task's result is None."""
        if self._run is None:
            raise RuntimeError(
                'task {0} ({1}) has not been executed: in graph mode, add it to a graph and '
                'execute the graph'.format(self.id, self.name))
        self._run.wait()
        return self._result

    def __repr__(self):
        return '<WorkflowTask {0} {1} {2!r} on {3}>'.format(
            self.id, self.kind, self.name, getattr(self.node_instance, 'id', None))


class NOPLocalWorkflowTask(WorkflowTask):
    """A task with nothing to do: an operation the node does not have, or an event already sent
    (``ctx.send_event``). It counts as done at once, in or out of a graph."""

    def __init__(self, name='NOP', node_instance=None):
        super().__init__(None, 'nop', name, node_instance)
        self._state = TASK_SUCCEEDED

    def is_nop(self):
        return True

    def is_remote(self):
        return False

    def apply_async(self):
        return self

    def get(self):
        return None

    def __repr__(self):
        return '<NOPLocalWorkflowTask {0!r}>'.format(self.name)
