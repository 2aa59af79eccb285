// Test support: models made straight from IR (no parser), and gradient checks over them. The
// property, size and evaluator tests build IR with the constructors; this wraps such an output
// node as a `Model` so `checkGradients` and the rest of the pipeline take it like parsed input.
import type { Model, VariableInfo } from '../../src/build/index.ts';
import { checkGradients, finiteDifference, randomDims, randomValues, rng } from '../../src/check/index.ts';
import type { DimSizes, Tensor } from '../../src/eval/index.ts';
import { evaluate, evaluateAll } from '../../src/eval/index.ts';
import { backward } from '../../src/diff/index.ts';
import type { Node } from '../../src/ir/node.ts';
import { topoSort } from '../../src/ir/node.ts';
import { dimSymbols } from '../../src/ir/shape.ts';
import { print } from '../../src/print/index.ts';
import { simplify } from '../../src/simplify/index.ts';

/** The free variables of `output`, in order of first appearance. */
export function variablesOf(output: Node): Node[] {
  return topoSort([output]).filter((n) => n.op === 'var');
}

/** A model whose output is `output`, with its variables and the dimension symbols they and `dim` nodes use. */
export function irModel(output: Node): Model {
  const nodes = topoSort([output]);
  const variables: VariableInfo[] = nodes
    .filter((n): n is Extract<Node, { op: 'var' }> => n.op === 'var')
    .map((n) => ({ key: n.attr.key, name: n.attr.name, display: print(n, 'unicode'), written: print(n, 'unicode'), shape: n.shape, node: n, origin: 'declared', firstUse: { start: 0, end: 0 } }));
  const dims = new Set<string>();
  for (const n of nodes) {
    for (const d of dimSymbols(n.shape)) dims.add(d);
    if (n.op === 'dim') dims.add(n.attr);
  }
  const span = { start: 0, end: 0 };
  return { source: print(output, 'unicode'), variables, definitions: [], outputs: [{ node: output, span }], output: { node: output, span }, dims: [...dims] };
}

export interface GradientOfIR {
  readonly variable: VariableInfo;
  readonly raw: Node;
  readonly simplified: Node;
}

/** Raw and simplified symbolic gradients of `model.output` with respect to `wrt` (default: every variable). */
export function gradientsOf(model: Model, wrt: readonly VariableInfo[] = model.variables): GradientOfIR[] {
  const pass = backward(model.output.node, wrt.map((v) => v.node));
  return wrt.map((variable) => {
    const raw = pass.gradients.get(variable.node) as Node;
    return { variable, raw, simplified: simplify(raw) };
  });
}

/** Worst relative error, over `points` random points and sizes, of each gradient against central differences. */
export function worstError(model: Model, gradients: readonly { variable: VariableInfo; node: Node }[], options: { points?: number; seed?: number; dims?: DimSizes } = {}): number {
  if (gradients.length === 0) return 0;
  const results = checkGradients(model, gradients, options);
  return Math.max(...results.map((r) => (r.points === 0 ? Infinity : r.relativeError)));
}

/** How close a point is to a kink or jump of the expression: the smallest |argument| of relu, abs and
 * sign, the smallest |a − b| of max, min and indicators, the smallest norm. Central differences are
 * only meaningful when this is well above the step. */
export function kinkDistance(values: ReadonlyMap<Node, Tensor>): number {
  let distance = Infinity;
  const smallest = (data: ArrayLike<number>) => {
    for (let i = 0; i < data.length; i++) distance = Math.min(distance, Math.abs(data[i]));
  };
  for (const [node] of values) {
    const args = node.args.map((a) => values.get(a) as Tensor);
    if (node.op === 'apply' && node.attr.kind === 'builtin' && ['relu', 'abs', 'sign'].includes(node.attr.name)) smallest(args[0].data);
    if (node.op === 'max' || node.op === 'min' || node.op === 'indicator') smallest(args[0].data.map((x, i) => x - args[1].data[i]));
    if (node.op === 'norm') smallest((values.get(node) as Tensor).data);
  }
  return distance;
}

export interface PointCheck {
  /** Worst relative error over the points checked (0 when none could be). */
  readonly error: number;
  readonly points: number;
  /** The first failing point, for the message. */
  readonly detail?: string;
}

/** Symbolic gradients against central differences at random points and sizes, skipping points near kinks
 * or where the output is not finite. */
export function checkAwayFromKinks(model: Model, gradients: readonly { variable: VariableInfo; node: Node }[], options: { points?: number; seed?: number; tolerance?: number } = {}): PointCheck {
  const random = rng(options.seed ?? 7);
  const wanted = options.points ?? 2;
  let error = 0;
  let points = 0;
  let detail: string | undefined;
  for (let attempt = 0; attempt < wanted * 10 && points < wanted; attempt++) {
    const dims = randomDims(model, random);
    const values = randomValues(model.variables, dims, random);
    const all = evaluateAll([model.output.node], values, dims);
    const value = (all.get(model.output.node) as Tensor).data[0];
    if (!Number.isFinite(value) || Math.abs(value) > 1e8 || kinkDistance(all) < 1e-3) continue;
    points++;
    for (const g of gradients) {
      const symbolic = evaluate(g.node, values, dims);
      const numeric = finiteDifference(model.output.node, g.variable, values, dims);
      // Central differences carry an absolute error of about 1e-10·|f| per entry (rounding over a
      // 1e-6 step), so gradients near zero are compared against a floor at that noise level.
      const floor = 1e-3 * Math.max(1, Math.abs(value));
      const diff = Math.hypot(...symbolic.data.map((x, i) => x - numeric.data[i]));
      const e = diff / Math.max(Math.hypot(...numeric.data), Math.hypot(...symbolic.data), floor);
      const bad = !(e <= (options.tolerance ?? 1e-6));
      if (bad && detail === undefined) {
        detail = `∂/∂${g.variable.display} at dims ${JSON.stringify(dims)}: symbolic ${Array.from(symbolic.data).map((x) => x.toPrecision(6))} vs numeric ${Array.from(numeric.data).map((x) => x.toPrecision(6))}`;
      }
      error = Math.max(error, Number.isNaN(e) ? Infinity : e);
    }
  }
  return { error, points, detail };
}
