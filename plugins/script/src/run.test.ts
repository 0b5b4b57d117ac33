/**
 * The script runner with real scripts, a real ctx proxy and the real `ctx` command, over a
 * stand-in ctx (see testing/fake-context.ts).
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Json } from './context.js';
import { run } from './run.js';
import { fakeContext, type FakeContext } from './testing/fake-context.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-script-test-'));
  mkdirSync(join(dir, 'scripts'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `scripts/<name>` (a bash script unless the text has its own first line). */
function script(name: string, body: string): string {
  const text = body.startsWith('#!') ? body : `#!/bin/bash\n${body}\n`;
  writeFileSync(join(dir, 'scripts', name), text);
  return `scripts/${name}`;
}

function stdout(fake: FakeContext): string[] {
  return fake.logs.filter((l) => l.message.startsWith('<out> ')).map((l) => l.message.slice(6));
}

function stderr(fake: FakeContext): string[] {
  return fake.logs.filter((l) => l.message.startsWith('<err> ')).map((l) => l.message.slice(6));
}

async function runScript(
  body: string,
  inputs: Record<string, Json> = {},
  options: Parameters<typeof fakeContext>[1] = {},
): Promise<{ fake: FakeContext; result: Json | undefined }> {
  const fake = fakeContext(dir, options);
  const result = await run(fake.ctx, { script_path: script('op.sh', body), ...inputs });
  return { fake, result };
}

async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a failure');
}

describe('the ctx command', () => {
  it('reads and writes runtime properties, nested paths and JSON arguments', async () => {
    const { fake } = await runScript(
      [
        'ctx instance runtime-properties port 8080',
        `ctx instance runtime-properties db.hosts '@["a", "b"]'`,
        `ctx instance runtime-properties db.options '@{"tls": true, "n": 2}'`,
        'echo "port=$(ctx instance runtime-properties port)"',
        'echo "host=$(ctx instance runtime-properties db.hosts[1])"',
        'echo "opts=$(ctx instance runtime-properties db.options)"',
        'echo "json=$(ctx -j instance runtime-properties db.options)"',
        'echo "tls=$(ctx instance runtime-properties db.options.tls)"',
      ].join('\n'),
    );
    expect(fake.runtimeProperties).toEqual({
      port: '8080',
      db: { hosts: ['a', 'b'], options: { tls: true, n: 2 } },
    });
    expect(stdout(fake)).toEqual([
      'port=8080',
      'host=b',
      "opts={'tls': True, 'n': 2}",
      'json={"tls": true, "n": 2}',
      'tls=True',
    ]);
  });

  it('reads node properties and the operation context, Cloudify names with - for _', async () => {
    const { fake } = await runScript(
      [
        'echo "$(ctx node properties port) $(ctx node properties tags[0].name) $(ctx node id)"',
        'echo "$(ctx instance id) $(ctx deployment id) $(ctx blueprint id) $(ctx execution-id)"',
        'echo "$(ctx operation name) $(ctx operation retry-number) $(ctx operation max_retries)"',
        'echo "$(ctx plugin) $(ctx plugin name) $(ctx type) $(ctx instance host-ip)"',
        'echo "[$(ctx node properties missing_default)]"',
      ].join('\n'),
      {},
      {
        properties: { port: 80, tags: [{ name: 'blue' }], missing_default: null },
        hostIp: '10.0.0.5',
      },
    );
    expect(stdout(fake)).toEqual([
      '80 blue web',
      'web_abc123 dep bp exec-1',
      'cloudify.interfaces.lifecycle.create 0 3',
      'script script node-instance 10.0.0.5',
      '[]',
    ]);
  });

  it('logs through ctx logger at each level', async () => {
    const { fake } = await runScript(
      'ctx logger info "hello"\nctx logger warning "careful"\nctx logger error "bad"\nctx logger debug "dbg"',
    );
    expect(
      fake.logs.filter((l) => !l.message.startsWith('<') && !l.message.startsWith('Running')),
    ).toEqual([
      { level: 'info', message: 'hello' },
      { level: 'warning', message: 'careful' },
      { level: 'error', message: 'bad' },
      { level: 'debug', message: 'dbg' },
    ]);
  });

  it('downloads and renders resources, with a trailing dict as keyword arguments', async () => {
    writeFileSync(join(dir, 'scripts', 'conf.tpl'), 'port={{ port }}\n');
    writeFileSync(join(dir, 'scripts', 'data.txt'), 'payload\n');
    const target = join(dir, 'out.txt');
    const { fake } = await runScript(
      [
        `p=$(ctx download-resource scripts/data.txt '@{"target_path": "${target}"}')`,
        'echo "path=$p content=$(cat "$p")"',
        `r=$(ctx download-resource-and-render scripts/conf.tpl '@{"template_variables": {"port": 9}}')`,
        'echo "rendered=$(cat "$r")"',
        'echo "get=$(ctx get-resource scripts/data.txt)"',
      ].join('\n'),
    );
    expect(stdout(fake)).toEqual([
      `path=${target} content=payload`,
      'rendered=port=9',
      'get=payload',
    ]);
  });

  it('prints nothing for None and no newline after a result', async () => {
    const { fake } = await runScript(
      'ctx instance runtime-properties k v\nx=$(ctx instance runtime-properties k; echo END)\necho "$x"\necho "[$(ctx instance update)]"',
    );
    expect(stdout(fake)).toEqual(['vEND', '[]']);
    expect(fake.updates).toEqual([{ k: 'v' }]);
  });

  it('fails a bad call with a clear error and exit 1, and the script goes on', async () => {
    const { fake } = await runScript(
      [
        'ctx instance runtime-properties nope; echo "missing=$?"',
        'ctx instance runtime-properties a b c; echo "too_many=$?"',
        'ctx node properties port 1; echo "read_only=$?"',
        'ctx no-such-thing; echo "unknown=$?"',
        `ctx download-resource '@{"target": 1}'; echo "kwargs=$?"`,
        'ctx instance runtime-properties x @{bad; echo "json=$?"',
      ].join('\n'),
      {},
      { properties: { port: 80 } },
    );
    expect(stdout(fake)).toEqual([
      'missing=1',
      'too_many=1',
      'read_only=1',
      'unknown=1',
      'kwargs=1',
      'json=1',
    ]);
    expect(stderr(fake)).toEqual([
      'ctx: RuntimeError: illegal path: nope',
      'ctx: RuntimeError: Illegal argument while accessing dict',
      'ctx: NonRecoverableError: Cannot override read only properties',
      'ctx: RuntimeError: no-such-thing cannot be processed in ["no-such-thing"]',
      "ctx: TypeError: download_resource() got an unexpected keyword argument 'target'",
      "ctx: ValueError: the argument @{bad is not valid JSON after '@'",
    ]);
  });

  it('takes the client options of Cloudify’s ctx command', async () => {
    const { fake } = await runScript(
      [
        'ctx instance runtime-properties n 1',
        `ctx --json-arg-prefix % instance runtime-properties m '%[1, 2]'`,
        'echo "m=$(ctx -t 5 instance runtime-properties m)"',
        'echo "url=$(ctx --socket-url "$CTX_SOCKET_URL" instance runtime-properties n)"',
        'echo "neg=$(ctx instance runtime-properties -1 2>&1; echo $?)"',
        'ctx --bogus 2>/dev/null; echo "bogus=$?"',
        'ctx -t 2>/dev/null; echo "missing_value=$?"',
        'CTX_SOCKET_URL= ctx instance id 2>/dev/null; echo "no_socket=$?"',
      ].join('\n'),
    );
    expect(stdout(fake)).toEqual(
      [
        'm=[1, 2]',
        'url=1',
        'neg=ctx: RuntimeError: illegal path: -1\n1',
        'bogus=2',
        'missing_value=2',
        'no_socket=1',
      ].flatMap((l) => l.split('\n')),
    );
  });

  it('passes control characters and non-ASCII text through intact', async () => {
    const { fake } = await runScript(
      `ctx instance runtime-properties text "$(printf 'tab\\there\\nline "q" \\\\ é')"`,
    );
    expect(fake.runtimeProperties.text).toBe('tab\there\nline "q" \\ é');
  });

  it('reads a large answer whole', async () => {
    const { fake } = await runScript(
      [
        'v=$(head -c 100000 /dev/zero | tr "\\0" x)',
        'ctx instance runtime-properties big "$v"',
        '[[ $(ctx instance runtime-properties big) == "$v" ]] && echo same',
      ].join('\n'),
    );
    expect(stdout(fake)).toEqual(['same']);
    expect(fake.runtimeProperties.big).toBe('x'.repeat(100_000));
  });

  it('fails a call to a URL that is not its run’s, or to a run that has ended', async () => {
    const late = join(dir, 'late');
    const { fake } = await runScript(
      [
        'CTX_SOCKET_URL=${CTX_SOCKET_URL%/*}/0123 ctx instance id; echo "wrong=$?"',
        `(sleep 0.5; ctx instance id 2> ${late}.tmp; echo "rc=$?" >> ${late}.tmp; mv ${late}.tmp ${late}) &`,
      ].join('\n'),
    );
    expect(stdout(fake)).toEqual(['wrong=1']);
    expect(stderr(fake)).toEqual([
      'ctx: RuntimeError: no running operation has this ctx proxy URL (its operation has ended, or the URL is wrong)',
    ]);
    const started = Date.now();
    while (!existsSync(late) && Date.now() - started < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(readFileSync(late, 'utf8')).toBe(
      'ctx: RuntimeError: no running operation has this ctx proxy URL (its operation has ended, or the URL is wrong)\nrc=1\n',
    );
  });
});

describe('returns, abort_operation and retry_operation', () => {
  it('returns a value once; a second return is refused', async () => {
    const { fake, result } = await runScript(
      `ctx returns '@[1, "two"]'\nctx returns again; echo "second=$?"`,
    );
    expect(result).toEqual([1, 'two']);
    expect(stdout(fake)).toEqual(['second=1']);
    expect(stderr(fake)).toEqual(['ctx: NonRecoverableError: ctx may only abort or return once']);
  });

  it('abort_operation fails the operation for good, whatever the exit code', async () => {
    const error = await failure(
      runScript('ctx abort_operation "the disk is full"; echo "rc=$?"; exit 0'),
    );
    expect(error.name).toBe('NonRecoverableError');
    expect(error.message).toBe('the disk is full');
  });

  it('retry_operation reschedules the operation; the exit code is ignored', async () => {
    const { fake, result } = await runScript(
      `ctx retry_operation "not ready yet" @15 || echo "stopped=$?" >&2; exit 3`,
    );
    expect(result).toBeUndefined();
    expect(fake.retry).toEqual({ message: 'not ready yet', retryAfter: 15 });
    expect(stderr(fake)).toEqual(['not ready yet', 'stopped=1']);
  });

  it('refuses abort after return', async () => {
    const { fake } = await runScript('ctx returns 1\nctx abort_operation "late"; echo "rc=$?"');
    expect(stdout(fake)).toEqual(['rc=1']);
  });
});

describe('inputs as environment variables', () => {
  it('exports inputs as Cloudify does: JSON for dicts, lists and booleans, str() else', async () => {
    const { fake } = await runScript(
      'for v in port ratio flag name tags hosts nothing; do echo "$v=${!v}"; done\necho "sp=${script_path-unset}"',
      {
        port: 8080,
        ratio: 1.5,
        flag: true,
        name: 'web',
        tags: { team: 'blue', zone: 'é' },
        hosts: ['a', 1],
        nothing: null,
      },
    );
    expect(stdout(fake)).toEqual([
      'port=8080',
      'ratio=1.5',
      'flag=true',
      'name=web',
      'tags={"team": "blue", "zone": "\\u00e9"}',
      'hosts=["a", 1]',
      'nothing=None',
      'sp=unset',
    ]);
  });
});

describe('process options', () => {
  it('runs in cwd, with env over the inputs, args appended and a command prefix', async () => {
    mkdirSync(join(dir, 'work'));
    const { fake } = await runScript('echo "$(pwd) $A $B $# $1 $2 $0"', {
      A: 'from-input',
      B: 'kept',
      process: {
        cwd: join(dir, 'work'),
        env: { A: 'from-env', N: 3 },
        args: ['one', 'two words'],
        command_prefix: '/bin/bash',
      },
    });
    const [line = ''] = stdout(fake);
    // args are joined into the shell command unquoted, as Cloudify does.
    expect(line).toMatch(new RegExp(`^${join(dir, 'work')} from-env kept 3 one two /.*op\\.sh$`));
  });

  it('can leave output out of the log, or merge stderr into stdout in order', async () => {
    const quiet = await runScript('echo out; echo err >&2', {
      process: { log_stdout: false, log_stderr: false },
    });
    expect(stdout(quiet.fake)).toEqual([]);
    expect(stderr(quiet.fake)).toEqual([]);
    const merged = await runScript('echo one; echo two >&2; echo three', {
      process: { stderr_to_stdout: true },
    });
    expect(stdout(merged.fake)).toEqual(['one', 'two', 'three']);
  });

  it('runs with no proxy when ctx_proxy_type is none', async () => {
    const { fake } = await runScript(
      'echo "url=[$CTX_SOCKET_URL]"; ctx instance id; echo "rc=$?"',
      {
        process: { ctx_proxy_type: 'none' },
      },
    );
    expect(stdout(fake)).toEqual(['url=[]', 'rc=1']);
    expect(stderr(fake)[0]).toMatch(/CTX_SOCKET_URL is not set/);
  });

  it('names a wrong option type; warns about unknown ones', async () => {
    const wrong = await failure(runScript('true', { process: { args: 'not-a-list' } }));
    expect(wrong.name).toBe('NonRecoverableError');
    expect(wrong.message).toMatch(/process option 'args' must be a list/);
    const { fake } = await runScript('true', { process: { shell: true } });
    expect(fake.logs).toContainEqual({
      level: 'warning',
      message: 'Ignoring unknown process options: shell',
    });
  });
});

describe('exit codes and failures', () => {
  it('a non-zero exit is a recoverable failure with the exit code and the output tail', async () => {
    const error = await failure(runScript('echo working; echo "no space" >&2; exit 3'));
    expect(error.name).toBe('ProcessException');
    expect(error.recoverable).toBe(true);
    expect(error.message).toMatch(
      /Script scripts\/op\.sh failed \(command: .*op\.sh', exit_code: 3\)/,
    );
    expect(error.message).toContain('<out> working\n<err> no space');
  });

  it('keeps runtime properties written before the failure', async () => {
    const fake = fakeContext(dir);
    await failure(
      run(fake.ctx, {
        script_path: script('f.sh', 'ctx instance runtime-properties half done\nexit 1'),
      }),
    );
    expect(fake.runtimeProperties).toEqual({ half: 'done' });
  });

  it('a missing script fails for good, naming it', async () => {
    const fake = fakeContext(dir);
    const error = await failure(run(fake.ctx, { script_path: 'scripts/nope.sh' }));
    expect(error.name).toBe('NonRecoverableError');
    expect(error.message).toMatch(/The script 'scripts\/nope\.sh' is not in the blueprint/);
  });

  it('needs exactly one of script_path and script_source', async () => {
    const fake = fakeContext(dir);
    expect((await failure(run(fake.ctx, {}))).message).toMatch(/neither script_path nor/);
    expect(
      (await failure(run(fake.ctx, { script_path: 'a.sh', script_source: 'true' }))).message,
    ).toMatch(/both script_path and script_source/);
  });

  it('a script whose interpreter is missing fails with the shell’s message', async () => {
    const error = await failure(runScript('#!/no/such/interpreter\necho hi\n'));
    expect(error.name).toBe('ProcessException');
    expect(error.message).toMatch(/exit_code: 12[67]\): its interpreter \/no\/such\/interpreter/);
  });

  it('stops the script and what it started when the operation is cancelled', async () => {
    const fake = fakeContext(dir);
    const pidFile = join(dir, 'pid');
    const running = run(fake.ctx, {
      script_path: script('slow.sh', `sleep 30 &\necho $! > ${pidFile}\nwait`),
    });
    const started = Date.now();
    const pid = await readPid(pidFile);
    fake.controller.abort();
    const error = await failure(running);
    expect(error.message).toMatch(/killed by SIGTERM/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(alive(pid)).toBe(false);
  });

  it('does not wait for a background process that keeps the output open', async () => {
    const pidFile = join(dir, 'bg');
    const started = Date.now();
    const { fake } = await runScript(`sleep 30 &\necho $! > ${pidFile}\necho started`);
    const pid = await readPid(pidFile);
    try {
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(stdout(fake)).toEqual(['started']);
      expect(alive(pid)).toBe(true);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });
});

async function readPid(file: string): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 5000) {
    try {
      const text = readFileSync(file, 'utf8').trim();
      if (text !== '') return Number(text);
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no pid in ${file}`);
}

/** Whether a process runs (a zombie, killed but not yet reaped by its new parent, does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('where the script comes from', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => {
      if (server === undefined) resolve();
      else
        server.close(() => {
          resolve();
        });
    });
    server = undefined;
  });

  async function serve(routes: Record<string, string>): Promise<string> {
    server = createServer((req, res) => {
      const body = routes[req.url ?? ''];
      res.writeHead(body === undefined ? 404 : 200);
      res.end(body ?? 'not found');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  }

  it('downloads an http:// script; anything but 200 fails for good', async () => {
    const base = await serve({ '/s.sh': '#!/bin/bash\necho "from http $(ctx instance id)"\n' });
    const fake = fakeContext(dir);
    await run(fake.ctx, { script_path: `${base}/s.sh` });
    expect(stdout(fake)).toEqual(['from http web_abc123']);
    const error = await failure(run(fakeContext(dir).ctx, { script_path: `${base}/missing.sh` }));
    expect(error.name).toBe('NonRecoverableError');
    expect(error.message).toMatch(/the server answered 404/);
  });

  it('copies a file:// script', async () => {
    const file = join(dir, 'elsewhere.sh');
    writeFileSync(file, '#!/bin/bash\necho file-url\n');
    chmodSync(file, 0o644);
    const fake = fakeContext(dir);
    await run(fake.ctx, { script_path: pathToFileURL(file).href });
    expect(stdout(fake)).toEqual(['file-url']);
  });

  it('runs inline script_source as shell, or as Python when it is Python', async () => {
    const shell = fakeContext(dir);
    await run(shell.ctx, { script_source: 'echo "inline $0"' });
    expect(stdout(shell)[0]).toMatch(/^inline .*script\.sh$/);
    const python = fakeContext(dir);
    await run(python.ctx, {
      script_source: 'import sys\nprint("py", sys.argv[0].endswith("script.py"))',
    });
    expect(stdout(python)).toEqual(['py True']);
  });
});

describe('the run’s folder', () => {
  it('is removed after the run, with whatever the script left in it', async () => {
    const { fake } = await runScript('echo "$0"');
    const [plain = ''] = stdout(fake);
    expect(plain).toMatch(/cairn-script-.*\/op\.sh$/);
    expect(existsSync(join(plain, '..'))).toBe(false);
    const left = await runScript(
      'echo "$0"; echo x > "$(dirname "$0")/left"; mkdir "$(dirname "$0")/d"',
    );
    const [withFiles = ''] = stdout(left.fake);
    expect(existsSync(join(withFiles, '..'))).toBe(false);
    const gone = await runScript('echo "$0"; rm "$0"');
    const [removedItself = ''] = stdout(gone.fake);
    expect(existsSync(join(removedItself, '..'))).toBe(false);
  });

  it('is removed when the script cannot be had', async () => {
    // A temporary folder of its own: other tests make run folders meanwhile.
    const temporary = join(dir, 'tmp');
    mkdirSync(temporary);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = temporary;
    try {
      await failure(run(fakeContext(dir).ctx, { script_path: 'scripts/nope.sh' }));
      await failure(run(fakeContext(dir).ctx, { script_path: 'file:///no/such/script.sh' }));
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(readdirSync(temporary)).toEqual([]);
  });
});

describe('parallel runs', () => {
  it('keeps each run’s ctx to itself', async () => {
    const fakes = Array.from({ length: 8 }, () => fakeContext(dir));
    const body =
      'for i in $(seq 1 10); do n=$(ctx instance runtime-properties n); ctx instance runtime-properties n @$((n + 1)); done';
    writeFileSync(
      join(dir, 'scripts', 'count.sh'),
      `#!/bin/bash\nctx instance runtime-properties n @0\n${body}\n`,
    );
    await Promise.all(fakes.map((f) => run(f.ctx, { script_path: 'scripts/count.sh' })));
    expect(fakes.map((f) => f.runtimeProperties.n)).toEqual(Array(8).fill(10));
  });
});
