/**
 * Python scripts written for Cloudify (`from cloudify import ctx`), run by the script runner
 * with python3 and Cairn's `cloudify` package (plugins/script/python) over a real ctx proxy and
 * a stand-in ctx (see testing/fake-context.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Json } from './context.js';
import { run } from './run.js';
import { fakeContext, type FakeContext, type FakeContextOptions } from './testing/fake-context.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-python-test-'));
  mkdirSync(join(dir, 'scripts'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `scripts/op.py` from its lines. */
function script(lines: readonly string[]): string {
  writeFileSync(join(dir, 'scripts', 'op.py'), `${lines.join('\n')}\n`);
  return 'scripts/op.py';
}

async function runPython(
  lines: readonly string[],
  inputs: Record<string, Json> = {},
  options: FakeContextOptions = {},
): Promise<{ fake: FakeContext; result: Json | undefined }> {
  const fake = fakeContext(dir, options);
  const result = await run(fake.ctx, { script_path: script(lines), ...inputs });
  return { fake, result };
}

/** The run's failure, and the ctx it ran with. */
async function failure(
  lines: readonly string[],
  inputs: Record<string, Json> = {},
  options: FakeContextOptions = {},
): Promise<{ error: Error & Record<string, unknown>; fake: FakeContext }> {
  const fake = fakeContext(dir, options);
  try {
    await run(fake.ctx, { script_path: script(lines), ...inputs });
  } catch (error) {
    return { error: error as Error & Record<string, unknown>, fake };
  }
  throw new Error('expected a failure');
}

function stdout(fake: FakeContext): string[] {
  return fake.logs.filter((l) => l.message.startsWith('<out> ')).map((l) => l.message.slice(6));
}

function stderr(fake: FakeContext): string[] {
  return fake.logs.filter((l) => l.message.startsWith('<err> ')).map((l) => l.message.slice(6));
}

/** What the script logged through ctx.logger. */
function logged(fake: FakeContext): FakeContext['logs'] {
  return fake.logs.filter((l) => !l.message.startsWith('<') && !l.message.startsWith('Running'));
}

const CTX = 'from cloudify import ctx';
const ERRORS = 'from cloudify.exceptions import NonRecoverableError, OperationRetry';

describe('ctx.logger', () => {
  it('logs at each level, with %-style arguments and tracebacks as the logging module does', async () => {
    const { fake } = await runPython([
      CTX,
      "ctx.logger.debug('debug %s', 1)",
      "ctx.logger.info('port %d of %s', 80, 'web')",
      "ctx.logger.warning('careful')",
      "ctx.logger.warn('careful again')",
      "ctx.logger.error('%(what)s failed', {'what': 'db'})",
      "ctx.logger.critical('down')",
      "ctx.logger.info('100% sure')",
      'try:',
      "    raise ValueError('boom')",
      'except ValueError:',
      "    ctx.logger.exception('caught')",
    ]);
    const [last, ...rest] = logged(fake).reverse();
    expect(rest.reverse()).toEqual([
      { level: 'debug', message: 'debug 1' },
      { level: 'info', message: 'port 80 of web' },
      { level: 'warning', message: 'careful' },
      { level: 'warning', message: 'careful again' },
      { level: 'error', message: 'db failed' },
      { level: 'error', message: 'down' },
      { level: 'info', message: '100% sure' },
    ]);
    expect(last?.level).toBe('error');
    expect(last?.message).toMatch(
      /^caught\nTraceback \(most recent call last\):\n[^]*ValueError: boom$/,
    );
  });
});

describe('ctx.node', () => {
  it('has the node’s fields, and properties that cannot be changed', async () => {
    const { fake } = await runPython(
      [
        CTX,
        ERRORS,
        'import copy',
        'n = ctx.node',
        'print(n.id, n.name, n.type, n.number_of_instances, n.type_hierarchy[-1])',
        "print(n.properties['port'], n.properties['tags'][0]['name'], n.properties.get('nope'))",
        'try:',
        "    ctx.node.properties['port'] = 1",
        'except NonRecoverableError as e:',
        "    print('refused:', e)",
        'try:',
        "    ctx.node.properties.update({'port': 1})",
        'except NonRecoverableError as e:',
        "    print('refused:', e)",
        'mine = copy.deepcopy(ctx.node.properties)',
        "mine['port'] = 81",
        "print(mine['port'], ctx.node.properties['port'], type(mine).__name__)",
      ],
      {},
      { properties: { port: 80, tags: [{ name: 'blue' }] } },
    );
    expect(stdout(fake)).toEqual([
      'web web cloudify.nodes.WebServer 1 cloudify.nodes.WebServer',
      '80 blue None',
      'refused: Cannot override read only properties',
      'refused: Cannot override read only properties',
      '81 80 dict',
    ]);
  });
});

describe('ctx.instance', () => {
  it('saves runtime properties changed in place (nested, deleted) at update() and at the end', async () => {
    const { fake } = await runPython(
      [
        CTX,
        'rp = ctx.instance.runtime_properties',
        "print(ctx.instance.id, rp['keep'], 'gone' in rp, rp['nested'])",
        "rp['port'] = 8080",
        "rp['nested']['b'] = [1, 2]",
        "del rp['gone']",
        'ctx.instance.update()',
        "ctx.instance.runtime_properties['after'] = {'ok': True}",
        'print(ctx.instance.runtime_properties is rp, sorted(rp))',
      ],
      {},
      { runtimeProperties: { keep: 1, gone: 'x', nested: { a: 1 } } },
    );
    expect(stdout(fake)).toEqual([
      "web_abc123 1 True {'a': 1}",
      "True ['after', 'keep', 'nested', 'port']",
    ]);
    expect(fake.updates).toEqual([{ keep: 1, nested: { a: 1, b: [1, 2] }, port: 8080 }]);
    expect(fake.runtimeProperties).toEqual({
      keep: 1,
      nested: { a: 1, b: [1, 2] },
      port: 8080,
      after: { ok: true },
    });
  });

  it('saves runtime properties when the script fails', async () => {
    const { error, fake } = await failure([
      CTX,
      "ctx.instance.runtime_properties['half'] = 'done'",
      "raise ValueError('boom')",
    ]);
    expect(error.name).toBe('ProcessException');
    expect(fake.runtimeProperties).toEqual({ half: 'done' });
  });

  it('replaces them all by assignment; keeps what a ctx command wrote meanwhile', async () => {
    const { fake } = await runPython(
      [
        CTX,
        'import subprocess',
        "ctx.instance.runtime_properties = {'only': 1}",
        "subprocess.run(['ctx', 'instance', 'runtime-properties', 'from_command', 'yes'], check=True)",
      ],
      {},
      { runtimeProperties: { old: true } },
    );
    expect(fake.runtimeProperties).toEqual({ only: 1, from_command: 'yes' });
  });

  it('refresh() refuses to drop changes unless forced; update(on_conflict) saves its result', async () => {
    const { fake } = await runPython(
      [
        CTX,
        ERRORS,
        "ctx.instance.runtime_properties['a'] = 1",
        'try:',
        '    ctx.instance.refresh()',
        'except NonRecoverableError as e:',
        "    print('refused:', e)",
        'ctx.instance.refresh(force=True)',
        'print(dict(ctx.instance.runtime_properties))',
        'ctx.instance.update(on_conflict=lambda local, latest: dict(latest, merged=True))',
      ],
      {},
      { runtimeProperties: { stored: 1 } },
    );
    expect(stdout(fake)).toEqual([
      'refused: runtime_properties are dirty: refreshing now would destroy local changes',
      "{'stored': 1}",
    ]);
    expect(fake.updates).toEqual([{ stored: 1, merged: true }]);
  });

  it('fails the operation when runtime properties are not JSON data', async () => {
    const { error, fake } = await failure([
      CTX,
      "ctx.instance.runtime_properties['when'] = {1, 2}",
      "print('done')",
    ]);
    expect(error.name).toBe('ProcessException');
    expect(stdout(fake)).toEqual(['done']);
    expect(stderr(fake).join('\n')).toMatch(
      /The runtime properties could not be saved: TypeError: what is sent to ctx must be JSON data .*set is not JSON serializable/,
    );
  });

  it('has host_ip, index and scaling_groups; host_ip raises when there is no host', async () => {
    const withHost = await runPython(
      [CTX, 'print(ctx.instance.host_ip, ctx.instance.index, ctx.instance.scaling_groups)'],
      {},
      { hostIp: '10.0.0.5' },
    );
    expect(stdout(withHost.fake)).toEqual(['10.0.0.5 1 []']);
    const without = await runPython([
      CTX,
      ERRORS,
      'try:',
      '    ctx.instance.host_ip',
      'except NonRecoverableError as e:',
      "    print('error:', e)",
    ]);
    expect(stdout(without.fake)).toEqual(['error: node instance web_abc123 has no host ip']);
  });

  it('lists relationships, whose target runtime properties are read-only', async () => {
    const { fake } = await runPython(
      [
        CTX,
        ERRORS,
        'for rel in ctx.instance.relationships:',
        '    t = rel.target',
        '    print(rel.type, rel.type_hierarchy[0], t.node.id, t.node.type, t.node.properties)',
        "    print(t.instance.id, t.instance.runtime_properties['url'], t.instance.host_ip)",
        '    try:',
        "        t.instance.runtime_properties['x'] = 1",
        '    except NonRecoverableError as e:',
        "        print('refused:', e)",
        '    t.instance.refresh()',
        "    print(t.instance.runtime_properties['url'], t.node.properties['engine'])",
      ],
      {},
      {
        relationships: [
          {
            type: 'cloudify.relationships.connected_to',
            type_hierarchy: [
              'cloudify.relationships.depends_on',
              'cloudify.relationships.connected_to',
            ],
            target: {
              node: {
                id: 'db',
                name: 'db',
                type: 'cloudify.nodes.DBMS',
                type_hierarchy: ['cloudify.nodes.Root', 'cloudify.nodes.DBMS'],
                properties: { engine: 'postgres' },
                number_of_instances: 1,
              },
              instance: {
                id: 'db_1',
                runtime_properties: { url: 'pg://db' },
                host_id: 'vm_2',
                host_ip: '10.0.0.9',
                index: 0,
                scaling_groups: [],
              },
            },
          },
        ],
      },
    );
    expect(stdout(fake)).toEqual([
      "cloudify.relationships.connected_to cloudify.relationships.depends_on db cloudify.nodes.DBMS {'engine': 'postgres'}",
      'db_1 pg://db 10.0.0.9',
      'refused: Cannot modify runtime properties of relationship node instances',
      'pg://db postgres',
    ]);
  });
});

describe('relationship operations', () => {
  it('reach ctx.source and ctx.target, both writable; ctx.node and ctx.instance raise', async () => {
    const { fake } = await runPython(
      [
        CTX,
        ERRORS,
        'print(ctx.type, ctx.operation.relationship, ctx.operation.name)',
        'print(ctx.source.node.id, ctx.source.instance.id, ctx.target.node.id, ctx.target.instance.id)',
        "ctx.source.instance.runtime_properties['db_url'] = ctx.target.instance.runtime_properties['url']",
        "ctx.target.instance.runtime_properties['clients'] = 1",
        'for name in ("node", "instance"):',
        '    try:',
        '        getattr(ctx, name)',
        '    except NonRecoverableError as e:',
        "        print('error:', e)",
      ],
      {},
      { relationship: 'source', targetRuntimeProperties: { url: 'pg://db' } },
    );
    expect(stdout(fake)).toEqual([
      'relationship-instance source cloudify.interfaces.relationship_lifecycle.preconfigure',
      'web web_abc123 db db_xyz789',
      'error: ctx.node is not available in a relationship-instance operation',
      'error: ctx.instance is not available in a relationship-instance operation',
    ]);
    expect(fake.runtimeProperties).toEqual({ db_url: 'pg://db' });
    expect(fake.targetRuntimeProperties).toEqual({ url: 'pg://db', clients: 1 });
  });

  it('ctx.source raises in a node operation', async () => {
    const { fake } = await runPython([
      CTX,
      ERRORS,
      'try:',
      '    ctx.source',
      'except NonRecoverableError as e:',
      "    print('error:', e)",
    ]);
    expect(stdout(fake)).toEqual([
      'error: ctx.source is not available in a node-instance operation',
    ]);
  });
});

describe('inputs and the operation context', () => {
  it('gives the inputs as ctx_parameters with their JSON types', async () => {
    const { fake } = await runPython(
      [
        CTX,
        'from cloudify.state import ctx_parameters as inputs, current_ctx',
        "print(type(inputs['port']).__name__, inputs['port'] + 1, inputs['ratio'] * 2)",
        "print(type(inputs['tags']).__name__, inputs['tags']['a'][0], inputs['hosts'])",
        "print(inputs['flag'] is True, inputs['nothing'] is None, inputs['name'])",
        'print(current_ctx.get_ctx() is ctx, current_ctx.get_parameters() is inputs)',
        'print(sorted(inputs))',
      ],
      {
        port: 8080,
        ratio: 1.5,
        tags: { a: [1] },
        hosts: ['a', 'b'],
        flag: true,
        nothing: null,
        name: 'web',
      },
    );
    expect(stdout(fake)).toEqual([
      'int 8081 3.0',
      "dict 1 ['a', 'b']",
      'True True web',
      'True True',
      "['flag', 'hosts', 'name', 'nothing', 'port', 'ratio', 'script_path', 'tags']",
    ]);
  });

  it('has the deployment, blueprint, execution, operation and plugin', async () => {
    const { fake } = await runPython([
      CTX,
      'import os',
      'print(ctx.deployment.id, ctx.blueprint.id, ctx.execution_id, ctx.workflow_id)',
      'print(ctx.tenant_name, ctx.tenant, ctx.task_id, ctx.type, ctx.timeout)',
      'op = ctx.operation',
      'print(op.name, op.retry_number, op.max_retries, op.relationship)',
      "print(ctx.plugin, ctx.plugin == 'script', '%s!' % ctx.plugin, ctx.plugin.upper())",
      'p = ctx.plugin',
      'print(p.name, p.package_name, p.package_version, p.source, p.properties)',
      "print(os.path.isdir(p.workdir), p.workdir.endswith('.workdir'))",
    ]);
    expect(stdout(fake)).toEqual([
      'dep bp exec-1 install',
      "default_tenant {'name': 'default_tenant'} task-1 node-instance None",
      'cloudify.interfaces.lifecycle.create 0 3 None',
      'script True script! SCRIPT',
      'script None None None {}',
      'True True',
    ]);
  });
});

describe('resources', () => {
  it('gets, downloads and renders resources with Cloudify’s parameter names', async () => {
    writeFileSync(join(dir, 'scripts', 'conf.tpl'), 'port={{ port }}\n');
    writeFileSync(join(dir, 'scripts', 'data.txt'), 'payload\n');
    const target = join(dir, 'out', 'data.txt');
    const rendered = join(dir, 'out', 'conf');
    const { fake } = await runPython([
      CTX,
      ERRORS,
      'def text(path):',
      '    with open(path) as f:',
      '        return f.read().strip()',
      "print(repr(ctx.get_resource('scripts/data.txt')))",
      "print(repr(ctx.get_resource_and_render('scripts/conf.tpl', {'port': 9})))",
      `p = ctx.download_resource('scripts/data.txt', target_path=${JSON.stringify(target)})`,
      `print(p == ${JSON.stringify(target)}, text(p))`,
      "print(text(ctx.download_resource(resource_path='scripts/data.txt')))",
      "r = ctx.download_resource_and_render('scripts/conf.tpl', template_variables={'port': 7})",
      'print(text(r))',
      `r = ctx.download_resource_and_render('scripts/conf.tpl', ${JSON.stringify(rendered)}, {'port': 6})`,
      `print(r == ${JSON.stringify(rendered)}, text(r))`,
      'try:',
      "    ctx.get_resource_and_render('scripts/conf.tpl', {'ctx': 1})",
      'except NonRecoverableError as e:',
      "    print('error:', e)",
      'try:',
      '    ctx.download_resource(42)',
      'except TypeError as e:',
      "    print('error:', e)",
    ]);
    expect(stdout(fake)).toEqual([
      "'payload\\n'",
      "'port=9\\n'",
      'True payload',
      'payload',
      'port=7',
      'True port=6',
      'error: Key not allowed - a key named ctx is in template_variables',
      'error: resource_path must be a string',
    ]);
    expect(readFileSync(target, 'utf8')).toBe('payload\n');
  });
});

describe('the operation’s outcome', () => {
  it('ctx.returns sets the result, once', async () => {
    const { fake, result } = await runPython([
      CTX,
      ERRORS,
      "ctx.returns({'url': 'http://x', 'n': [1, 2.5, None]})",
      'try:',
      '    ctx.returns(2)',
      'except NonRecoverableError as e:',
      "    print('error:', e)",
    ]);
    expect(result).toEqual({ url: 'http://x', n: [1, 2.5, null] });
    expect(stdout(fake)).toEqual(['error: ctx may only abort or return once']);
  });

  it('an exception after ctx.returns still decides the outcome', async () => {
    const { error } = await failure([
      CTX,
      ERRORS,
      'ctx.returns(1)',
      "raise NonRecoverableError('broke after returning')",
    ]);
    expect(error.name).toBe('NonRecoverableError');
    expect(error.message).toBe('broke after returning');
  });

  it('abort_operation fails the operation for good; the script goes on, as in Cloudify', async () => {
    const { error, fake } = await failure([
      CTX,
      ERRORS,
      "ctx.abort_operation('the disk is full')",
      "print('still running')",
      "raise NonRecoverableError('and then this')",
    ]);
    expect(error.name).toBe('NonRecoverableError');
    expect(error.message).toBe('the disk is full');
    expect(stdout(fake)).toEqual(['still running']);
    expect(stderr(fake).at(-1)).toBe('cloudify.exceptions.NonRecoverableError: and then this');
  });

  it('an uncaught NonRecoverableError fails the operation for good, traceback on stderr', async () => {
    const { error, fake } = await failure([
      ERRORS,
      'def configure():',
      "    raise NonRecoverableError('bad config')",
      'configure()',
    ]);
    expect(error.name).toBe('NonRecoverableError');
    expect(error.message).toBe('bad config');
    expect(stderr(fake)[0]).toBe('Traceback (most recent call last):');
    expect(stderr(fake).at(-1)).toBe('cloudify.exceptions.NonRecoverableError: bad config');
  });

  it('retry_operation and ctx.operation.retry reschedule the operation', async () => {
    const retried = await runPython([CTX, "ctx.retry_operation('not ready', 15)", 'exit(3)']);
    expect(retried.fake.retry).toEqual({ message: 'not ready', retryAfter: 15 });
    expect(retried.result).toBeUndefined();
    const viaOperation = await runPython([
      CTX,
      "ctx.operation.retry(message='later', retry_after=5)",
    ]);
    expect(viaOperation.fake.retry).toEqual({ message: 'later', retryAfter: 5 });
  });

  it('an uncaught OperationRetry reschedules the operation with its retry_after', async () => {
    const { fake, result } = await runPython([
      ERRORS,
      "raise OperationRetry('waiting', retry_after=7)",
    ]);
    expect(result).toBeUndefined();
    expect(fake.retry).toEqual({ message: 'waiting [retry_after=7]', retryAfter: 7 });
  });

  it('any other uncaught exception is a recoverable failure with the traceback', async () => {
    const { error } = await failure(['def f():', "    raise ValueError('boom')", 'f()']);
    expect(error.name).toBe('ProcessException');
    expect(error.recoverable).toBe(true);
    expect(error.message).toMatch(/exit_code: 1\)/);
    expect(error.message).toMatch(
      /<err> Traceback \(most recent call last\):\n[^]*<err> ValueError: boom$/,
    );
    const recoverable = await failure([
      'from cloudify.exceptions import RecoverableError',
      "raise RecoverableError('flaky', retry_after=3)",
    ]);
    expect(recoverable.error.name).toBe('ProcessException');
    expect(recoverable.error.message).toContain('RecoverableError: flaky [retry_after=3]');
    expect(recoverable.fake.retry).toBeUndefined();
  });
});

describe('the rest of the package', () => {
  it('has Cloudify’s decorators, exceptions and manager module', async () => {
    const { fake } = await runPython([
      'from cloudify.decorators import operation, task, workflow',
      'from cloudify import exceptions, manager',
      '@operation',
      'def create(**kwargs):',
      "    return 'created'",
      '@operation(resumable=True)',
      'def start(**kwargs):',
      "    return 'started'",
      '@task',
      'def other():',
      "    return 'other'",
      '@workflow',
      'def flow():',
      "    return 'flow'",
      'print(create(), start(), start.resumable, other(), flow())',
      "print(exceptions.RecoverableError('x', retry_after=3), exceptions.HttpException('http://h', 404, 'gone'))",
      "e = exceptions.NonRecoverableError('y', causes=[{'message': 'z'}])",
      'print(e, e.causes, issubclass(exceptions.OperationRetry, exceptions.RecoverableError))',
      "print(exceptions.CommandExecutionException('ls', 'err', 'out', 2).code, exceptions.TimeoutException('t'))",
      "print(exceptions.ProcessException('cmd', 3).exit_code)",
      'try:',
      '    manager.get_rest_client()',
      'except exceptions.NonRecoverableError as err:',
      "    print('error:', err)",
    ]);
    expect(stdout(fake)).toEqual([
      'created started True other flow',
      'x [retry_after=3] 404 (http://h) : gone',
      "y [{'message': 'z'}] True",
      '2 t',
      '3',
      "error: cloudify.manager.get_rest_client() is not available in Cairn's local mode: use ctx (ctx.instance, ctx.node, ctx.get_resource …) instead",
    ]);
  });

  it('logs output line by line, in the order it was written, even when Python buffers', async () => {
    const { fake } = await runPython(
      [CTX, 'import sys', "print('one')", "sys.stderr.write('two\\n')", "print('three')"],
      { process: { stderr_to_stdout: true, env: { PYTHONUNBUFFERED: '' } } },
    );
    expect(stdout(fake)).toEqual(['one', 'two', 'three']);
  });

  it('has its ctx even with ctx_proxy_type none, as Cloudify’s in-process scripts do', async () => {
    const { fake } = await runPython([CTX, 'print(ctx.instance.id)'], {
      process: { ctx_proxy_type: 'none' },
    });
    expect(stdout(fake)).toEqual(['web_abc123']);
  });

  it('says clearly that there is no ctx when run as a plain executable with no proxy', async () => {
    const { fake } = await runPython(
      [
        '#!/usr/bin/env python3',
        CTX,
        'try:',
        '    ctx.instance.id',
        'except RuntimeError as e:',
        "    print('instance:', e)",
        'try:',
        "    ctx.logger.info('x')",
        'except RuntimeError as e:',
        "    print('logger:', e)",
        'try:',
        '    from cloudify.state import ctx_parameters',
        'except RuntimeError as e:',
        "    print('inputs:', e)",
      ],
      { process: { ctx_proxy_type: 'none', eval_python: false } },
    );
    const message =
      "ctx cannot be used: this script has no ctx proxy (CTX_SOCKET_URL is empty: the operation's process option ctx_proxy_type is 'none')";
    expect(stdout(fake)).toEqual([
      `instance: ${message}`,
      `logger: ${message}`,
      `inputs: ${message}`,
    ]);
  });
});
