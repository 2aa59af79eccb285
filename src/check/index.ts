// Gradient checking: the symbolic derivative, evaluated by the reference evaluator, against central
// finite differences of the output, at seeded random points and sizes. Used by `chainrule check`
// and by every derivative test.
import type { Model, VariableInfo } from '../build/index.ts';
import type { DimSizes, Tensor } from '../eval/index.ts';
import { evaluate, sizeOf, tensor } from '../eval/index.ts';
import type { Node } from '../ir/node.ts';
import type { Shape } from '../ir/shape.ts';

/** A small deterministic generator (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random sizes for the symbolic dimensions (2 to 5 unless given). */
export function randomDims(model: Model, random: () => number, fixed: DimSizes = {}): Record<string, number> {
  const dims: Record<string, number> = { ...fixed };
  for (const d of model.dims) if (dims[d] === undefined) dims[d] = 2 + Math.floor(random() * 4);
  return dims;
}

/** Random values: scalars in [0.5, 1.5] (Greek scalars are usually positive rates and weights), entries in [−1, 1]. */
export function randomValues(variables: readonly VariableInfo[], dims: DimSizes, random: () => number): Map<string, Tensor> {
  const values = new Map<string, Tensor>();
  for (const v of variables) values.set(v.key, randomTensor(v.shape, dims, random, v.node.op === 'var' && v.node.attr.symmetric));
  return values;
}

export function randomTensor(shape: Shape, dims: DimSizes, random: () => number, symmetric = false): Tensor {
  const rows = sizeOf(shape.rows, dims);
  const cols = sizeOf(shape.cols, dims);
  if (rows === 1 && cols === 1) return tensor(1, 1, [0.5 + random()]);
  const t = tensor(rows, cols, Array.from({ length: rows * cols }, () => 2 * random() - 1));
  if (symmetric) for (let i = 0; i < rows; i++) for (let j = 0; j < i; j++) t.data[i * cols + j] = t.data[j * cols + i];
  return t;
}

export interface CheckResult {
  readonly variable: string;
  /** ‖g_symbolic − g_fd‖ / max(‖g_fd‖, ‖g_symbolic‖, 1e-8), worst over the points tried. */
  readonly relativeError: number;
  readonly points: number;
}

const norm = (d: Float64Array): number => Math.hypot(...d);

/** Central differences of `output` with respect to one variable's entries. */
export function finiteDifference(output: Node, variable: VariableInfo, values: Map<string, Tensor>, dims: DimSizes, step = 1e-6): Tensor {
  const x = values.get(variable.key) as Tensor;
  const grad = tensor(x.rows, x.cols);
  const symmetric = variable.node.op === 'var' && variable.node.attr.symmetric;
  for (let i = 0; i < x.data.length; i++) {
    const r = Math.floor(i / x.cols);
    const c = i % x.cols;
    if (symmetric && c < r) continue;
    const h = step * Math.max(1, Math.abs(x.data[i]));
    const at = (delta: number): number => {
      const data = Float64Array.from(x.data);
      data[i] += delta;
      // A symmetric variable moves both mirrored entries; its gradient is split between them.
      if (symmetric && r !== c) data[c * x.cols + r] += delta;
      const moved = new Map(values).set(variable.key, { rows: x.rows, cols: x.cols, data });
      return evaluate(output, moved, dims).data[0];
    };
    const d = (at(h) - at(-h)) / (2 * h);
    if (symmetric && r !== c) {
      grad.data[i] = d / 2;
      grad.data[c * x.cols + r] = d / 2;
    } else grad.data[i] = d;
  }
  return grad;
}

export function relativeError(symbolic: Tensor, numeric: Tensor): number {
  const diff = symbolic.data.map((s, i) => s - numeric.data[i]);
  return norm(diff) / Math.max(norm(numeric.data), norm(symbolic.data), 1e-8);
}

/** The symbolic gradient node of a variable, evaluated, must be finite and match finite differences. */
export function checkGradients(
  model: Model,
  gradients: readonly { variable: VariableInfo; node: Node }[],
  options: { points?: number; seed?: number; dims?: DimSizes } = {},
): CheckResult[] {
  const random = rng(options.seed ?? 1);
  const worst = new Map<string, { error: number; points: number }>();
  const points = options.points ?? 3;
  let attempts = 0;
  for (let p = 0; p < points && attempts < points * 20; attempts++) {
    const dims = randomDims(model, random, options.dims);
    const values = randomValues(model.variables, dims, random);
    const value = evaluate(model.output.node, values, dims).data[0];
    if (!Number.isFinite(value)) continue; // e.g. log of a negative determinant: try another point
    p++;
    for (const g of gradients) {
      const symbolic = evaluate(g.node, values, dims);
      const numeric = finiteDifference(model.output.node, g.variable, values, dims);
      const error = relativeError(symbolic, numeric);
      const w = worst.get(g.variable.display) ?? { error: 0, points: 0 };
      worst.set(g.variable.display, { error: Number.isNaN(error) ? Infinity : Math.max(w.error, error), points: w.points + 1 });
    }
  }
  return gradients.map((g) => {
    const w = worst.get(g.variable.display) ?? { error: NaN, points: 0 };
    return { variable: g.variable.display, relativeError: w.error, points: w.points };
  });
}
