import { describe, expect, it } from 'vitest';
import { TaskGraph, type TaskSpec } from './task-graph.js';

const state = (value: string): TaskSpec => ({ kind: 'state', instanceId: 'i', state: value });

describe('TaskGraph', () => {
  it('chains steps, numbers tasks per subgraph and indexes them in the graph', () => {
    const graph = new TaskGraph();
    const sub = graph.subgraph('install_i', 'i');
    const span = graph.append(sub, [[state('a')], [state('b'), state('c')], [state('d')]]);
    expect(span).toEqual({ first: ['install_i/1'], last: ['install_i/4'] });
    const task = (id: string) => graph.tasks.get(id);
    expect(task('install_i/1')?.dependents).toEqual(['install_i/2', 'install_i/3']);
    expect(task('install_i/2')?.dependents).toEqual(['install_i/4']);
    expect(task('install_i/4')?.dependents).toEqual([]);
    expect([1, 2, 3, 4].map((n) => task(`install_i/${n}`)?.waitsFor)).toEqual([0, 1, 1, 2]);
    expect([...graph.tasks.values()].map((t) => t.index)).toEqual([0, 1, 2, 3]);
  });

  it('adds an edge once, inside a subgraph or between two', () => {
    const graph = new TaskGraph();
    const one = graph.subgraph('one');
    const two = graph.subgraph('two');
    graph.append(one, [[state('a')], [state('b')]]);
    graph.append(two, [[state('c')]]);
    graph.depend('one/2', 'one/1');
    graph.subgraphWaits(two, one);
    graph.subgraphWaits(two, one);
    graph.depend('two/1', 'one/2');
    expect(graph.tasks.get('one/1')?.dependents).toEqual(['one/2']);
    expect(graph.tasks.get('one/2')?.dependents).toEqual(['two/1']);
    expect(graph.tasks.get('two/1')?.waitsFor).toBe(1);
    expect(graph.order().map((t) => t.id)).toEqual(['one/1', 'one/2', 'two/1']);
  });
});
