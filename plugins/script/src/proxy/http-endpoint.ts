/**
 * A minimal HTTP/1.x endpoint for the ctx proxy: one `POST` with a `Content-Length` body per
 * connection, one answer, then the connection closes. That is all ctx clients do (Cloudify's
 * Python client, curl, Cairn's bash `ctx`), and served on a plain TCP server it answers in about
 * half the time `node:http` takes here (0.8 ms against 1.7 ms per call measured from bash),
 * which matters for a command scripts call in loops (ADR 0009).
 */
import { createServer, type Socket } from 'node:net';

/** A request as the handler sees it. */
export interface EndpointRequest {
  readonly method: string;
  readonly path: string;
  readonly body: Buffer;
  /** Closes the connection unanswered (what the request was for has ended). */
  readonly drop: () => void;
}

/** What the handler answers. */
export interface EndpointResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Limits of one request. */
export interface EndpointLimits {
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  /** A connection that sends nothing for this long is closed. */
  readonly idleTimeoutMs: number;
}

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  411: 'Length Required',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/** Answers and closes the connection: one write (header names and values are ASCII). */
function write(socket: Socket, response: EndpointResponse): void {
  let head = `HTTP/1.1 ${response.status} ${REASONS[response.status] ?? 'Error'}\r\n`;
  for (const [name, value] of Object.entries(response.headers)) head += `${name}: ${value}\r\n`;
  head += `content-length: ${Buffer.byteLength(response.body)}\r\nconnection: close\r\n\r\n`;
  socket.end(head + response.body, 'utf8');
}

function plain(status: number, message: string): EndpointResponse {
  return { status, headers: { 'content-type': 'text/plain' }, body: `${message}\n` };
}

/** Reads one request from a connection and answers it. */
function serve(
  socket: Socket,
  handle: (request: EndpointRequest) => Promise<EndpointResponse>,
  limits: EndpointLimits,
): void {
  socket.setNoDelay(true);
  socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());
  socket.on('error', () => undefined);
  let buffered: Buffer = Buffer.alloc(0);
  let head: { method: string; path: string; length: number; start: number } | undefined;
  let done = false;
  const fail = (status: number, message: string): void => {
    done = true;
    socket.removeAllListeners('data');
    write(socket, plain(status, message));
  };
  socket.on('data', (chunk: Buffer) => {
    if (done) return;
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    if (head === undefined) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buffered.length > limits.maxHeaderBytes) fail(431, 'request headers too large');
        return;
      }
      const lines = buffered.subarray(0, end).toString('latin1').split('\r\n');
      const [method = '', path = '', version = ''] = (lines[0] ?? '').split(' ');
      if (!version.startsWith('HTTP/1.')) {
        fail(400, 'not an HTTP/1.x request');
        return;
      }
      let length: number | undefined;
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === 'content-length') length = /^\d+$/.test(value) ? Number(value) : NaN;
        if (name === 'transfer-encoding' && value.toLowerCase() !== 'identity') {
          fail(411, 'send the body with a Content-Length');
          return;
        }
      }
      if (length !== undefined && Number.isNaN(length)) {
        fail(400, 'bad Content-Length');
        return;
      }
      if ((length ?? 0) > limits.maxBodyBytes) {
        fail(413, 'the ctx request is too large');
        return;
      }
      head = { method, path, length: length ?? 0, start: end + 4 };
    }
    if (buffered.length - head.start < head.length) return;
    done = true;
    const request = {
      method: head.method,
      path: head.path,
      body: buffered.subarray(head.start, head.start + head.length),
      drop: () => socket.destroy(),
    };
    void handle(request).then(
      (response) => {
        write(socket, response);
      },
      () => {
        write(socket, plain(400, 'the ctx request failed'));
      },
    );
  });
}

/** A listening endpoint. */
export interface Endpoint {
  readonly port: number;
  /** Lets the process end while the endpoint listens (open connections still hold it). */
  unref(): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Starts an endpoint on 127.0.0.1 (a free port). */
export async function listen(
  handle: (request: EndpointRequest) => Promise<EndpointResponse>,
  limits: EndpointLimits,
): Promise<Endpoint> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, handle, limits);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Once listening, an error is a connection that could not be accepted (too many open files):
  // that client fails, the endpoint goes on (unhandled, the error would end the process).
  server.on('error', () => undefined);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    unref: () => {
      server.unref();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        // Calls still open end now: the endpoint is gone.
        for (const socket of sockets) socket.destroy();
      }),
  };
}
