"""``cloudify.manager``: Cloudify's REST client, which scripts run by Cairn do not have."""
from __future__ import annotations

from cloudify.exceptions import NonRecoverableError


def get_rest_client(*args, **kwargs):
    """Raises: Cairn has no Cloudify manager REST service for scripts to call."""
    raise NonRecoverableError(
        "cloudify.manager.get_rest_client() is not available in Cairn's local mode: "
        'use ctx (ctx.instance, ctx.node, ctx.get_resource …) instead')
