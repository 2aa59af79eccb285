// The reference evaluator: the oracle every derivative, simplification and generated function is
// checked against. Plain dense row-major matrices; det and inv by pivoted elimination (linalg.ts,
// checked against mathjs in the tests). One evaluation rule per op, in a table.
import { ChainruleError } from '../errors.ts';
import { ELEMENTWISE } from '../ir/functions.ts';
import type { Node, NodeOf, NormKind, Op } from '../ir/node.ts';
import { topoSort } from '../ir/node.ts';
import * as Q from '../ir/rational.ts';
import type { Dim, Shape } from '../ir/shape.ts';
import { determinant, inverse } from './linalg.ts';

export { erf } from '../ir/functions.ts';

/** A dense matrix (a scalar is 1×1, a vector n×1), row-major. */
export interface Tensor {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export type DimSizes = Readonly<Record<string, number>>;

export const tensor = (rows: number, cols: number, data?: ArrayLike<number>): Tensor => ({ rows, cols, data: data ? Float64Array.from(data) : new Float64Array(rows * cols) });
export const scalarTensor = (x: number): Tensor => tensor(1, 1, [x]);

export function sizeOf(d: Dim, dims: DimSizes): number {
  if (typeof d === 'number') return d;
  const n = dims[d];
  if (n === undefined) throw new ChainruleError(`the size ${d} is unknown`, { hint: `give a value whose shape fixes ${d}, or --dims ${d}=…` });
  return n;
}

const map = (a: Tensor, f: (x: number) => number): Tensor => tensor(a.rows, a.cols, a.data.map(f));
const zip = (a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor => {
  const out = new Float64Array(a.data.length);
  const bs = b.data.length === 1 && a.data.length !== 1;
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i], bs ? b.data[0] : b.data[i]);
  return { rows: a.rows, cols: a.cols, data: out };
};

export function matmul2(a: Tensor, b: Tensor): Tensor {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      for (let j = 0; j < b.cols; j++) out[i * b.cols + j] += aik * b.data[k * b.cols + j];
    }
  }
  return { rows: a.rows, cols: b.cols, data: out };
}

export function transposeTensor(a: Tensor): Tensor {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = a.data[i * a.cols + j];
  return { rows: a.cols, cols: a.rows, data: out };
}

export const toRows = (a: Tensor): number[][] => Array.from({ length: a.rows }, (_, i) => Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols)));

type Rule<O extends Op> = (node: NodeOf<O>, args: Tensor[], dims: DimSizes, abstract: AbstractFunctions) => Tensor;

/** Numeric stand-ins for abstract functions (`Φ` → tanh for checks): each gets its derivatives of every order. */
export interface AbstractFunctions {
  elementwise(key: string, order: number, x: number): number;
  call(key: string, partials: readonly number[], args: readonly number[]): number;
}

const euclidean = (data: Float64Array): number => Math.sqrt(data.reduce((s, x) => s + x * x, 0));

/** Each norm kind of the entries. */
const NORMS: { readonly [K in NormKind]: (data: Float64Array) => number } = {
  '2': euclidean,
  F: euclidean,
  '1': (data) => data.reduce((s, x) => s + Math.abs(x), 0),
  '∞': (data) => data.reduce((m, x) => Math.max(m, Math.abs(x)), 0),
};

/** How each op evaluates: one entry per op. */
export const EVALUATION_RULES: { [O in Op]: Rule<O> } = {
  const: (n) => scalarTensor(Q.toNumber(n.attr)),
  constant: () => scalarTensor(Math.PI),
  var: (n) => {
    throw new ChainruleError(`no value for ${n.attr.key}`);
  },
  dim: (n, _, dims) => scalarTensor(sizeOf(n.attr, dims)),
  identity: (n, _, dims) => {
    const k = sizeOf(n.shape.rows, dims);
    const t = tensor(k, k);
    for (let i = 0; i < k; i++) t.data[i * k + i] = 1;
    return t;
  },
  ones: (n, _, dims) => map(tensor(sizeOf(n.shape.rows, dims), sizeOf(n.shape.cols, dims)), () => 1),
  zeros: (n, _, dims) => tensor(sizeOf(n.shape.rows, dims), sizeOf(n.shape.cols, dims)),
  add: (_, a) => a.reduce((x, y) => zip(x, y, (p, q) => p + q)),
  mul: (_, a) => {
    // Scalars first, the one non-scalar (if any) last.
    const last = a[a.length - 1];
    let s = 1;
    for (let i = 0; i < a.length - 1; i++) s *= a[i].data[0];
    return last.data.length === 1 ? scalarTensor(s * last.data[0]) : map(last, (x) => s * x);
  },
  matmul: (_, a) => a.reduce(matmul2),
  hadamard: (_, a) => a.reduce((x, y) => zip(x, y, (p, q) => p * q)),
  pow: (_, [b, e]) => map(b, (x) => x ** e.data[0]),
  transpose: (_, [a]) => transposeTensor(a),
  inv: (_, [a]) => inverse(a) ?? map(a, () => NaN), // singular: no number is honest
  det: (_, [a]) => scalarTensor(determinant(a)),
  trace: (_, [a]) => {
    let s = 0;
    for (let i = 0; i < a.rows; i++) s += a.data[i * a.cols + i];
    return scalarTensor(s);
  },
  diag: (n, [a]) => {
    if (a.cols === 1) {
      const t = tensor(a.rows, a.rows);
      for (let i = 0; i < a.rows; i++) t.data[i * a.rows + i] = a.data[i];
      return t;
    }
    return tensor(a.rows, 1, Array.from({ length: a.rows }, (_, i) => a.data[i * a.cols + i]));
  },
  norm: (n, [a]) => scalarTensor(NORMS[n.attr](a.data)),
  apply: (n, [a], _, abstract) => {
    const fn = n.attr;
    if (fn.kind === 'abstract') return map(a, (x) => abstract.elementwise(fn.key, fn.order, x));
    return map(a, ELEMENTWISE[fn.name].evaluate);
  },
  indicator: (n, [a, b]) => {
    const test = { '>': (x: number, y: number) => x > y, '<': (x: number, y: number) => x < y, '≥': (x: number, y: number) => x >= y, '≤': (x: number, y: number) => x <= y }[n.attr];
    return zip(a, b, (x, y) => (test(x, y) ? 1 : 0));
  },
  max: (_, [a, b]) => zip(a, b, Math.max),
  min: (_, [a, b]) => zip(a, b, Math.min),
  softmax: (_, [a]) => {
    // Over the entries of a vector, over each row of a matrix.
    const [groups, length] = a.rows === 1 || a.cols === 1 ? [1, a.rows * a.cols] : [a.rows, a.cols];
    const out = tensor(a.rows, a.cols);
    for (let g = 0; g < groups; g++) {
      const row = a.data.subarray(g * length, (g + 1) * length);
      const m = row.reduce((x, y) => Math.max(x, y), -Infinity);
      const e = row.map((x) => Math.exp(x - m));
      const s = e.reduce((x, y) => x + y, 0);
      out.data.set(e.map((x) => x / s), g * length);
    }
    return out;
  },
  logsoftmax: (_, [a]) => {
    // xᵢ − m − log Σⱼ exp(xⱼ − m), m = max x: finite where softmax underflows to 0. Groups as softmax.
    const [groups, length] = a.rows === 1 || a.cols === 1 ? [1, a.rows * a.cols] : [a.rows, a.cols];
    const out = tensor(a.rows, a.cols);
    for (let g = 0; g < groups; g++) {
      const row = a.data.subarray(g * length, (g + 1) * length);
      const m = row.reduce((x, y) => Math.max(x, y), -Infinity);
      const shift = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
      out.data.set(row.map((x) => x - shift), g * length);
    }
    return out;
  },
  logsumexp: (_, [a]) => {
    const m = a.data.reduce((x, y) => Math.max(x, y), -Infinity);
    return scalarTensor(m + Math.log(a.data.reduce((s, x) => s + Math.exp(x - m), 0)));
  },
  call: (n, a, _, abstract) => scalarTensor(abstract.call(n.attr.key, n.attr.partials, a.map((t) => t.data[0]))),
};

/** Abstract functions evaluate as tanh (elementwise) and as a fixed smooth function of their arguments. */
export const DEFAULT_ABSTRACT: AbstractFunctions = {
  elementwise: (_key, order, x) => {
    // tanh and its derivatives: t, 1 − t², −2t(1 − t²), …
    const t = Math.tanh(x);
    const d = [t, 1 - t * t, -2 * t * (1 - t * t), (1 - t * t) * (6 * t * t - 2)];
    if (order < d.length) return d[order];
    throw new ChainruleError(`derivative of order ${order} of an abstract function is not evaluable`);
  },
  // f(a₁, …, aₖ) = Σ aᵢ² + Π aᵢ: smooth, with simple partials.
  call: (_key, partials, args) => {
    if (partials.length === 0) return args.reduce((s, x) => s + x * x, 0) + args.reduce((p, x) => p * x, 1);
    const counts = new Map<number, number>();
    for (const p of partials) counts.set(p - 1, (counts.get(p - 1) ?? 0) + 1);
    const productPart = [...counts.values()].every((c) => c === 1) ? args.reduce((p, x, i) => (counts.has(i) ? p : p * x), 1) : 0;
    let squarePart = 0;
    if (counts.size === 1) {
      const [[i, c]] = [...counts.entries()];
      squarePart = c === 1 ? 2 * args[i] : c === 2 ? 2 : 0;
    }
    return squarePart + productPart;
  },
};

export type Values = ReadonlyMap<string, Tensor>;

/** Evaluates nodes at the given variable values (keyed by variable key); returns every node's value. */
export function evaluateAll(roots: readonly Node[], values: Values, dims: DimSizes, abstract: AbstractFunctions = DEFAULT_ABSTRACT): Map<Node, Tensor> {
  const out = new Map<Node, Tensor>();
  for (const node of topoSort(roots)) {
    if (node.op === 'var') {
      const v = values.get(node.attr.key);
      if (!v) throw new ChainruleError(`no value given for ${node.attr.key}`);
      out.set(node, v);
      continue;
    }
    const args = node.args.map((a) => out.get(a) as Tensor);
    out.set(node, (EVALUATION_RULES[node.op] as Rule<Op>)(node as NodeOf<Op>, args, dims, abstract));
  }
  return out;
}

export function evaluate(node: Node, values: Values, dims: DimSizes, abstract?: AbstractFunctions): Tensor {
  return evaluateAll([node], values, dims, abstract).get(node) as Tensor;
}

/** Binds symbolic dimensions from the shapes of the given values; conflicting sizes are an input error. */
export function inferDims(shapes: readonly { key: string; shape: Shape }[], values: Values, given: DimSizes = {}): Record<string, number> {
  const dims: Record<string, number> = { ...given };
  for (const { key, shape } of shapes) {
    const v = values.get(key);
    if (!v) continue;
    for (const [d, n] of [[shape.rows, v.rows], [shape.cols, v.cols]] as const) {
      if (typeof d === 'number') {
        if (d !== n) throw new ChainruleError(`${key} should have ${d} ${d === shape.rows ? 'rows' : 'columns'} but the value has ${n}`);
      } else if (dims[d] === undefined) dims[d] = n;
      else if (dims[d] !== n) throw new ChainruleError(`${key} makes ${d} = ${n}, but another value made it ${dims[d]}`);
    }
  }
  return dims;
}
