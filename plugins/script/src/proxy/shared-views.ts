/**
 * What the operation view (`ctx-view.ts`) and the workflow view (`workflow-view.ts`) both show a
 * script: the logger, and how an argument reads as text.
 */
import { format } from 'node:util';
import type { CtxLogger, Json } from '../context.js';
import { PyCallable, PyObject } from './python-object.js';

/** An argument as text: strings as they are, other values as JSON, absent ones as `fallback`. */
export function text(value: Json | undefined, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `ctx.logger` with Python logging's method names and %-style arguments. */
export function loggerView(logger: CtxLogger, className: string): PyObject {
  const method = (name: string, write: (message: string) => void): PyCallable =>
    new PyCallable(name, ['msg', '*args'], 1, (...args: Json[]) => {
      const [message, ...rest] = args.filter((a) => a !== undefined);
      write(rest.length > 0 ? format(text(message, 'None'), ...rest) : text(message, 'None'));
      return null;
    });
  return new PyObject(className, {
    debug: method('debug', (m) => {
      logger.debug(m);
    }),
    info: method('info', (m) => {
      logger.info(m);
    }),
    warning: method('warning', (m) => {
      logger.warning(m);
    }),
    warn: method('warn', (m) => {
      logger.warning(m);
    }),
    error: method('error', (m) => {
      logger.error(m);
    }),
    critical: method('critical', (m) => {
      logger.error(m);
    }),
  });
}
