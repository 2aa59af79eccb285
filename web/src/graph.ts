// The graph pane (#10): the computation graph with the value and ∂f/∂node on every node, laid out
// by Graphviz compiled to WebAssembly (@viz-js/viz), which is imported on first use only, so that
// the initial JavaScript of the page stays small.
import type { Bound, Layout, Model, Tensor } from '../../src/index.ts';
import { bindValues, buildGraph, ChainruleError, fromTensor, randomDims, randomValues, rng, toDot } from '../../src/index.ts';

type Viz = Awaited<ReturnType<typeof import('@viz-js/viz')['instance']>>;
let viz: Promise<Viz> | undefined;
/** One Graphviz instance for the page: loading the wasm module is the expensive part. */
export const graphviz = (): Promise<Viz> => (viz ??= import('@viz-js/viz').then((m) => m.instance()));

/** Random values of every variable (sizes 2 to 5), as the JSON `chainrule graph --at` reads. */
export function randomValuesJson(model: Model, seed: number): string {
  const random = rng(seed);
  const dims = randomDims(model, random);
  const values = randomValues(model.variables, dims, random);
  const round = (x: number) => Number(x.toFixed(3));
  const entries = model.variables.map((v) => {
    const t = values.get(v.key) as Tensor;
    const json = fromTensor({ ...t, data: t.data.map(round) }, v.node.shape);
    return [v.display, json] as const;
  });
  return valuesJson(Object.fromEntries(entries));
}

/** Values as JSON with one variable a line. */
export function valuesJson(values: Readonly<Record<string, unknown>>): string {
  return `{\n${Object.entries(values).map(([name, value]) => `  ${JSON.stringify(name)}: ${JSON.stringify(value)}`).join(',\n')}\n}`;
}

/** The values in the text box, bound to the model's variables; a bad text is a ChainruleError naming the problem. */
export function bindJson(model: Model, text: string): Bound {
  let given: unknown;
  try {
    given = JSON.parse(text);
  } catch (e) {
    throw new ChainruleError(`the values are not JSON: ${(e as Error).message}`, { hint: '{"W": [[1, 2], [3, 4]], "x": [1, 2], "α": 0.5}' });
  }
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw new ChainruleError('the values must be a JSON object keyed by variable', { hint: '{"W": [[1, 2], [3, 4]], "x": [1, 2], "α": 0.5}' });
  return bindValues(model, given as Record<string, unknown>);
}

/** The DOT text of the graph with values and gradients at `at`, and the id of its output node. */
export function graphDot(model: Model, wrt: readonly string[], layout: Layout, at: Bound | undefined): { dot: string; output: string | undefined } {
  const variables = model.variables.filter((v) => wrt.includes(v.display));
  const graph = buildGraph(model, { wrt: variables.length ? variables : undefined, at, layout });
  return { dot: toDot(graph), output: graph.nodes.find((n) => n.kind === 'output')?.id };
}

/** Graphviz's SVG without the XML prologue, in the page's math font; its size in points and viewBox stay (style.css scales it down to the pane on wide screens and scrolls it on phones). */
export async function dotToSvg(dot: string): Promise<string> {
  const result = (await graphviz()).render(dot, { format: 'svg' });
  if (result.status !== 'success' || result.output === undefined) throw new Error(`Graphviz rejected the graph: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.output
    .replace(/^[\s\S]*?(<svg)/, '$1')
    .replace(/font-family="Times,serif"/g, `font-family="KaTeX_Main,'Times New Roman',Times,serif"`);
}
