"""Restarts the instances of one node (parameter `node_id`), one after the other: stop, then
start, each waiting for the one before, so the service never loses all its instances at once."""
from cloudify.workflows import ctx, parameters

node = ctx.get_node(parameters['node_id'])
ctx.logger.info('Restarting %d instance(s) of %s, one at a time', len(node.instances), node.id)

graph = ctx.graph_mode()
sequence = graph.sequence()
for instance in sorted(node.instances, key=lambda i: i.id):
    sequence.add(
        instance.send_event('Restarting'),
        instance.execute_operation('cloudify.interfaces.lifecycle.stop'),
        instance.execute_operation('cloudify.interfaces.lifecycle.start'),
        instance.send_event('Restarted'),
    )
graph.execute()
