// SVG through Graphviz compiled to WebAssembly (@viz-js/viz): the real dot layout, no binary to install.
// Loaded on first use, so that commands which draw no graph never load it.
import type { Viz } from '@viz-js/viz';
import { internalError } from '../errors.ts';

let viz: Promise<Viz> | undefined;
/** One Graphviz instance per process: loading the wasm module is the expensive part. */
export const graphviz = (): Promise<Viz> => (viz ??= import('@viz-js/viz').then((m) => m.instance()));

export async function dotToSvg(dot: string): Promise<string> {
  const result = (await graphviz()).render(dot, { format: 'svg' });
  if (result.status !== 'success' || result.output === undefined) throw internalError(`Graphviz rejected the graph: ${result.errors.map((e) => e.message).join('; ')}`);
  // Laid out with Times metrics; drawn in KaTeX's serif where the page has it (the HTML key inlines
  // it), so graph and formulas share one math font family.
  return result.output.replace(/font-family="Times,serif"/g, `font-family="KaTeX_Main,'Times New Roman',Times,serif"`);
}

/** Where Graphviz puts things, in points (y up): node centres and sizes, and edge label positions keyed `from→to`. */
export interface Layout {
  readonly nodes: Map<string, { x: number; y: number; width: number; height: number }>;
  readonly labels: Map<string, { x: number; y: number }>;
}

/**
 * Graphviz's layout, for renderers that place things themselves (TikZ). Edge labels go where dot
 * puts them, beside their edge and clear of the other labels, not at the midpoints, where two
 * edges into one node would stack their labels.
 */
export async function layout(dot: string): Promise<Layout> {
  const json = (await graphviz()).renderJSON(dot) as {
    objects?: { _gvid: number; name: string; pos?: string; width?: string; height?: string }[];
    edges?: { tail: number; head: number; lp?: string }[];
  };
  const nodes = new Map<string, { x: number; y: number; width: number; height: number }>();
  const names = new Map<number, string>();
  for (const o of json.objects ?? []) {
    names.set(o._gvid, o.name);
    if (!o.pos) continue;
    const [x, y] = o.pos.split(',').map(Number);
    nodes.set(o.name, { x, y, width: Number(o.width ?? 0) * 72, height: Number(o.height ?? 0) * 72 });
  }
  const labels = new Map<string, { x: number; y: number }>();
  for (const e of json.edges ?? []) {
    if (!e.lp) continue;
    const [x, y] = e.lp.split(',').map(Number);
    labels.set(`${names.get(e.tail)}→${names.get(e.head)}`, { x, y });
  }
  return { nodes, labels };
}
