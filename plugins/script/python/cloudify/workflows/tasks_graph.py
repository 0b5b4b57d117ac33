"""Task graphs (``cloudify.workflows.tasks_graph``): tasks and what each waits for.

The graph's shape is kept here: tasks, subgraphs, sequences and dependencies. ``execute()``
reduces it to tasks and "waits for" pairs between them, sends that to the workflow's worker as
one graph, which the engine's scheduler runs, and waits for it. A graph holds nothing once it
has executed, so it can be filled and executed again, as Cloudify's empties as its tasks end.
"""
from __future__ import annotations

import uuid

from cloudify.workflows.tasks import TASK_PENDING, TASK_SUCCEEDED, WorkflowTask, _Run


class forkjoin(object):
    """Tasks a sequence runs side by side: each waits for the step before, the next step waits
    for all of them. A list or tuple in ``sequence.add`` means the same."""

    def __init__(self, *tasks):
        self.tasks = tasks


class TaskSequence(object):
    """A chain: each step added waits for the step added before it."""

    def __init__(self, container):
        self._container = container
        self._graph = container if isinstance(container, TaskDependencyGraph) else container.graph
        self._last = []

    def add(self, *tasks):
        """Appends steps: a task or subgraph, or a ``forkjoin``/list/tuple of them (in
        parallel)."""
        for step in tasks:
            if isinstance(step, forkjoin):
                group = list(step.tasks)
            elif isinstance(step, (list, tuple)):
                group = list(step)
            else:
                group = [step]
            for task in group:
                self._container.add_task(task)
                for before in self._last:
                    self._graph.add_dependency(task, before)
            if group:
                self._last = group


class SubgraphTask(object):
    """A named group of tasks (``graph.subgraph(name)``) that can be waited for, or made to
    wait, as a whole: it starts when what it waits for is done and is done when all its tasks
    are. Cloudify's ``on_failure`` handlers are not run by Cairn: a failed task fails the graph.
    """

    def __init__(self, graph, name):
        self.graph = graph
        self.name = name
        self.id = str(uuid.uuid4())
        self.tasks = {}
        self.containing_subgraph = None
        self.on_failure = None

    def add_task(self, task):
        """Adds a task (or a nested subgraph) to this subgraph, and so to its graph."""
        self.graph._add(task, self)
        return task

    def add_tasks(self, *tasks):
        for task in tasks:
            self.add_task(task)

    def sequence(self):
        """A chain whose tasks are added to this subgraph."""
        return TaskSequence(self)

    def is_nop(self):
        """Whether it holds no task that does something."""
        return all(task.is_nop() for task in self.tasks.values())

    def get_state(self):
        return TASK_SUCCEEDED if self.is_nop() else TASK_PENDING

    def __repr__(self):
        return '<SubgraphTask {0!r} ({1} tasks)>'.format(self.name, len(self.tasks))


def _start(item):
    return ('start', id(item)) if isinstance(item, SubgraphTask) else ('task', id(item))


def _end(item):
    return ('end', id(item)) if isinstance(item, SubgraphTask) else ('task', id(item))


class TaskDependencyGraph(object):
    """Tasks and the tasks they wait for (``ctx.graph_mode()`` returns the context's).

    Nothing runs until ``execute()``; tasks with no dependency between them may run in
    parallel.
    """

    def __init__(self, workflow_context=None):
        self.ctx = workflow_context
        # Member (task or subgraph) -> the subgraph holding it (None: the graph itself), in the
        # order added. Tasks compare by identity, so they are keys as they are.
        self._members = {}
        # Member -> the members it waits for, in the order added.
        self._waits = {}

    @property
    def graph(self):
        return self

    def _add(self, task, container):
        if not isinstance(task, (WorkflowTask, SubgraphTask)):
            raise TypeError('a graph holds tasks (made by execute_operation, set_state, '
                            'send_event) and subgraphs, not {0!r}'.format(task))
        previous = self._members.get(task)
        if previous is not None and previous is not container:
            previous.tasks.pop(task.id, None)
        self._members[task] = container
        self._waits.setdefault(task, [])
        task.containing_subgraph = container
        if container is not None:
            container.tasks[task.id] = task

    def add_task(self, task):
        """Adds a task, or a subgraph (adding one twice is harmless)."""
        if task not in self._members:
            self._add(task, None)
        return task

    def subgraph(self, name):
        """A new subgraph of this graph."""
        sub = SubgraphTask(self, name)
        self._add(sub, None)
        return sub

    def sequence(self):
        """A chain whose tasks are added to this graph."""
        return TaskSequence(self)

    def add_dependency(self, src_task, dst_task):
        """``src_task`` waits for ``dst_task``; both must be in the graph."""
        for which, task in (('source', src_task), ('target', dst_task)):
            if task not in self._members:
                raise RuntimeError('{0} task {1!r} is not in graph'.format(which, task))
        if src_task is dst_task:
            raise RuntimeError('task {0!r} cannot wait for itself'.format(src_task))
        waits = self._waits[src_task]
        if dst_task not in waits:
            waits.append(dst_task)

    def remove_dependency(self, src_task, dst_task):
        """``src_task`` no longer waits for ``dst_task``."""
        waits = self._waits.get(src_task, [])
        if dst_task in waits:
            waits.remove(dst_task)

    def tasks_iter(self):
        """The tasks and subgraphs, in the order added."""
        return iter(list(self._members))

    @property
    def tasks(self):
        return list(self._members)

    def get_task(self, task_id):
        """A task or subgraph by id, or None."""
        return next((task for task in self._members if task.id == task_id), None)

    def _reduced(self):
        """The tasks that do something, and ``(task, waits_for)`` id pairs between them.

        Subgraphs and NOP tasks do nothing themselves but pass on what they wait for: a subgraph
        is two points, its start (which its tasks wait for) and its end (which waits for its
        tasks), and a task waits for the nearest tasks that do something along its
        dependencies, through any number of subgraphs and NOPs.
        """
        waits = {}
        by_key = {}
        for member, container in self._members.items():
            by_key[_start(member)] = member
            waits.setdefault(_start(member), [])
            waits.setdefault(_end(member), [])
            if container is not None:
                waits[_start(member)].append(_start(container))
                waits.setdefault(_end(container), []).append(_end(member))
            for before in self._waits.get(member, []):
                waits[_start(member)].append(_end(before))
        real = [m for m in self._members if isinstance(m, WorkflowTask) and not m.is_nop()]
        pairs = []
        for task in real:
            own = _start(task)
            seen = set()
            stack = list(waits[own])
            found = []
            while stack:
                key = stack.pop()
                if key in seen:
                    continue
                seen.add(key)
                if key == own:
                    raise RuntimeError('the graph has a dependency cycle through {0!r}'
                                       .format(task))
                member = by_key.get(key)
                if isinstance(member, WorkflowTask) and not member.is_nop():
                    if member not in found:
                        found.append(member)
                    continue
                stack.extend(waits.get(key, []))
            pairs.extend((task.id, before.id) for before in found)
        return real, pairs

    def execute(self):
        """Runs the graph with the engine's scheduler and waits for it. Raises
        ``cloudify.exceptions.WorkflowFailed`` with the engine's reason when a task failed for
        good (the graph's other tasks end first)."""
        real, pairs = self._reduced()
        ran = [task for task in real if task._run is not None]
        if ran:
            raise RuntimeError('task {0!r} has already run: make a new task to run it again'
                               .format(ran[0]))
        self._members = {}
        self._waits = {}
        if real:
            _Run(real, pairs).wait()
