/**
 * Starting scripts, through the Perl launcher and directly from Node: the same events either
 * way (pid, output, exit code or signal, end of output).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startScript, type ProcessLaunch } from './launcher.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-launcher-test-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  delete process.env.CAIRN_SCRIPT_LAUNCHER;
});

function script(name: string, body: string, mode = 0o755): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  chmodSync(file, mode);
  return file;
}

interface Ran {
  pid: number | undefined;
  stdout: string;
  stderr: string;
  code: number | null | undefined;
  signal: NodeJS.Signals | null | undefined;
}

function run(launch: ProcessLaunch, env: NodeJS.ProcessEnv = {}, onPid?: (pid: number) => void) {
  return new Promise<Ran>((resolve) => {
    const ran: Ran = { pid: undefined, stdout: '', stderr: '', code: undefined, signal: undefined };
    startScript(
      launch,
      { PATH: process.env.PATH, ...env },
      {
        started: (pid) => {
          ran.pid = pid;
          onPid?.(pid);
        },
        output: (stream, text) => {
          ran[stream] += text;
        },
        exited: (code, signal) => {
          ran.code = code;
          ran.signal = signal;
        },
        closed: () => {
          resolve(ran);
        },
      },
    );
  });
}

describe.each([
  ['through the launcher', undefined],
  ['from Node', 'node'],
])('startScript %s', (_how, mode) => {
  const use = () => {
    if (mode === undefined) delete process.env.CAIRN_SCRIPT_LAUNCHER;
    else process.env.CAIRN_SCRIPT_LAUNCHER = mode;
  };

  it('passes arguments, environment and folder; reports output, pid and exit code', async () => {
    use();
    const file = script(
      'args.sh',
      '#!/bin/sh\necho "cwd=$(pwd) a=$1 b=$2 v=$V"\necho "é on stderr" >&2\nexit 3\n',
    );
    const ran = await run({ file, args: ['one two', '"x"'], cwd: dir }, { V: 'tab\there' });
    expect(ran.stdout).toBe(`cwd=${dir} a=one two b="x" v=tab\there\n`);
    expect(ran.stderr).toBe('é on stderr\n');
    expect(ran).toMatchObject({ code: 3, signal: null });
    expect(ran.pid).toBeGreaterThan(0);
  });

  it('reports a signal death by name, and carries large output whole', async () => {
    use();
    const file = script(
      'big.sh',
      '#!/bin/sh\nhead -c 300000 /dev/zero | tr "\\0" x\nkill -TERM $$\n',
    );
    const ran = await run({ file, args: [] });
    expect(ran.stdout).toBe('x'.repeat(300_000));
    expect(ran).toMatchObject({ code: null, signal: 'SIGTERM' });
    const abort = script('abort.sh', '#!/bin/sh\nkill -ABRT $$\n');
    expect(await run({ file: abort, args: [] })).toMatchObject({ code: null, signal: 'SIGABRT' });
  });

  it('fails a program that is missing (127) or not executable (126), as a shell would', async () => {
    use();
    const missing = await run({ file: join(dir, 'nope.sh'), args: [] });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe(`cannot start ${join(dir, 'nope.sh')}: ENOENT\n`);
    const plain = script('plain.sh', '#!/bin/sh\necho hi\n', 0o644);
    const refused = await run({ file: plain, args: [] });
    expect(refused.code).toBe(126);
    expect(refused.stderr).toBe(`cannot start ${plain}: EACCES\n`);
  });

  it('lets the caller stop a script by its pid', async () => {
    use();
    const file = script('sleep.sh', '#!/bin/sh\nexec sleep 30\n');
    const started = Date.now();
    const ran = await run({ file, args: [] }, {}, (pid) => {
      setTimeout(() => process.kill(pid, 'SIGKILL'), 100);
    });
    expect(ran).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('runs many scripts at once, each with its own output', async () => {
    use();
    const file = script('echo.sh', '#!/bin/sh\necho "$1"\n');
    const runs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => run({ file, args: [`run ${i}`] })),
    );
    expect(runs.map((r) => r.stdout)).toEqual(Array.from({ length: 40 }, (_, i) => `run ${i}\n`));
    expect(runs.every((r) => r.code === 0)).toBe(true);
  });
});

describe('the launcher', () => {
  it('is started again after it died; the scripts it ran end as not started (126)', async () => {
    const file = script('wait.sh', '#!/bin/sh\nexec sleep 30\n');
    let scriptPid = 0;
    const ran = await run({ file, args: [] }, {}, (pid) => {
      scriptPid = pid;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const launcherPid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      // The script's parent is the launcher (perl), never this process (there must be perl).
      expect(readFileSync(`/proc/${launcherPid}/comm`, 'utf8').trim()).toBe('perl');
      process.kill(launcherPid, 'SIGKILL');
    });
    process.kill(scriptPid, 'SIGKILL');
    expect(ran).toMatchObject({
      code: 126,
      stderr: 'the script launcher ended unexpectedly\n',
    });
    const again = await run({ file: script('hi.sh', '#!/bin/sh\necho hi\n'), args: [] });
    expect(again).toMatchObject({ code: 0, stdout: 'hi\n' });
  });
});
