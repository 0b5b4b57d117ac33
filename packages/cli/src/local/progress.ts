/**
 * How a running execution shows on the terminal. On a TTY: a compact live view, one line per
 * node (instances by state, the operations running now) redrawn in place, with failures printed
 * above it as they happen. Otherwise (pipes, CI, `--json` off): one plain line per event.
 */
import type { NewEvent } from '@cairn/store';
import type { Output } from '../output.js';

/** Prints events as they come. */
export interface ProgressView {
  readonly listener: (event: NewEvent) => void;
  /** Clears the live view (before the final summary). */
  stop(): void;
}

function time(ts: string): string {
  return ts.slice(11, 19);
}

function where(event: NewEvent): string {
  const c = event.context;
  const source = typeof c.source_id === 'string' ? c.source_id : undefined;
  const target = typeof c.target_id === 'string' ? c.target_id : undefined;
  if (source !== undefined && target !== undefined) return `${source}→${target}`;
  return typeof c.node_id === 'string' ? c.node_id : '';
}

/** One event as a plain line. */
export function formatEventLine(event: NewEvent, output: Output): string {
  const s = output.style;
  const kind = event.type === 'cloudify_log' ? (event.level ?? 'info') : (event.event_type ?? '');
  const at = where(event);
  const failed = kind === 'task_failed' || kind === 'workflow_failed' || kind === 'error';
  const text = `${s.dim(time(event.timestamp))}  ${at === '' ? '' : `${s.bold(at)}  `}${event.message}`;
  if (failed) return s.error(text);
  if (kind === 'warning' || kind === 'task_rescheduled') return s.warning(text);
  return text;
}

/** Plain event lines (no terminal control). Subgraph bookkeeping events are left out. */
export function plainProgress(output: Output): ProgressView {
  return {
    listener(event) {
      if (event.message.startsWith('Subgraph ')) return;
      output.err(formatEventLine(event, output));
    },
    stop() {
      // Nothing is drawn in place.
    },
  };
}

interface NodeProgress {
  readonly states: Map<string, string>;
  readonly running: Map<string, string>;
}

/** The compact live view for a terminal. */
export function liveProgress(output: Output, stream: NodeJS.WriteStream): ProgressView {
  const nodes = new Map<string, NodeProgress>();
  let drawn = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const s = output.style;

  const clear = (): void => {
    if (drawn > 0) stream.write(`\x1b[${drawn}A\x1b[0J`);
    drawn = 0;
  };
  const draw = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (stopped) return;
    clear();
    const width = stream.columns > 20 ? stream.columns - 1 : 100;
    const lines: string[] = [];
    for (const [name, p] of nodes) {
      const counts = new Map<string, number>();
      for (const state of p.states.values()) counts.set(state, (counts.get(state) ?? 0) + 1);
      const summary = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
      const running = [...new Set(p.running.values())].map((op) => op.split('.').pop()).join(', ');
      const line = `  ${s.bold(name)}  ${summary}${running === '' ? '' : s.dim(`  running: ${running}`)}`;
      lines.push(line.length > width + 20 ? `${line.slice(0, width + 17)}…` : line);
    }
    if (lines.length > 0) stream.write(`${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const schedule = (): void => {
    timer ??= setTimeout(draw, 100);
  };

  return {
    listener(event) {
      if (stopped) return;
      const c = event.context;
      const instance = typeof c.node_id === 'string' ? c.node_id : undefined;
      const nodeName =
        typeof c.node_name === 'string' ? c.node_name : instance?.replace(/_[a-z0-9]{6}$/, '');
      const type = event.event_type;
      if (instance !== undefined && nodeName !== undefined) {
        let p = nodes.get(nodeName);
        if (p === undefined) nodes.set(nodeName, (p = { states: new Map(), running: new Map() }));
        if (!p.states.has(instance)) p.states.set(instance, 'waiting');
        const op = typeof c.operation === 'string' ? c.operation : '';
        if (type === 'task_started' && op !== '') p.running.set(`${instance} ${op}`, op);
        if (type === 'task_succeeded' || type === 'task_failed' || type === 'task_rescheduled') {
          p.running.delete(`${instance} ${op}`);
        }
        const m = /^Node instance (\w+)|^(\w+) node instance$/.exec(event.message);
        if (type === 'workflow_node_event' && m !== null) {
          p.states.set(instance, (m[1] ?? m[2] ?? '').toLowerCase());
        }
      }
      const important =
        type === 'task_failed' ||
        type === 'task_rescheduled' ||
        type === 'workflow_failed' ||
        type === 'workflow_succeeded' ||
        type === 'workflow_cancelled' ||
        type === 'workflow_started' ||
        (event.type === 'cloudify_log' && (event.level === 'error' || event.level === 'warning'));
      if (important && !event.message.startsWith('Subgraph ')) {
        clear();
        stream.write(`${formatEventLine(event, output)}\n`);
        draw();
        return;
      }
      schedule();
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      clear();
    },
  };
}

/** The live view on a TTY, plain lines elsewhere. */
export function progressFor(output: Output): ProgressView {
  return output.color && process.stderr.isTTY
    ? liveProgress(output, process.stderr)
    : plainProgress(output);
}
