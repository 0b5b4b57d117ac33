"""Calls to the operation's ctx proxy: Cairn's HTTP endpoint whose URL is in ``CTX_SOCKET_URL``.

A call is one ``POST {"args": [...]}``; the proxy walks the arguments over the operation's ctx
as Cloudify's proxy does and answers ``{"type": "result" | "error" | "stop_operation",
"payload": ...}``. An ``error`` answer is raised here as the Python exception it names.
"""
from __future__ import annotations

import builtins
import json
import os
import socket

from cloudify import exceptions

#: The environment variable the script runner sets to the proxy's URL.
CTX_SOCKET_URL = 'CTX_SOCKET_URL'

#: Seconds a call may take (what Cloudify's ``ctx`` client allows by default).
TIMEOUT = 30.0

#: Errors the proxy names that are Cloudify's, not Python's.
_CLOUDIFY_ERRORS = {
    'NonRecoverableError': exceptions.NonRecoverableError,
    'RecoverableError': exceptions.RecoverableError,
    'OperationRetry': exceptions.OperationRetry,
}


class CtxProxyError(RuntimeError):
    """The ctx proxy could not be reached, or did not answer as a ctx proxy does."""


def available() -> bool:
    """Whether this script has a ctx proxy (not with ``ctx_proxy_type: none``)."""
    return os.environ.get(CTX_SOCKET_URL, '') != ''


def socket_url() -> str:
    """The proxy's URL; a clear error when there is none."""
    url = os.environ.get(CTX_SOCKET_URL, '')
    if url == '':
        why = (
            "CTX_SOCKET_URL is empty: the operation's process option ctx_proxy_type is 'none'"
            if CTX_SOCKET_URL in os.environ
            else 'CTX_SOCKET_URL is not set: is this script run by a Cairn operation?'
        )
        raise RuntimeError('ctx cannot be used: this script has no ctx proxy ({0})'.format(why))
    return url


def call(*args):
    """Runs one ctx request; its result, or None after ``abort_operation``/``retry_operation``.

    A trailing dict is taken by the proxy as keyword arguments of the callable it reaches, so
    callers pass a dict value as a keyword argument (``{'value': {...}}``), never positionally.
    """
    url = socket_url()
    try:
        body = json.dumps({'args': list(args)}, allow_nan=False).encode('utf-8')
    except (TypeError, ValueError) as error:
        raise TypeError('what is sent to ctx must be JSON data (dict, list, str, int, float, '
                        'bool or None): {0}'.format(error)) from None
    answer = _post(url, body)
    kind = answer.get('type') if isinstance(answer, dict) else None
    payload = answer.get('payload') if isinstance(answer, dict) else None
    if kind == 'result':
        return payload
    if kind == 'stop_operation':
        return None
    if kind == 'error' and isinstance(payload, dict):
        raise _exception(payload)
    raise CtxProxyError('{0} answered something that is not a ctx answer: {1!r}'
                        .format(_shown(url), answer))


def _exception(payload: dict) -> Exception:
    """The exception an ``error`` answer names, with the proxy's message."""
    name = str(payload.get('type') or 'Error')
    message = str(payload.get('message') or '')
    cls = _CLOUDIFY_ERRORS.get(name)
    if cls is not None:
        return cls(message)
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        try:
            return builtin(message)
        except TypeError:
            pass  # an exception class with other constructor arguments (UnicodeDecodeError …)
    # A failure of Cairn itself (a JavaScript Error): not one the script could expect.
    return RuntimeError('{0}: {1}'.format(name, message))


def _shown(url: str) -> str:
    """The URL without its path: the path is the run's secret token."""
    scheme, _, rest = url.partition('://')
    return 'the ctx proxy at CTX_SOCKET_URL ({0}://{1}/…)'.format(scheme, rest.split('/', 1)[0])


def _post(url: str, body: bytes):
    """POSTs ``body`` to ``url``; the decoded JSON answer.

    A plain socket rather than urllib: urllib would send the call to an ``http_proxy`` from the
    environment, and importing http.client costs more than a call. The proxy answers one request
    per connection with a Content-Length and closes it.
    """
    scheme, _, rest = url.partition('://')
    authority, slash, path = rest.partition('/')
    host, colon, port = authority.rpartition(':')
    if scheme != 'http' or not colon or not port.isdigit():
        raise CtxProxyError('CTX_SOCKET_URL is not a ctx proxy URL (http://HOST:PORT/PATH): {0}'
                            .format(url))
    host = host.strip('[]')
    head = (
        'POST /{0} HTTP/1.1\r\nHost: {1}\r\nContent-Type: application/json\r\n'
        'Content-Length: {2}\r\nConnection: close\r\n\r\n'.format(path, authority, len(body))
    ).encode('latin-1')
    chunks = []
    try:
        with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
            sock.sendall(head + body)
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    except socket.timeout:
        raise CtxProxyError('{0} did not answer within {1:g} s'.format(_shown(url), TIMEOUT)) \
            from None
    except OSError as error:
        raise CtxProxyError('{0} cannot be reached: {1}'.format(_shown(url), error)) from None
    response = b''.join(chunks)
    header, separator, content = response.partition(b'\r\n\r\n')
    lines = header.decode('latin-1').split('\r\n')
    status = lines[0].split(' ', 2)
    if not separator or len(status) < 2 or status[1] != '200':
        raise CtxProxyError('{0} answered {1}: {2}'.format(
            _shown(url), lines[0] or 'nothing', content[:200].decode('utf-8', 'replace').strip()))
    for line in lines[1:]:
        name, _, value = line.partition(':')
        if name.strip().lower() == 'content-length' and value.strip().isdigit():
            content = content[:int(value.strip())]
    try:
        return json.loads(content.decode('utf-8'))
    except ValueError:
        raise CtxProxyError('{0} answered with no JSON: {1}'.format(
            _shown(url), content[:200].decode('utf-8', 'replace'))) from None
