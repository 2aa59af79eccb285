// Layering: the folders of src/ (and its top-level files) import one another in one direction
// only. A folder that imports a folder that imports it back is a cycle, reported with the files
// that make each edge.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');

/** The unit a file belongs to: its top folder under src/ (`ir/`), or the file itself at the top (`api.ts`). */
const unitOf = (file: string): string => {
  const relative = path.relative(SRC, file);
  return relative.includes(path.sep) ? `${relative.split(path.sep)[0]}/` : relative;
};

/** unit → unit it imports → a file that makes the edge. */
export function importGraph(): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.split(path.sep).includes('generated'));
  for (const relative of files) {
    const file = path.join(SRC, relative);
    const from = unitOf(file);
    if (!edges.has(from)) edges.set(from, new Map());
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const to = unitOf(path.resolve(path.dirname(file), m[1]));
      if (to !== from && !edges.get(from)?.has(to)) edges.get(from)?.set(to, relative);
    }
  }
  return edges;
}

/** Strongly connected components with more than one unit (Tarjan). */
export function cycles(edges: ReadonlyMap<string, ReadonlyMap<string, string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('layering of src/', () => {
  const graph = importGraph();

  it('sees the imports (the graph is not empty, and api.ts imports ir/)', () => {
    expect(graph.get('api.ts')?.has('ir/')).toBe(true);
    expect(graph.get('cli/')?.size).toBeGreaterThan(3);
  });

  it('finds a cycle when there is one', () => {
    const cyclic = new Map([['a/', new Map([['b/', 'a/x.ts']])], ['b/', new Map([['a/', 'b/y.ts']])], ['c/', new Map([['a/', 'c/z.ts']])]]);
    expect(cycles(cyclic)).toEqual([['a/', 'b/']]);
  });

  it('has no folder that imports a folder that imports it back', () => {
    const described = cycles(graph).map((c) => c.map((a) => [...(graph.get(a) ?? [])].filter(([b]) => c.includes(b)).map(([b, file]) => `${a} → ${b} (${file})`).join('; ')).join('; '));
    expect(described).toEqual([]);
  });
});
