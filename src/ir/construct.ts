// Smart constructors: the only way to make nodes. They check shapes (a mismatch here is a bug:
// `build/` reports user shape errors with spans before constructing) and normalize *structure* only:
// flatten n-ary ops, fold numeric constants in products, move scalar factors out of matrix and
// Hadamard products (they commute). Everything algebraic is a named rule in `simplify/`.
import { internalError } from '../errors.ts';
import type { AbstractCall, ElementwiseFn, Node, NodeOf, Op, OpAttrs, Relation, Variable } from './node.ts';
import { intern } from './node.ts';
import * as Q from './rational.ts';
import type { Rational } from './rational.ts';
import type { Dim, Shape } from './shape.ts';
import { SCALAR, describeShape, isColumn, isScalar, isSquare, sameShape, shape, transposed } from './shape.ts';

const fail = (what: string, ...nodes: Node[]): never => {
  throw internalError(`${what}: ${nodes.map((n) => `${n.op}(${describeShape(n.shape)})`).join(', ')}`);
};

export const num = (value: number | Rational): NodeOf<'const'> =>
  intern('const', [], SCALAR, typeof value !== 'number' ? value : Number.isInteger(value) ? Q.rational(value) : Q.fromDecimal(String(value)));
export const ZERO = num(0);
export const ONE = num(1);
export const MINUS_ONE = num(-1);
export const pi = (): Node => intern('constant', [], SCALAR, 'π');
export const variable = (v: Variable, s: Shape): Node => intern('var', [], s, v);
export const dimValue = (name: string): Node => intern('dim', [], SCALAR, name);
export const identity = (n: Dim): Node => (n === 1 ? ONE : intern('identity', [], shape(n, n), null));
export const ones = (s: Shape): Node => (isScalar(s) ? ONE : intern('ones', [], s, null));
export const zeros = (s: Shape): Node => (isScalar(s) ? ZERO : intern('zeros', [], s, null));

export const isConst = (n: Node): n is NodeOf<'const'> => n.op === 'const';
export const constValue = (n: Node): Rational | undefined => (n.op === 'const' ? n.attr : undefined);
export const isZero = (n: Node): boolean => n.op === 'zeros' || (n.op === 'const' && n.attr.num === 0);
export const isOne = (n: Node): boolean => n.op === 'const' && n.attr.num === 1 && n.attr.den === 1;

export const add = (...terms: Node[]): Node => addAll(terms);

/** Appends without spreading: a 1 MB input is a sum of 250 000 terms, more than a call's arguments. */
function appendAll(target: Node[], items: readonly Node[]): void {
  for (const item of items) target.push(item);
}

export function addAll(terms: readonly Node[]): Node {
  const flat: Node[] = [];
  for (const t of terms) {
    if (t.op === 'add') appendAll(flat, t.args);
    else flat.push(t);
  }
  if (flat.length === 0) throw internalError('add of nothing');
  const s = flat[0].shape;
  for (const t of flat) if (!sameShape(t.shape, s)) fail('add of different shapes', ...flat);
  // Numeric terms fold into one, where the first stood: 2 + x − 1 → 1 + x.
  let constant: Q.Rational | undefined;
  let constantAt = -1;
  const kept: Node[] = [];
  for (const t of flat) {
    if (t.op === 'const') {
      if (constant === undefined) constantAt = kept.length;
      constant = constant === undefined ? t.attr : Q.add(constant, t.attr);
    } else if (!isZero(t)) kept.push(t);
  }
  if (constant !== undefined && constant.num !== 0) kept.splice(constantAt, 0, num(constant));
  if (kept.length === 0) return zeros(s);
  if (kept.length === 1) return kept[0];
  return intern('add', kept, s, null);
}

/** Product of scalars with at most one non-scalar factor; numeric factors folded into one, first. */
export const mul = (...factors: Node[]): Node => mulAll(factors);

export function mulAll(factors: readonly Node[]): Node {
  const flat: Node[] = [];
  for (const f of factors) {
    if (f.op === 'mul') appendAll(flat, f.args);
    else flat.push(f);
  }
  let coefficient = Q.ONE;
  const scalars: Node[] = [];
  let tensor: Node | undefined;
  for (const f of flat) {
    if (f.op === 'const') coefficient = Q.mul(coefficient, f.attr);
    else if (isScalar(f.shape)) scalars.push(f);
    else if (tensor) return matmulOrFail(f, tensor);
    else tensor = f;
  }
  const resultShape = tensor ? tensor.shape : SCALAR;
  if (coefficient.num === 0 && Q.isExact(coefficient)) return zeros(resultShape);
  if (tensor && (tensor.op === 'zeros')) return tensor;
  const args = [...(coefficient.num === 1 && coefficient.den === 1 ? [] : [num(coefficient)]), ...scalars, ...(tensor ? [tensor] : [])];
  if (args.length === 0) return ONE;
  if (args.length === 1) return args[0];
  return intern('mul', args, resultShape, null);
}

function matmulOrFail(a: Node, b: Node): never {
  return fail('mul with two non-scalar factors', a, b);
}

export const neg = (x: Node): Node => mul(MINUS_ONE, x);
export const sub = (a: Node, b: Node): Node => add(a, neg(b));

/** Splits a scalar multiple into its scalar factors and its non-scalar part. */
export function splitScalars(n: Node): { scalars: Node[]; rest: Node } {
  if (n.op === 'mul' && !isScalar(n.shape)) return { scalars: n.args.slice(0, -1), rest: n.args[n.args.length - 1] };
  return { scalars: [], rest: n };
}

/** Matrix product chain. Scalar operands and scalar multiples commute out: (sA)B = s(AB). */
export function matmul(...operands: Node[]): Node {
  const scalars: Node[] = [];
  const chain: Node[] = [];
  for (const op of operands) {
    if (isScalar(op.shape) && !(op.op === 'matmul')) {
      scalars.push(op);
      continue;
    }
    const { scalars: s, rest } = splitScalars(op);
    scalars.push(...s);
    if (rest.op === 'matmul') chain.push(...rest.args);
    else chain.push(rest);
  }
  if (chain.length === 0) return mul(...scalars);
  for (let i = 1; i < chain.length; i++) {
    if (chain[i - 1].shape.cols !== chain[i].shape.rows) fail('matmul inner dimensions differ', chain[i - 1], chain[i]);
  }
  // An inner product inside a longer chain is a scalar factor: uᵀu X = (uᵀu)X, x uᵀv yᵀ = (uᵀv) x yᵀ.
  // One form for one product, whichever way it was written.
  if (chain.length > 2) {
    for (let i = 0; i < chain.length; i++) {
      if (chain[i].shape.rows !== 1) continue;
      for (let j = i + 1; j < chain.length; j++) {
        if (chain[j].shape.cols !== 1) continue;
        if (i === 0 && j === chain.length - 1) break;
        const inner = matmul(...chain.slice(i, j + 1));
        return mul(...scalars, inner, matmul(...chain.slice(0, i), ...chain.slice(j + 1)));
      }
    }
  }
  const resultShape = shape(chain[0].shape.rows, chain[chain.length - 1].shape.cols);
  let product: Node;
  if (chain.some((c) => c.op === 'zeros')) product = zeros(resultShape);
  else if (chain.length === 1) product = chain[0];
  else product = intern('matmul', chain, resultShape, null);
  return scalars.length ? mul(...scalars, product) : product;
}

/** Elementwise product of same-shape operands; scalar multiples commute out. */
export function hadamard(...operands: Node[]): Node {
  const scalars: Node[] = [];
  const factors: Node[] = [];
  for (const op of operands) {
    if (isScalar(op.shape)) {
      scalars.push(op);
      continue;
    }
    const { scalars: s, rest } = splitScalars(op);
    scalars.push(...s);
    if (rest.op === 'hadamard') factors.push(...rest.args);
    else factors.push(rest);
  }
  if (factors.length === 0) return mul(...scalars);
  for (const f of factors) if (!sameShape(f.shape, factors[0].shape)) fail('hadamard of different shapes', ...factors);
  let product: Node;
  if (factors.some((f) => f.op === 'zeros')) product = zeros(factors[0].shape);
  else if (factors.length === 1) product = factors[0];
  else product = intern('hadamard', factors, factors[0].shape, null);
  return scalars.length ? mul(...scalars, product) : product;
}

/** base^exponent; elementwise for a non-scalar base. Numeric powers of numbers fold when exact. */
export function pow(base: Node, exponent: Node | number): Node {
  const e = typeof exponent === 'number' ? num(exponent) : exponent;
  if (!isScalar(e.shape)) fail('pow with a non-scalar exponent', e);
  if (e.op === 'const') {
    if (isOne(e)) return base;
    if (e.attr.num === 0) return ones(base.shape);
    if (base.op === 'const' && Q.isInteger(e.attr)) {
      const folded = Q.pow(base.attr, e.attr);
      if (Q.isExact(folded) && Number.isFinite(folded.num)) return num(folded);
    }
  }
  return intern('pow', [base, e], base.shape, null);
}

export const div = (a: Node, b: Node): Node => {
  if (!isScalar(b.shape)) fail('division by a non-scalar', b);
  return mul(a, pow(b, MINUS_ONE));
};

/** Aᵀ; a scalar is its own transpose, (Aᵀ)ᵀ is A, and 0ᵀ is the zero of the transposed shape. */
export const transpose = (a: Node): Node => {
  if (isScalar(a.shape)) return a;
  if (a.op === 'transpose') return a.args[0];
  if (a.op === 'zeros') return zeros(transposed(a.shape));
  return intern('transpose', [a], transposed(a.shape), null);
};

export function inv(a: Node): Node {
  if (isScalar(a.shape)) return pow(a, MINUS_ONE);
  if (!isSquare(a.shape)) fail('inverse of a non-square matrix', a);
  return intern('inv', [a], a.shape, null);
}

const squareToScalar = (op: 'det' | 'trace') => (a: Node): Node => {
  if (!isSquare(a.shape)) fail(`${op} of a non-square matrix`, a);
  if (isScalar(a.shape)) return a;
  return intern(op, [a], SCALAR, null);
};
export const det = squareToScalar('det');
export const trace = squareToScalar('trace');
/** log|A|: there is no separate op, so `logdet(A)` and `log|A|` are one node. */
export const logdet = (a: Node): Node => apply({ kind: 'builtin', name: 'log' }, det(a));

export function diag(a: Node): Node {
  if (isScalar(a.shape)) return a;
  if (isColumn(a.shape)) return intern('diag', [a], shape(a.shape.rows, a.shape.rows), null);
  if (!isSquare(a.shape)) fail('diag of a non-square matrix', a);
  return intern('diag', [a], shape(a.shape.rows, 1), null);
}

export const norm = (x: Node, kind: OpAttrs['norm']): Node => intern('norm', [x], SCALAR, kind);
export const apply = (fn: ElementwiseFn, x: Node): Node => intern('apply', [x], x.shape, fn);
export const builtin = (name: Extract<ElementwiseFn, { kind: 'builtin' }>['name'], x: Node): Node => apply({ kind: 'builtin', name }, x);

export function indicator(relation: Relation, a: Node, b: Node): Node {
  const rhs = isScalar(b.shape) && !isScalar(a.shape) && isZero(b) ? zeros(a.shape) : b;
  if (!sameShape(a.shape, rhs.shape)) fail('indicator of different shapes', a, rhs);
  return intern('indicator', [a, rhs], a.shape, relation);
}

const binaryElementwise = (op: 'max' | 'min') => (a: Node, b: Node): Node => {
  const rhs = isScalar(b.shape) && !isScalar(a.shape) && isZero(b) ? zeros(a.shape) : b;
  if (!sameShape(a.shape, rhs.shape)) fail(`${op} of different shapes`, a, rhs);
  return intern(op, [a, rhs], a.shape, null);
};
export const max = binaryElementwise('max');
export const min = binaryElementwise('min');

/** softmax over the entries of a vector (column or row), and over each row of a matrix. */
export function softmax(x: Node): Node {
  return isScalar(x.shape) ? ONE : intern('softmax', [x], x.shape, null);
}

/** log softmax, over the same groups of entries as softmax; of a single number it is 0. */
export function logsoftmax(x: Node): Node {
  return isScalar(x.shape) ? ZERO : intern('logsoftmax', [x], x.shape, null);
}

export function logsumexp(x: Node): Node {
  if (!isColumn(x.shape) && !isScalar(x.shape)) fail('logsumexp of a non-vector', x);
  return isScalar(x.shape) ? x : intern('logsumexp', [x], SCALAR, null);
}

export function call(c: AbstractCall, args: readonly Node[]): Node {
  for (const a of args) if (!isScalar(a.shape)) fail(`abstract function ${c.key} of a non-scalar`, a);
  return intern('call', args, SCALAR, { ...c, partials: [...c.partials].sort((x, y) => x - y) });
}

type Maker<O extends Op> = (attr: OpAttrs[O], args: readonly Node[], shape: Shape) => Node;

/** How each op is made from its attribute, operands and (for leaves) shape: one entry per op, so a
 * new op cannot be forgotten. `rebuild` and `build/` both construct through this table. */
const makers: { [O in Op]: Maker<O> } = {
  const: (value) => num(value),
  constant: () => pi(),
  var: (v, _, s) => variable(v, s),
  dim: (name) => dimValue(name),
  identity: (_, __, s) => identity(s.rows),
  ones: (_, __, s) => ones(s),
  zeros: (_, __, s) => zeros(s),
  add: (_, a) => addAll(a),
  mul: (_, a) => mulAll(a),
  matmul: (_, a) => matmul(...a),
  hadamard: (_, a) => hadamard(...a),
  pow: (_, a) => pow(a[0], a[1]),
  transpose: (_, a) => transpose(a[0]),
  inv: (_, a) => inv(a[0]),
  det: (_, a) => det(a[0]),
  trace: (_, a) => trace(a[0]),
  diag: (_, a) => diag(a[0]),
  norm: (kind, a) => norm(a[0], kind),
  apply: (fn, a) => apply(fn, a[0]),
  indicator: (relation, a) => indicator(relation, a[0], a[1]),
  max: (_, a) => max(a[0], a[1]),
  min: (_, a) => min(a[0], a[1]),
  softmax: (_, a) => softmax(a[0]),
  logsoftmax: (_, a) => logsoftmax(a[0]),
  logsumexp: (_, a) => logsumexp(a[0]),
  call: (c, a) => call(c, a),
};

/** Makes a node of any op through its constructor. */
export function make<O extends Op>(op: O, attr: OpAttrs[O], args: readonly Node[], s: Shape): Node {
  return (makers[op] as Maker<O>)(attr, args, s);
}

/** Rebuilds `node` with new operands through the constructors (so normalization applies). */
export function rebuild(node: Node, args: readonly Node[]): Node {
  if (args.length === node.args.length && args.every((a, i) => a === node.args[i])) return node;
  return make(node.op, node.attr, args, node.shape);
}
