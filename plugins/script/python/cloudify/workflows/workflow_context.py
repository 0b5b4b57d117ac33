"""The workflow ``ctx`` (Cloudify's ``CloudifyWorkflowContext``) of a workflow script, over
Cairn's ctx proxy.

The deployment's nodes and instances are read once, as data, and kept (``ctx.
refresh_node_instances()`` reads the instances again). Tasks are made in the workflow's worker,
which holds them; outside graph mode each starts when made, in graph mode it waits for a graph
(``ctx.graph_mode()``) to execute it.
"""
from __future__ import annotations

from cloudify import _proxy
from cloudify.context import CommonContext, ImmutableProperties
from cloudify.workflows.tasks import NOPLocalWorkflowTask, WorkflowTask, _Run
from cloudify.workflows.tasks_graph import TaskDependencyGraph


class CloudifyWorkflowRelationshipInstance(object):
    """A relationship of a node instance, from its source's side: ``type``, ``target_id``,
    ``target_node_instance`` and the operations of either side."""

    def __init__(self, ctx, node_instance, index, data):
        self._ctx = ctx
        self.node_instance = node_instance
        self._index = index
        self.type = data.get('type')
        self.target_id = data.get('target_id')
        #: The target's node id.
        self.target_node_id = data.get('target_name')

    @property
    def source_id(self):
        return self.node_instance.id

    @property
    def target_node_instance(self):
        """The target instance (None if it is not in this deployment any more)."""
        return self._ctx.get_node_instance(self.target_id)

    def _operation(self, side, operation, kwargs, allow_kwargs_override):
        return self._ctx._task('operation', self.node_instance, operation, {
            'kwargs': kwargs,
            'allow_kwargs_override': allow_kwargs_override,
            'relationship': self._index,
            'side': side,
        })

    def execute_source_operation(self, operation, kwargs=None, allow_kwargs_override=None,
                                 send_task_events=True):
        """A task running the source side's ``operation`` of this relationship."""
        return self._operation('source', operation, kwargs, allow_kwargs_override)

    def execute_target_operation(self, operation, kwargs=None, allow_kwargs_override=None,
                                 send_task_events=True):
        """A task running the target side's ``operation`` of this relationship."""
        return self._operation('target', operation, kwargs, allow_kwargs_override)

    def __repr__(self):
        return '<CloudifyWorkflowRelationshipInstance {0} -> {1}>'.format(
            self.node_instance.id, self.target_id)


class CloudifyWorkflowNodeInstance(object):
    """A node instance: ``id``, ``node_id``, ``node``, ``state``, ``runtime_properties``
    (read-only), ``host_id``, ``index``, ``relationships``, and the tasks made on it."""

    def __init__(self, ctx, data):
        self._ctx = ctx
        self._data = {}
        self._relationships = []
        self._update(data)

    def _update(self, data):
        """Takes fresh data about the same instance (``refresh_node_instances``)."""
        if data.get('relationships') != self._data.get('relationships'):
            self._relationships = [
                CloudifyWorkflowRelationshipInstance(self._ctx, self, index, item)
                for index, item in enumerate(data.get('relationships') or [])
            ]
        self._data = data

    @property
    def id(self):
        return self._data['id']

    @property
    def node_id(self):
        return self._data['node_id']

    @property
    def node(self):
        return self._ctx.get_node(self.node_id)

    @property
    def state(self):
        """The state as of the workflow's start or the last ``refresh_node_instances()``."""
        return self._data.get('state')

    @property
    def runtime_properties(self):
        """As of the workflow's start or the last ``refresh_node_instances()``; read-only."""
        return ImmutableProperties(self._data.get('runtime_properties') or {})

    @property
    def host_id(self):
        return self._data.get('host_id')

    @property
    def index(self):
        return self._data.get('index')

    @property
    def relationships(self):
        """In the node template's declaration order."""
        return list(self._relationships)

    def execute_operation(self, operation, kwargs=None, allow_kwargs_override=None,
                          send_task_events=True):
        """A task running ``operation`` on this instance with ``kwargs`` (merged over the
        inputs the blueprint gives it; ``allow_kwargs_override`` lets them replace those). A
        NOP task when the node has no such operation."""
        if not self.node.has_operation(operation):
            return NOPLocalWorkflowTask(operation, self)
        return self._ctx._task('operation', self, operation, {
            'kwargs': kwargs,
            'allow_kwargs_override': allow_kwargs_override,
        })

    def set_state(self, state):
        """A task storing the instance's state."""
        return self._ctx._task('state', self, state, {})

    def send_event(self, event, additional_context=None):
        """A task sending a ``workflow_node_event`` about this instance."""
        return self._ctx._task('event', self, str(event), {})

    def __repr__(self):
        return '<CloudifyWorkflowNodeInstance {0}>'.format(self.id)


class CloudifyWorkflowNode(object):
    """A node template: ``id``, ``type``, ``type_hierarchy``, ``properties`` (read-only),
    ``number_of_instances``, ``instances``, ``has_operation(name)``."""

    def __init__(self, ctx, data):
        self._ctx = ctx
        self.id = data['id']
        self.type = data.get('type')
        self.type_hierarchy = list(data.get('type_hierarchy') or [])
        self.properties = ImmutableProperties(data.get('properties') or {})
        self.number_of_instances = data.get('number_of_instances')
        self._operations = frozenset(data.get('operations') or [])

    @property
    def instances(self):
        """The node's instances."""
        return [i for i in self._ctx.node_instances if i.node_id == self.id]

    @property
    def operations(self):
        """The names of the node's operations (full and unique short names)."""
        return sorted(self._operations)

    def has_operation(self, operation):
        return operation in self._operations

    def get_node_instance(self, node_instance_id):
        instance = self._ctx.get_node_instance(node_instance_id)
        return instance if instance is not None and instance.node_id == self.id else None

    def __repr__(self):
        return '<CloudifyWorkflowNode {0}>'.format(self.id)


class CloudifyWorkflowContext(CommonContext):
    """The workflow's ctx (``from cloudify.workflows import ctx``)."""

    def __init__(self):
        super().__init__()
        self._nodes = None
        self._instances = None
        self._graph = None
        self._graph_mode = False

    # ---- the deployment -------------------------------------------------------------------

    def _node_map(self):
        if self._nodes is None:
            self._nodes = {}
            for data in _proxy.call('_cairn_nodes') or []:
                self._nodes[data['id']] = CloudifyWorkflowNode(self, data)
        return self._nodes

    def _instance_map(self):
        if self._instances is None:
            self._adopt(_proxy.call('_cairn_instances') or [])
        return self._instances

    def _adopt(self, items):
        """Takes a fresh list of instances, keeping the objects of those already known."""
        known = self._instances or {}
        fresh = {}
        for data in items:
            instance = known.get(data['id'])
            if instance is None:
                instance = CloudifyWorkflowNodeInstance(self, data)
            else:
                instance._update(data)
            fresh[data['id']] = instance
        self._instances = fresh

    @property
    def nodes(self):
        return list(self._node_map().values())

    @property
    def node_instances(self):
        return list(self._instance_map().values())

    def get_node(self, node_id):
        """A node by id, or None."""
        return self._node_map().get(node_id)

    def get_node_instance(self, node_instance_id):
        """A node instance by id, or None."""
        return self._instance_map().get(node_instance_id)

    def refresh_node_instances(self):
        """Reads the instances again (states, runtime properties, added and removed ones)."""
        self._adopt(_proxy.call('_cairn_refresh') or [])

    @property
    def resume(self):
        """Whether the execution is being resumed."""
        return self._get('resume')

    def send_event(self, event, event_type='workflow_stage', args=None, additional_context=None):
        """Sends a ``workflow_stage`` event now; returns a task that is already done.

        Cloudify sends it when its task runs (at once outside graph mode, at its place in the
        graph in graph mode); Cairn always sends it at once."""
        _proxy.call('send_event', {'message': str(event)})
        return NOPLocalWorkflowTask(str(event))

    # ---- tasks and graphs -----------------------------------------------------------------

    @property
    def graph(self):
        """This context's task graph (what ``graph_mode()`` returns)."""
        if self._graph is None:
            self._graph = TaskDependencyGraph(self)
        return self._graph

    def graph_mode(self):
        """Switches to graph mode: tasks made from now on wait for a graph to execute them.
        Returns the context's graph."""
        self._graph_mode = True
        return self.graph

    def _task(self, kind, instance, name, options):
        """Makes a task in the worker; outside graph mode it starts at once."""
        arguments = {'kind': kind, 'instance_id': instance.id, 'name': name}
        arguments.update((key, value) for key, value in options.items() if value is not None)
        task = WorkflowTask(_proxy.call('_cairn_task', arguments), kind, name, instance)
        if not self._graph_mode:
            _Run([task], [])
        return task

    def __repr__(self):
        return '<CloudifyWorkflowContext>'


#: The ctx of this workflow script.
ctx = CloudifyWorkflowContext()
