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

/** Node centres and sizes from Graphviz's layout, in points (y up), for renderers that place nodes themselves. */
export async function layout(dot: string): Promise<Map<string, { x: number; y: number; width: number; height: number }>> {
  const json = (await graphviz()).renderJSON(dot) as { objects?: { name: string; pos?: string; width?: string; height?: string }[] };
  const out = new Map<string, { x: number; y: number; width: number; height: number }>();
  for (const o of json.objects ?? []) {
    if (!o.pos) continue;
    const [x, y] = o.pos.split(',').map(Number);
    out.set(o.name, { x, y, width: Number(o.width ?? 0) * 72, height: Number(o.height ?? 0) * 72 });
  }
  return out;
}
