"""The operation ``ctx`` of Cloudify's ``cloudify/context.py``, read through Cairn's ctx proxy.

Each attribute is fetched from the proxy when first read and kept. Runtime properties are the
exception to "read through": the dict is fetched once, changed locally as in Cloudify, and written
back by ``update()`` and when the script ends (``save_runtime_properties``, called at exit).
"""
from __future__ import annotations

import copy
import json
import os

from cloudify import _proxy
from cloudify.exceptions import NonRecoverableError

DEPLOYMENT = 'deployment'
NODE_INSTANCE = 'node-instance'
RELATIONSHIP_INSTANCE = 'relationship-instance'

#: Instances whose runtime properties this script may change, saved at exit.
_writable_instances = []


def save_runtime_properties() -> None:
    """Saves the runtime properties changed since they were read or last saved."""
    for instance in _writable_instances:
        instance._save()


class _ReadOnlyDict(dict):
    """A dict that refuses changes with a NonRecoverableError, as Cloudify's do."""

    _refusal = 'Cannot override read only properties'

    def _refuse(self, *args, **kwargs):
        raise NonRecoverableError(self._refusal)

    __setitem__ = __delitem__ = __ior__ = _refuse
    update = clear = pop = popitem = setdefault = _refuse

    # Copies are ordinary dicts: copying is how a script gets a version it may change (and
    # copy/pickle would otherwise rebuild the copy through the refusing __setitem__).
    def __copy__(self):
        return dict(self)

    def __deepcopy__(self, memo):
        return copy.deepcopy(dict(self), memo)

    def __reduce__(self):
        return (dict, (dict(self),))


class ImmutableProperties(_ReadOnlyDict):
    """``ctx.node.properties``: the node's properties from the blueprint."""


class _RelatedRuntimeProperties(_ReadOnlyDict):
    """The runtime properties of a relationship's target, seen from the source's operation."""

    _refusal = 'Cannot modify runtime properties of relationship node instances'


def _fingerprint(value):
    """A text that changes when ``value`` does, or None when it is not JSON data."""
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return None


class _Lazy(object):
    """Attributes read once from a source (``read(name)``) and kept."""

    def __init__(self, read):
        self._read = read
        self._values = {}

    def _get(self, name):
        if name not in self._values:
            self._values[name] = self._read(name)
        return self._values[name]


class NodeContext(_Lazy):
    """A node: ``id``, ``name``, ``type``, ``type_hierarchy``, ``properties`` (read-only),
    ``number_of_instances``."""

    @property
    def id(self):
        return self._get('id')

    @property
    def name(self):
        return self._get('name')

    @property
    def type(self):
        return self._get('type')

    @property
    def type_hierarchy(self):
        return self._get('type_hierarchy')

    @property
    def number_of_instances(self):
        return self._get('number_of_instances')

    @property
    def properties(self):
        if 'properties' not in self._values:
            self._values['properties'] = ImmutableProperties(self._read('properties') or {})
        return self._values['properties']

    def __repr__(self):
        return '<NodeContext {0}>'.format(self.id)


class NodeInstanceContext(object):
    """The operation's own instance (or one end of a relationship operation): its runtime
    properties may be changed, and are saved by ``update()`` and when the script ends."""

    def __init__(self, scope, instance_id):
        self._scope = tuple(scope)
        self._id = instance_id
        self._properties = None
        # The properties as last read or saved, as JSON: what "changed" is measured against.
        self._stored = None
        self._relationships = None
        self._lazy = _Lazy(lambda name: self._call(name))
        _writable_instances.append(self)

    def _call(self, *args):
        return _proxy.call(*(self._scope + args))

    @property
    def id(self):
        return self._id

    def _load(self):
        if self._properties is None:
            properties = self._call('runtime_properties') or {}
            self._stored = _fingerprint(properties)
            self._properties = properties
        return self._properties

    @property
    def runtime_properties(self):
        """The runtime properties, a dict: changes are saved when the script ends."""
        return self._load()

    @runtime_properties.setter
    def runtime_properties(self, value):
        self._load()  # what is stored, to tell the changes at the end
        self._properties = dict(value)

    def _dirty(self):
        return self._properties is not None and _fingerprint(self._properties) != self._stored

    def _save(self):
        """Writes the properties back if they changed. Keys this script did not change keep
        what the proxy has now (a ``ctx`` command the script ran may have written them)."""
        if not self._dirty():
            return
        local = self._properties
        before = json.loads(self._stored) if self._stored is not None else {}
        merged = self._call('runtime_properties') or {}
        for key in set(before) - set(local):
            merged.pop(key, None)
        for key, value in local.items():
            if key not in before or _fingerprint(value) != _fingerprint(before[key]):
                merged[key] = value
        self._call('_cairn_set_runtime_properties', {'properties': merged})
        # The same dict object stays the script's, now holding what is stored.
        local.clear()
        local.update(merged)
        self._stored = _fingerprint(local)

    def update(self, on_conflict=None):
        """Saves the runtime properties now.

        Cairn has no concurrent writers to conflict with: ``on_conflict(local, latest)`` is
        called once, and what it returns is saved.
        """
        if on_conflict is not None:
            local = copy.deepcopy(self.runtime_properties)
            self.runtime_properties = on_conflict(local, copy.deepcopy(local))
        self._save()
        self._call('update')

    def refresh(self, force=False):
        """Reads the runtime properties again (at their next use); refuses to drop unsaved
        changes unless ``force``."""
        if not force and self._dirty():
            raise NonRecoverableError(
                'runtime_properties are dirty: refreshing now would destroy local changes')
        self._properties = None
        self._stored = None
        self._relationships = None

    @property
    def host_ip(self):
        return self._lazy._get('host_ip')

    @property
    def index(self):
        return self._lazy._get('index')

    @property
    def scaling_groups(self):
        return self._lazy._get('scaling_groups')

    @property
    def relationships(self):
        """The instance's relationships: ``type``, ``type_hierarchy``, ``target.node`` and
        ``target.instance`` (whose runtime properties are read-only)."""
        if self._relationships is None:
            data = self._call('_cairn_relationships') or []

            def reload(position):
                return (self._call('_cairn_relationships') or [])[position]['target']['instance']

            self._relationships = [
                RelationshipContext(item, lambda p=position: reload(p))
                for position, item in enumerate(data)
            ]
        return self._relationships

    def __repr__(self):
        return '<NodeInstanceContext {0}>'.format(self._id)


class _RelatedInstanceContext(object):
    """A relationship's target instance: read-only, as in Cloudify."""

    def __init__(self, data, reload):
        self._data = data
        self._reload = reload
        self._properties = None

    @property
    def id(self):
        return self._data.get('id')

    @property
    def runtime_properties(self):
        if self._properties is None:
            self._properties = _RelatedRuntimeProperties(self._data.get('runtime_properties') or {})
        return self._properties

    @property
    def host_ip(self):
        if self._data.get('host_ip') is None:
            raise NonRecoverableError('node instance {0} has no host ip'.format(self.id))
        return self._data['host_ip']

    @property
    def index(self):
        return self._data.get('index')

    @property
    def scaling_groups(self):
        return self._data.get('scaling_groups')

    @property
    def relationships(self):
        raise NonRecoverableError(
            "Cairn does not give the relationships of a relationship's target instance "
            '({0})'.format(self.id))

    def update(self, on_conflict=None):
        """Nothing to save: these runtime properties cannot be changed."""

    def refresh(self, force=False):
        self._data = self._reload()
        self._properties = None

    def __repr__(self):
        return '<NodeInstanceContext {0} (read-only)>'.format(self.id)


class RelationshipSubjectContext(object):
    """One end of a relationship: ``node`` and ``instance``."""

    def __init__(self, node, instance):
        self.node = node
        self.instance = instance


class RelationshipContext(object):
    """One of ``ctx.instance.relationships``: ``type``, ``type_hierarchy`` and ``target``."""

    def __init__(self, data, reload):
        self.type = data.get('type')
        self.type_hierarchy = data.get('type_hierarchy') or []
        target = data.get('target') or {}
        node = target.get('node') or {}
        self.target = RelationshipSubjectContext(
            NodeContext(node.get),
            _RelatedInstanceContext(target.get('instance') or {}, reload),
        )

    def __repr__(self):
        return '<RelationshipContext {0} to {1}>'.format(self.type, self.target.instance.id)


class EntityContext(_Lazy):
    """``ctx.deployment`` and ``ctx.blueprint``: their ``id``."""

    def __init__(self, name):
        super().__init__(lambda attribute: _proxy.call(name, attribute))

    @property
    def id(self):
        return self._get('id')


class OperationContext(_Lazy):
    """``ctx.operation``: ``name``, ``retry_number``, ``max_retries``, ``relationship`` and
    ``retry()``."""

    def __init__(self):
        super().__init__(lambda name: _proxy.call('operation', name))

    @property
    def name(self):
        return self._get('name')

    @property
    def retry_number(self):
        return self._get('retry_number')

    @property
    def max_retries(self):
        return self._get('max_retries')

    @property
    def relationship(self):
        return self._get('relationship')

    def retry(self, message=None, retry_after=None):
        """Asks for the operation to be run again (``return ctx.operation.retry(...)``).

        Cloudify records it and raises it when the operation function returns; a script has no
        such function, so this is ``ctx.retry_operation``: the script goes on, and the operation
        is rescheduled when it ends, whatever its exit code.
        """
        return ctx.retry_operation(message, retry_after)


class PluginContext(str):
    """``ctx.plugin``: the plugin's name (it is a str, as in Cloudify) with ``name``,
    ``package_name``, ``package_version``, ``source``, ``properties`` and ``workdir``."""

    def __new__(cls, name):
        plugin = super().__new__(cls, name)
        plugin._lazy = _Lazy(lambda attribute: _proxy.call('plugin', attribute))
        return plugin

    @property
    def name(self):
        return str(self)

    @property
    def package_name(self):
        return self._lazy._get('package_name')

    @property
    def package_version(self):
        return self._lazy._get('package_version')

    @property
    def source(self):
        return self._lazy._get('source')

    @property
    def properties(self):
        return ImmutableProperties(self._lazy._get('properties') or {})

    @property
    def prefix(self):
        """Cloudify's plugin virtualenv: None, scripts run with the host's python3."""
        return None

    @property
    def workdir(self):
        """A folder for this plugin in this deployment, created when first asked for."""
        workdir = self._lazy._get('workdir')
        if workdir:
            os.makedirs(workdir, exist_ok=True)
        return workdir


class CommonContext(object):
    """What the operation ctx and the workflow ctx share: values read once through the proxy,
    ``deployment`` and ``blueprint``, the execution's ids, the tenant's name, the logger and
    ``download_resource``."""

    def __init__(self):
        self._values = {}
        self._logger = None
        self._deployment = None
        self._blueprint = None

    def _get(self, name):
        if name not in self._values:
            self._values[name] = _proxy.call(name)
        return self._values[name]

    @property
    def deployment(self):
        if self._deployment is None:
            self._deployment = EntityContext('deployment')
        return self._deployment

    @property
    def blueprint(self):
        if self._blueprint is None:
            self._blueprint = EntityContext('blueprint')
        return self._blueprint

    @property
    def execution_id(self):
        return self._get('execution_id')

    @property
    def workflow_id(self):
        return self._get('workflow_id')

    @property
    def tenant_name(self):
        return self._get('tenant_name')

    @property
    def logger(self):
        """A ``logging.Logger`` writing to the operation's or the execution's log."""
        if self._logger is None:
            _proxy.socket_url()  # no proxy: say so now, not at the first record
            from cloudify._logger import create_logger

            self._logger = create_logger('ctx')
        return self._logger

    def download_resource(self, resource_path, target_path=None):
        """Copies a blueprint resource to ``target_path`` (else a temporary file); its path."""
        return _proxy.call('download_resource', {
            'resource_path': resource_path,
            'target_path': target_path,
        })


class CloudifyContext(CommonContext):
    """The operation's ctx (``from cloudify import ctx``)."""

    def __init__(self):
        super().__init__()
        self._node = None
        self._instance = None
        self._source = None
        self._target = None
        self._operation = None
        self._plugin = None
        #: 'abort' or 'retry' once the script asked for it (what the exception hook reads).
        self._ending = None

    def _get_current_object(self):
        """This ctx (Cloudify's ctx is a proxy object that plugins sometimes unwrap)."""
        return self

    @property
    def type(self):
        """``node-instance``, ``relationship-instance`` or ``deployment``."""
        return self._get('type')

    @property
    def node(self):
        """The operation's node (node operations only)."""
        if self._node is None:
            # Reading the id first makes a misuse (a relationship operation) raise here.
            node_id = _proxy.call('node', 'id')
            self._node = NodeContext(lambda name: _proxy.call('node', name))
            self._node._values['id'] = node_id
        return self._node

    @property
    def instance(self):
        """The operation's node instance (node operations only)."""
        if self._instance is None:
            self._instance = NodeInstanceContext(['instance'], _proxy.call('instance', 'id'))
        return self._instance

    def _end(self, side):
        instance_id = _proxy.call(side, 'instance', 'id')
        return RelationshipSubjectContext(
            NodeContext(lambda name: _proxy.call(side, 'node', name)),
            NodeInstanceContext([side, 'instance'], instance_id),
        )

    @property
    def source(self):
        """The relationship's source: ``node`` and ``instance`` (relationship operations only)."""
        if self._source is None:
            self._source = self._end('source')
        return self._source

    @property
    def target(self):
        """The relationship's target: ``node`` and ``instance`` (relationship operations only)."""
        if self._target is None:
            self._target = self._end('target')
        return self._target

    @property
    def tenant(self):
        """The tenant as a dict (Cloudify reads more of it from its REST service)."""
        return {'name': self.tenant_name}

    @property
    def task_id(self):
        return self._get('task_id')

    @property
    def timeout(self):
        return self._get('timeout')

    @property
    def operation(self):
        if self._operation is None:
            self._operation = OperationContext()
        return self._operation

    @property
    def plugin(self):
        if self._plugin is None:
            self._plugin = PluginContext(_proxy.call('plugin', 'name') or '')
        return self._plugin

    def get_resource(self, resource_path):
        """A blueprint resource's content."""
        return _proxy.call('get_resource', {'resource_path': resource_path})

    def get_resource_and_render(self, resource_path, template_variables=None):
        """A blueprint resource's content, rendered as a template with ``template_variables``."""
        _check_variables(template_variables)
        return _proxy.call('get_resource_and_render', {
            'resource_path': resource_path,
            'template_variables': template_variables,
        })

    def download_resource_and_render(self, resource_path, target_path=None,
                                     template_variables=None):
        """Like ``download_resource``, the content rendered with ``template_variables``."""
        _check_variables(template_variables)
        return _proxy.call('download_resource_and_render', {
            'resource_path': resource_path,
            'target_path': target_path,
            'template_variables': template_variables,
        })

    def returns(self, value):
        """Sets the operation's result (once; the script goes on)."""
        _proxy.call('returns', {'value': value})

    def abort_operation(self, message=None):
        """Fails the operation for good with ``message`` when the script ends (which it does
        not do here, as in Cloudify), whatever its exit code."""
        result = _proxy.call('abort_operation', {'message': message})
        self._ending = 'abort'
        return result

    def retry_operation(self, message=None, retry_after=None):
        """Reschedules the operation, after ``retry_after`` seconds if given, when the script
        ends, whatever its exit code."""
        result = _proxy.call('retry_operation', {'message': message, 'retry_after': retry_after})
        self._ending = 'retry'
        return result

    def __repr__(self):
        return '<CloudifyContext>'


def _check_variables(template_variables):
    if template_variables and 'ctx' in template_variables:
        raise NonRecoverableError('Key not allowed - a key named ctx is in template_variables')


#: The ctx of this script's operation.
ctx = CloudifyContext()
