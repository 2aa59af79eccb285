// fast-check generators of random well-typed IR over every op, built with the smart constructors.
// Expressions are indexed by the shape they must have, so every generated tree type-checks by
// construction: `expression(shape, depth)` picks an op that can produce `shape` and generates its
// operands at the shapes the op needs. Dimensions are the symbols n and m (sizes drawn at check
// time), so shape bugs that only show with n ≠ m are caught.
//
// Values stay in the domain of every op without guards at evaluation time: log, √ and negative
// powers see `positive(e) = 2 + e ⊙ e`; inverses and determinants see `6I + tanh(E)`, which is
// strictly diagonally dominant with a positive diagonal for n ≤ 5 (so invertible, with det > 0).
import fc from 'fast-check';
import * as C from '../../src/ir/construct.ts';
import type { ElementwiseBuiltin, Node, Op } from '../../src/ir/node.ts';
import { ELEMENTWISE_BUILTINS } from '../../src/ir/node.ts';
import type { Shape } from '../../src/ir/shape.ts';
import { SCALAR, isColumn, isRow, isScalar, isSquare, shape, shapeKey, transposed } from '../../src/ir/shape.ts';
import type { Relation } from '../../src/syntax/ast.ts';

const N = 'n';
const M = 'm';

const named = (base: string, s: Shape, symmetric = false, sub?: string): Node =>
  C.variable({ key: sub ? `${base}_${sub}` : base, name: sub ? { base, sub } : { base }, symmetric }, s);

/** The variables expressions draw from, by shape. `S` is declared symmetric. */
export const VARIABLES: ReadonlyMap<string, readonly Node[]> = (() => {
  const pool = [
    named('α', SCALAR), named('β', SCALAR),
    named('x', shape(N, 1)), named('y', shape(N, 1)), named('u', shape(M, 1)),
    named('A', shape(N, N)), named('B', shape(N, N)), named('S', shape(N, N), true),
    named('P', shape(N, M)),
  ];
  const byShape = new Map<string, Node[]>();
  for (const v of pool) byShape.set(shapeKey(v.shape), [...(byShape.get(shapeKey(v.shape)) ?? []), v]);
  return byShape;
})();

/** Every shape expressions are generated at. */
const SHAPES: readonly Shape[] = [SCALAR, shape(N, 1), shape(M, 1), shape(1, N), shape(1, M), shape(N, N), shape(M, M), shape(N, M), shape(M, N)];
const DIMS = [N, M] as const;

export interface ExpressionOptions {
  /** Ops that may appear (default: all). Leaves of a shape always exist (a variable or 𝟙). */
  readonly ops?: ReadonlySet<Op>;
  /** Elementwise built-ins that may appear (default: all). */
  readonly functions?: readonly ElementwiseBuiltin[];
  /** Include the abstract elementwise Φ and the abstract scalar function f(a, b). */
  readonly abstract?: boolean;
  /** Only forms the input language can spell, for round trips through the parser: powers of scalars
   * (x^∘2 of a vector is written x ⊙ x), 𝟙 only as a column vector (a row is 𝟙ᵀ, a matrix 𝟙𝟙ᵀ),
   * |·| only of scalars. */
  readonly spellable?: boolean;
}

/** 𝟙 of a shape, spelled as users write it: a row of ones is 𝟙ᵀ, a matrix of ones 𝟙𝟙ᵀ. */
const onesOf = (s: Shape): Node =>
  isColumn(s) ? C.ones(s) : isRow(s) ? C.transpose(C.ones(transposed(s))) : C.matmul(C.ones(shape(s.rows, 1)), C.transpose(C.ones(shape(s.cols, 1))));

/** 2 + e ⊙ e (or 2 + e² for a scalar): strictly positive, for log, √ and negative powers. */
export const positive = (e: Node): Node =>
  isScalar(e.shape) ? C.add(C.num(2), C.pow(e, 2)) : C.add(C.mul(C.num(2), onesOf(e.shape)), C.hadamard(e, e));

/** 6I + tanh(E): invertible with a positive determinant for n ≤ 5 (strict diagonal dominance). */
export const wellConditioned = (e: Node): Node =>
  C.add(C.mul(C.num(6), C.identity(e.shape.rows)), C.builtin('tanh', e));

const PHI = { kind: 'abstract', name: { base: 'Φ' }, key: 'Φ', order: 0 } as const;
const F = { key: 'f', name: { base: 'f' }, partials: [] as number[] };

type Gen = fc.Arbitrary<Node>;

/** An arbitrary of expressions of the given shape and at most `depth` levels of ops. */
export function expression(target: Shape, depth: number, options: ExpressionOptions = {}): Gen {
  const allowed = (op: Op) => options.ops === undefined || options.ops.has(op);
  const functions = options.functions ?? ELEMENTWISE_BUILTINS;
  const memo = new Map<string, Gen>();

  const gen = (s: Shape, d: number): Gen => {
    const key = `${shapeKey(s)}@${d}`;
    let g = memo.get(key);
    if (!g) {
      g = build(s, d);
      memo.set(key, g);
    }
    return g;
  };

  const leaves = (s: Shape): Gen[] => {
    const out: Gen[] = [];
    const vars = VARIABLES.get(shapeKey(s)) ?? [];
    // Variables three times as likely as each other leaf: most expressions should depend on something.
    if (vars.length) out.push(fc.constantFrom(...vars), fc.constantFrom(...vars), fc.constantFrom(...vars));
    // Shapes without a variable of their own (rows, m×n) still get variable leaves: transposes.
    const transposes = isScalar(s) || vars.length ? [] : (VARIABLES.get(shapeKey(transposed(s))) ?? []).map(C.transpose);
    if (transposes.length) out.push(fc.constantFrom(...transposes));
    if (isScalar(s)) {
      if (allowed('const')) out.push(fc.constantFrom(C.num(2), C.num(-1), C.num({ num: 1, den: 2 }), C.num(3)));
      if (allowed('constant')) out.push(fc.constant(C.pi()));
      if (allowed('dim')) out.push(fc.constantFrom(C.dimValue(N), C.dimValue(M)));
    } else {
      const onesSpelled = isColumn(s) || !options.spellable;
      if (onesSpelled && allowed('ones')) out.push(fc.constant(C.ones(s)));
      if (isSquare(s) && allowed('identity')) out.push(fc.constant(C.identity(s.rows)));
    }
    if (out.length === 0 && isSquare(s)) {
      // A square shape with no variable and no I (m×m): the Gram matrix PᵀP of a variable with m columns.
      const grams = [...VARIABLES.values()].flat().filter((w) => w.shape.cols === s.cols).map((w) => C.matmul(C.transpose(w), w));
      if (grams.length) out.push(fc.constantFrom(...grams));
    }
    if (out.length === 0) throw new Error(`no leaf of shape ${shapeKey(s)} with these options`);
    return out;
  };

  const build = (s: Shape, d: number): Gen => {
    const options_: Gen[] = [...leaves(s)];
    if (d === 0) return fc.oneof(...options_);
    const sub = (t: Shape) => gen(t, d - 1);
    const two = (t: Shape, u: Shape = t) => fc.tuple(sub(t), sub(u));
    const ops: Gen[] = [];
    const when = (op: Op, g: () => Gen) => {
      if (allowed(op)) ops.push(g());
    };
    when('add', () => two(s).map(([a, b]) => C.add(a, b)));
    when('add', () => two(s).map(([a, b]) => C.sub(a, b)));
    when('mul', () => two(SCALAR, s).map(([a, b]) => C.mul(a, b)));
    when('mul', () => sub(s).map(C.neg));
    when('mul', () => two(s, SCALAR).map(([a, b]) => C.div(a, positive(b))));
    // Matrix products (inner, outer and proper) are the heart of matrix calculus: one option per inner dimension.
    for (const k of [1, N, M]) {
      const left = shape(s.rows, k);
      const right = shape(k, s.cols);
      // A product of two scalars is a scalar multiple, not a matrix product.
      if (!(isScalar(left) && isScalar(right))) when('matmul', () => two(left, right).map(([a, b]) => C.matmul(a, b)));
    }
    if (!isScalar(s)) when('hadamard', () => two(s).map(([a, b]) => C.hadamard(a, b)));
    if (isScalar(s) || !options.spellable) {
      when('pow', () => fc.tuple(sub(s), fc.constantFrom(2, 3)).map(([b, k]) => C.pow(b, k)));
      when('pow', () => fc.tuple(sub(s), fc.constantFrom(-1, -2, C.num({ num: 1, den: 2 }), C.num({ num: -1, den: 2 }))).map(([b, k]) => C.pow(positive(b), k)));
    }
    if (isScalar(s) && allowed('pow')) ops.push(two(SCALAR).map(([b, e]) => C.pow(positive(b), C.builtin('tanh', e))));
    if (!isScalar(s)) when('transpose', () => sub(transposed(s)).map(C.transpose));
    if (isSquare(s) && !isScalar(s)) when('inv', () => sub(s).map((e) => C.inv(wellConditioned(e))));
    if (isScalar(s)) {
      for (const n of DIMS) {
        when('det', () => sub(shape(n, n)).map((e) => C.det(wellConditioned(e))));
        when('det', () => sub(shape(n, n)).map((e) => C.logdet(wellConditioned(e))));
        when('trace', () => sub(shape(n, n)).map(C.trace));
        when('norm', () => sub(shape(n, 1)).map((e) => C.norm(e, '2')));
        when('norm', () => sub(shape(n, n === N ? M : N)).map((e) => C.norm(e, 'F')));
        when('logsumexp', () => sub(shape(n, 1)).map(C.logsumexp));
      }
      if (options.abstract !== false) when('call', () => two(SCALAR).map(([a, b]) => C.call(F, [a, b])));
    }
    if (isColumn(s)) {
      when('diag', () => sub(shape(s.rows, s.rows)).map(C.diag));
      when('softmax', () => sub(s).map(C.softmax));
      when('logsoftmax', () => sub(s).map(C.logsoftmax));
    }
    if (isSquare(s) && !isScalar(s)) when('diag', () => sub(shape(s.rows, 1)).map(C.diag));
    if (allowed('apply')) {
      // log and √ see positive arguments; exp a bounded one (values stay moderate); sign (derivative 0) is kept for coverage.
      const arg = (name: ElementwiseBuiltin, e: Node) => (name === 'log' || name === 'sqrt' ? positive(e) : name === 'exp' ? C.builtin('tanh', e) : e);
      // |x| is spelled with bars only for scalars (bars around a vector mean nothing; around a matrix, det).
      const usable = options.spellable && !isScalar(s) ? functions.filter((f) => f !== 'abs') : functions;
      ops.push(fc.tuple(fc.constantFrom(...usable), sub(s)).map(([name, e]) => C.builtin(name, arg(name, e))));
      if (options.abstract !== false) ops.push(sub(s).map((e) => C.apply(PHI, e)));
    }
    const relations: Relation[] = ['>', '<', '≥', '≤'];
    when('indicator', () => fc.tuple(two(s), fc.constantFrom(...relations)).map(([[a, b], r]) => C.indicator(r, a, b)));
    // max(a, a) is a kink everywhere (its subgradient is 0, its difference quotient 1): use −a for b then.
    const distinct = ([a, b]: [Node, Node]): [Node, Node] => [a, a === b ? C.neg(b) : b];
    when('max', () => two(s).map(distinct).map(([a, b]) => C.max(a, b)));
    when('min', () => two(s).map(distinct).map(([a, b]) => C.min(a, b)));
    // Leaves stay likely at every depth so trees are small and varied.
    return fc.oneof({ arbitrary: fc.oneof(...options_), weight: 1 }, { arbitrary: fc.oneof(...ops), weight: 4 });
  };

  return gen(target, depth);
}

/** A random scalar expression (the output of a loss) using shapes of every kind inside. */
export const scalarExpression = (depth: number, options?: ExpressionOptions): Gen => expression(SCALAR, depth, options);

/** A random expression of a random shape. */
export const anyExpression = (depth: number, options?: ExpressionOptions): Gen =>
  fc.constantFrom(...SHAPES).chain((s) => expression(s, depth, options));
