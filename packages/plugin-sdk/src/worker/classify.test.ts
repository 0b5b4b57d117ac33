import { describe, expect, it } from 'vitest';
import { NonRecoverableError, OperationRetry, RecoverableError } from '../errors.js';
import { classifyError } from './classify.js';

describe('classifyError', () => {
  it('follows the error classes by name', () => {
    expect(classifyError(new NonRecoverableError('no'))).toMatchObject({
      type: 'NonRecoverableError',
      recoverable: false,
      message: 'no',
    });
    expect(classifyError(new RecoverableError('later', { retryAfter: 3 }))).toMatchObject({
      type: 'RecoverableError',
      recoverable: true,
      retry_after: 3,
    });
    expect(classifyError(new OperationRetry('again', { retryAfter: 1 }))).toMatchObject({
      type: 'OperationRetry',
      recoverable: true,
      retry_after: 1,
    });
  });

  it('reads marks, not classes: a look-alike object or a recoverable flag', () => {
    expect(classifyError({ name: 'NonRecoverableError', message: 'plain object' })).toMatchObject({
      type: 'NonRecoverableError',
      message: 'plain object',
    });
    expect(
      classifyError(Object.assign(new Error('http 404'), { recoverable: false })),
    ).toMatchObject({
      type: 'NonRecoverableError',
    });
    expect(classifyError(Object.assign(new Error('busy'), { retryAfter: 9 }))).toMatchObject({
      type: 'RecoverableError',
      retry_after: 9,
    });
  });

  it('treats anything else as recoverable, keeping its stack and causes', () => {
    const error = new TypeError('boom', { cause: new Error('root') });
    const failure = classifyError(error);
    expect(failure).toMatchObject({
      type: 'RecoverableError',
      recoverable: true,
      message: 'boom',
      causes: [{ type: 'Error', message: 'root' }],
    });
    expect(failure.traceback).toMatch(/^TypeError: boom/);
    expect(classifyError(42)).toEqual({
      type: 'RecoverableError',
      recoverable: true,
      message: '42',
    });
    expect(classifyError(null)).toMatchObject({ message: 'null' });
  });

  it('survives hostile thrown values', () => {
    const hostile = {
      get name(): string {
        throw new Error('no name for you');
      },
      toString(): string {
        throw new Error('nor a string');
      },
    };
    expect(classifyError(hostile)).toMatchObject({
      type: 'RecoverableError',
      message: '[object Object]',
    });
    const cyclic: { cause?: unknown } = {};
    cyclic.cause = cyclic;
    expect(classifyError(cyclic).causes).toHaveLength(8);
  });
});
