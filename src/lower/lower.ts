// Lowering: the shared forward + gradient DAG → one SSA program of loop-level kernels.
//
// Every IR node lowers, through one rule per op, to either
//   • a stored operand (an input, or a kernel's output; possibly viewed transposed), or
//   • a lazy element expression over the loop indices (i, j), which its consumer inlines.
// Elementwise ops are lazy, so chains fuse into the single loop that finally stores them; a node
// with several users is stored once (the DAG is hash-consed, so CSE of the forward pass into the
// backward pass is free). Non-elementwise ops become kernels: gemm/gemv with transposes as index
// swaps, reductions, and factorizations with solves instead of explicit inverses (K⁻¹B → solve).
import { ChainruleError } from '../errors.ts';
import type { ElementwiseBuiltin, Node, NodeOf, NormKind, Op, Relation } from '../ir/node.ts';
import { topoSort } from '../ir/node.ts';
import * as C from '../ir/construct.ts';
import { ELEMENTWISE } from '../ir/functions.ts';
import { isSymmetric } from '../ir/properties.ts';
import * as Q from '../ir/rational.ts';
import type { Dim } from '../ir/shape.ts';
import { describeShape } from '../ir/shape.ts';
import type { Factor, Index, Instr, Operand, Program, ScalarExpr, ScalarFn, Size, Value } from './program.ts';
import { collectFns, fn, indicesOf, isScalarValue, isTrivial, load, loadsIn, num, product, reindex, sum, swapIndices } from './program.ts';
import { fuse } from './fuse.ts';

/** A node after lowering: stored somewhere, or an element expression to inline. */
export type Lowered = { readonly kind: 'stored'; readonly operand: Operand } | { readonly kind: 'lazy'; readonly expr: ScalarExpr };

export interface LowerRoot {
  readonly node: Node;
  /** `value` for the output, the input key for a gradient. */
  readonly key: string;
  readonly label: string;
  /** The root is known symmetric (a diagonal Hessian block ∂²f/∂x²): a product that computes it
   * fills one triangle and mirrors it. */
  readonly symmetric?: boolean;
}

export interface LowerOptions {
  /** Sizes fixed at generation time (`--dims n=256`); the rest stay symbolic. */
  readonly dims?: Readonly<Record<string, number>>;
  /** The ASCII key of each variable (by variable key). */
  readonly inputKey: (variableKey: string) => string;
  /** Unicode text of a node, for comments and error messages. */
  readonly label: (node: Node) => string;
  /** Shared between the programs of one module so storage names never collide. */
  readonly ids?: { next: number };
  /** A product whose node is structurally symmetric (Aᵀdiag(s)A, BBᵀ) computes one triangle and
   * mirrors it (the hessian program: its blocks are full of these). */
  readonly symmetricProducts?: boolean;
}

const stored = (operand: Operand): Lowered => ({ kind: 'stored', operand });
const lazy = (expr: ScalarExpr): Lowered => ({ kind: 'lazy', expr });
const DIAGONAL: ScalarExpr = { k: 'diagonal' };
/** j := i: the diagonal of a matrix expression, or a row vector read along the rows. */
const jToI = (e: ScalarExpr): ScalarExpr => reindex(e, (x) => (x === 'j' ? 'i' : x));
/** Estimated size of a symbolic dimension when choosing a multiplication order. */
const ASSUMED_SIZE = 100;

/** The element (row, col) of a stored operand, reading through its transpose. */
export function elementAt(op: Operand, row: Index, col: Index): ScalarExpr {
  if (isScalarValue(op.value)) return load(op.value, 0, 0);
  return op.transposed ? load(op.value, col, row) : load(op.value, row, col);
}

const ownIndices = (rows: Dim, cols: Dim): [Index, Index] => [rows === 1 ? 0 : 'i', cols === 1 ? 0 : 'j'];

/** A factor of a matrix product being planned: shape plus how it is (or will be) available. */
interface Part {
  readonly rows: Dim;
  readonly cols: Dim;
  readonly lowered: Lowered;
}

/** A chain factor before solves are placed: an operand, or K⁻¹ / K⁻ᵀ waiting for a neighbour. */
type ChainItem = { readonly kind: 'part'; readonly part: Part } | { readonly kind: 'inverse'; readonly matrix: Node; readonly transposed: boolean; readonly rows: Dim; readonly cols: Dim };

/** The scalar function of a built-in elementwise function (a `lower` that is no `ScalarFn` fails tsc here). */
const builtinFn = (f: ElementwiseBuiltin): ScalarFn => ELEMENTWISE[f].lower;
const RELATION_FNS: Record<Relation, ScalarFn> = { '>': 'gt', '<': 'lt', '≥': 'ge', '≤': 'le' };

type Rule<O extends Op> = (node: NodeOf<O>, ctx: Lowerer) => Lowered;

/** ‖x‖ = √(Σx²). */
const rootOfSumOfSquares = (n: NodeOf<'norm'>, ctx: Lowerer): Lowered => lazy(fn('sqrt', ctx.exprOf(ctx.sumOfSquares(n.args[0]), 1, 1)));

/** A reduction of |xᵢ| over the entries: ‖x‖₁ = Σ|xᵢ| (`sum`), ‖x‖_∞ = max |xᵢ| (`maximum`). */
const reductionOfAbs = (kind: 'sum' | 'maximum') => (n: NodeOf<'norm'>, ctx: Lowerer): Lowered => {
  const x = n.args[0];
  const out = ctx.output(n);
  ctx.emit({ kind, out, rows: ctx.size(x.shape.rows), cols: ctx.size(x.shape.cols), expr: fn('abs', ctx.expr(x)) });
  return stored({ value: out, transposed: false });
};

/** Each norm kind lowered, and whether its square is lowered as Σx² (no square root to square again). */
const NORM_LOWERING: { readonly [K in NormKind]: { readonly lower: Rule<'norm'>; readonly squaredIsSumOfSquares: boolean } } = {
  '2': { lower: rootOfSumOfSquares, squaredIsSumOfSquares: true },
  F: { lower: rootOfSumOfSquares, squaredIsSumOfSquares: true },
  '1': { lower: reductionOfAbs('sum'), squaredIsSumOfSquares: false },
  '∞': { lower: reductionOfAbs('maximum'), squaredIsSumOfSquares: false },
};

function notGeneratable(what: string): never {
  throw new ChainruleError(`${what} is an abstract function: generated code needs a concrete one`, {
    hint: 'write a built-in in its place (tanh, σ, relu, softplus, exp), e.g. tanh(W⁽¹⁾x + b) for Φ(W⁽¹⁾x + b)',
  });
}

/** One lowering rule per op. Elementwise ops stay lazy; the others call a kernel of the context. */
const RULES: { [O in Op]: Rule<O> } = {
  const: (n) => lazy(num(Q.toNumber(n.attr))),
  constant: () => lazy(num(Math.PI)),
  var: (n, ctx) => stored({ value: ctx.input(n), transposed: false }),
  dim: (n, ctx) => lazy(ctx.sizeExpr(n.attr)),
  identity: () => lazy(DIAGONAL),
  ones: () => lazy(num(1)),
  zeros: () => lazy(num(0)),
  add: (n, ctx) => lazy(sum(n.args.map((a) => ctx.expr(a)))),
  // s₁⋯sₖ·T: when T is a product used only here, the scalars scale the gemm's store (no extra pass).
  mul: (n, ctx) => {
    const last = n.args[n.args.length - 1];
    const scalars = last.shape.rows === 1 && last.shape.cols === 1 ? n.args : n.args.slice(0, -1);
    const scale = product(scalars.map((a) => ctx.expr(a)));
    if (scalars.length === n.args.length) return lazy(scale);
    if (last.op === 'matmul' && ctx.usesOf(last) === 1 && !ctx.isLowered(last)) {
      const { lowered, scaled } = ctx.chain(last.args, n, scale);
      return scaled ? lowered : lazy(product([scale, ctx.exprOf(lowered, last.shape.rows, last.shape.cols)]));
    }
    return lazy(product([scale, ctx.expr(last)]));
  },
  matmul: (n, ctx) => ctx.chain(n.args, n).lowered,
  hadamard: (n, ctx) => lazy(product(n.args.map((a) => ctx.expr(a)))),
  // ‖x‖² is Σx² (no square root to square again); other powers are elementwise.
  pow: (n, ctx) => {
    const [base, exponent] = n.args;
    const e = exponent.op === 'const' ? Q.toNumber(exponent.attr) : undefined;
    if (base.op === 'norm' && NORM_LOWERING[base.attr].squaredIsSumOfSquares && e === 2) return ctx.sumOfSquares(base.args[0], n);
    const b = ctx.expr(base);
    if (e === 2) return lazy(fn('square', b));
    if (e === -1) return lazy(fn('recip', b));
    if (e === 0.5) return lazy(fn('sqrt', b));
    if (e === -2) return lazy(fn('recip', fn('square', b)));
    return lazy(fn('pow', b, ctx.expr(exponent)));
  },
  transpose: (n, ctx) => {
    const a = ctx.lower(n.args[0]);
    return a.kind === 'stored' ? stored({ value: a.operand.value, transposed: !a.operand.transposed }) : lazy(swapIndices(a.expr));
  },
  inv: (n, ctx) => ctx.inverse(n),
  det: (n, ctx) => ctx.factorScalar('det', n.args[0], n),
  trace: (n, ctx) => ctx.trace(n.args[0], n),
  // diag(v)ᵢⱼ = δᵢⱼvᵢ;  diag(A)ᵢ = Aᵢᵢ
  diag: (n, ctx) => {
    const a = n.args[0];
    return a.shape.cols === 1 ? lazy(product([DIAGONAL, ctx.expr(a)])) : lazy(jToI(ctx.expr(a)));
  },
  norm: (n, ctx) => NORM_LOWERING[n.attr].lower(n, ctx),
  apply: (n, ctx) => {
    const f = n.attr;
    const arg = n.args[0];
    if (f.kind === 'abstract') return notGeneratable(ctx.label(n));
    // log|K| from the factorization's diagonal: no overflow of det K, no separate determinant.
    if (f.name === 'log' && arg.op === 'det') return ctx.factorScalar('logdet', arg.args[0], n);
    // log σ(x) = −softplus(−x): finite at x = −1000, where σ(x) underflows to 0.
    if (f.name === 'log' && arg.op === 'apply' && arg.attr.kind === 'builtin' && arg.attr.name === 'σ') return lazy(fn('logSigmoid', ctx.expr(arg.args[0])));
    return lazy(fn(builtinFn(f.name), ctx.expr(arg)));
  },
  indicator: (n, ctx) => lazy(fn(RELATION_FNS[n.attr], ctx.expr(n.args[0]), ctx.expr(n.args[1]))),
  max: (n, ctx) => lazy(fn('max', ctx.expr(n.args[0]), ctx.expr(n.args[1]))),
  min: (n, ctx) => lazy(fn('min', ctx.expr(n.args[0]), ctx.expr(n.args[1]))),
  softmax: (n, ctx) => {
    const out = ctx.output(n);
    ctx.emit({ kind: 'softmax', out, x: ctx.expr(n.args[0]) });
    return stored({ value: out, transposed: false });
  },
  // log softmax: the same pass, ending in xᵢ − m − log Σ exp(xⱼ − m) instead of the quotient.
  logsoftmax: (n, ctx) => {
    const out = ctx.output(n);
    ctx.emit({ kind: 'softmax', out, x: ctx.expr(n.args[0]), log: true });
    return stored({ value: out, transposed: false });
  },
  logsumexp: (n, ctx) => {
    const out = ctx.output(n);
    ctx.emit({ kind: 'logsumexp', out, n: ctx.size(n.args[0].shape.rows), x: ctx.expr(n.args[0]) });
    return stored({ value: out, transposed: false });
  },
  call: (n, ctx) => notGeneratable(ctx.label(n)),
};

/** Lowers the roots (output first, then gradients) into one program; shared work is done once. */
export function lower(roots: readonly LowerRoot[], options: LowerOptions): Program {
  const ctx = new Lowerer(roots, options);
  const results = roots.map((r) => ({ key: r.key, value: ctx.root(r) }));
  return ctx.finish(results);
}

export class Lowerer {
  private readonly instrs: Instr[] = [];
  private readonly values: Value[] = [];
  private readonly factors: Factor[] = [];
  private readonly memo = new Map<Node, Lowered>();
  private readonly uses = new Map<Node, number>();
  /** Where a root must end up: the output scalar or a gradient buffer. */
  private readonly targets = new Map<Node, Value>();
  /** Targets of roots known symmetric: a gemm writing one computes a triangle and mirrors it. */
  private readonly symmetricTargets = new Set<Value>();
  private readonly inputs = new Map<string, Value>();
  private readonly factorOf = new Map<Node, Factor>();
  private readonly solves = new Map<string, Value>();
  private readonly symbolicSizes = new Set<string>();
  private readonly ids: { next: number };

  constructor(
    roots: readonly LowerRoot[],
    private readonly options: LowerOptions,
  ) {
    this.ids = options.ids ?? { next: 1 };
    for (const node of topoSort(roots.map((r) => r.node))) for (const a of node.args) this.uses.set(a, (this.uses.get(a) ?? 0) + 1);
    for (const r of roots) {
      this.uses.set(r.node, (this.uses.get(r.node) ?? 0) + 1);
      if (!this.targets.has(r.node)) this.targets.set(r.node, this.newValue(r.node.shape.rows, r.node.shape.cols, 'result', r.label, r.key));
      if (r.symmetric && r.node.shape.rows === r.node.shape.cols) this.symmetricTargets.add(this.targets.get(r.node) as Value);
    }
  }

  /** The result value of a root, computed into its target. */
  root(r: LowerRoot): Value {
    const target = this.targets.get(r.node) as Value;
    const l = this.lower(r.node);
    if (l.kind === 'stored' && l.operand.value === target) return target;
    // The same node is also the result under another key, or is an input itself: copy it.
    const [row, col] = ownIndices(r.node.shape.rows, r.node.shape.cols);
    const out = this.newValue(r.node.shape.rows, r.node.shape.cols, 'result', r.label, r.key);
    this.emit({ kind: 'map', out, expr: this.exprOf(l, r.node.shape.rows, r.node.shape.cols, row, col) });
    return out;
  }

  finish(results: { key: string; value: Value }[]): Program {
    const scalarFns = new Set<ScalarFn>();
    for (const i of this.instrs) {
      if (i.kind === 'map' || i.kind === 'sum' || i.kind === 'maximum' || i.kind === 'softmax' || i.kind === 'logsumexp') collectFns('expr' in i ? i.expr : i.x, scalarFns);
      if (i.kind === 'reduce') collectFns(i.expr, scalarFns);
      if ((i.kind === 'gemm' || i.kind === 'reduce') && i.scale) collectFns(i.scale, scalarFns);
    }
    const kept = new Set(results.map((r) => r.value));
    return { instrs: fuse(this.instrs, kept), values: this.values, factors: this.factors, results, sizes: [...this.symbolicSizes], scalarFns };
  }

  // ---- the interface rules use ----------------------------------------------------------------

  lower(node: Node): Lowered {
    const known = this.memo.get(node);
    if (known) return known;
    let l = (RULES[node.op] as Rule<Op>)(node as NodeOf<Op>, this);
    const target = this.targets.get(node);
    if (target && !(l.kind === 'stored' && l.operand.value === target) && node.op !== 'var') l = this.store(l, node, target);
    else if (l.kind === 'lazy' && !isTrivial(l.expr) && (this.uses.get(node) ?? 0) > 1) l = this.store(l, node, this.output(node));
    this.memo.set(node, l);
    return l;
  }

  isLowered = (node: Node): boolean => this.memo.has(node);
  usesOf = (node: Node): number => this.uses.get(node) ?? 0;
  label = (node: Node): string => this.options.label(node);

  /** The element expression of a node at its own indices. */
  expr(node: Node): ScalarExpr {
    return this.exprOf(this.lower(node), node.shape.rows, node.shape.cols);
  }

  exprOf(l: Lowered, rows: Dim, cols: Dim, row?: Index, col?: Index): ScalarExpr {
    const [r, c] = ownIndices(rows, cols);
    if (l.kind === 'stored') return elementAt(l.operand, row ?? r, col ?? c);
    if (row === undefined && col === undefined) return l.expr;
    // Rename the node's own indices to the requested ones.
    return reindex(l.expr, (x) => (x === 'i' ? (row ?? r) : x === 'j' ? (col ?? c) : x));
  }

  /** The node as stored data (lazy expressions are written to a buffer first). */
  operand(node: Node): Operand {
    const l = this.lower(node);
    if (l.kind === 'stored') return l.operand;
    const s = this.store(l, node, this.output(node));
    this.memo.set(node, s);
    return (s as Extract<Lowered, { kind: 'stored' }>).operand;
  }

  /** Where a node's kernel writes: its root target, or a fresh temporary. */
  output(node: Node): Value {
    return this.targets.get(node) ?? this.newValue(node.shape.rows, node.shape.cols, 'temp', this.label(node));
  }

  emit(instr: Instr): void {
    this.instrs.push(instr);
  }

  size(d: Dim): Size {
    if (typeof d === 'number') return d;
    const fixed = this.options.dims?.[d];
    if (fixed !== undefined) return fixed;
    this.symbolicSizes.add(d);
    return d;
  }

  sizeExpr(d: string): ScalarExpr {
    const s = this.size(d);
    return typeof s === 'number' ? num(s) : { k: 'size', dim: s };
  }

  input(n: NodeOf<'var'>): Value {
    const key = this.options.inputKey(n.attr.key);
    let v = this.inputs.get(key);
    if (!v) {
      v = this.newValue(n.shape.rows, n.shape.cols, 'input', this.label(n), key);
      this.inputs.set(key, v);
    }
    return v;
  }

  // ---- kernels ---------------------------------------------------------------------------------

  /** Σ xᵢⱼ² as a stored scalar. */
  sumOfSquares(x: Node, node?: Node): Lowered {
    const e = this.expr(x);
    const out = node ? this.output(node) : this.newValue(1, 1, 'temp', `‖${this.label(x)}‖²`);
    this.emit({ kind: 'sum', out, rows: this.size(x.shape.rows), cols: this.size(x.shape.cols), expr: fn('square', e) });
    return stored({ value: out, transposed: false });
  }

  /** tr(A) = Σᵢ Aᵢᵢ; tr(A₁⋯Aₖ) = Σᵢⱼ (A₁⋯Aₖ₋₁)ᵢⱼ(Aₖ)ⱼᵢ without forming the product. */
  trace(a: Node, node: Node): Lowered {
    const out = this.output(node);
    if (a.op === 'matmul' && this.usesOf(a) === 1 && !this.isLowered(a)) {
      const parts = this.placeSolves(this.chainItems(a.args));
      if (parts.length === 1) {
        // tr(K⁻¹B) = tr(solve(K, B)): the diagonal of the one remaining factor.
        const only = parts[0];
        this.emit({ kind: 'sum', out, rows: this.size(only.rows), cols: 1, expr: jToI(this.exprOf(only.lowered, only.rows, only.cols)) });
        return stored({ value: out, transposed: false });
      }
      const last = parts[parts.length - 1];
      const first = parts.length === 2 ? parts[0] : this.multiplyChain(parts.slice(0, -1));
      const left = this.exprOf(first.lowered, first.rows, first.cols, first.rows === 1 ? 0 : 'i', first.cols === 1 ? 0 : 'j');
      const right = this.exprOf(last.lowered, last.rows, last.cols, last.rows === 1 ? 0 : 'j', last.cols === 1 ? 0 : 'i');
      this.emit({ kind: 'sum', out, rows: this.size(first.rows), cols: this.size(first.cols), expr: product([left, right]) });
      return stored({ value: out, transposed: false });
    }
    this.emit({ kind: 'sum', out, rows: this.size(a.shape.rows), cols: 1, expr: jToI(this.expr(a)) });
    return stored({ value: out, transposed: false });
  }

  /** A⁻¹ on its own (not next to something to solve for): the explicit inverse from the factor. */
  inverse(n: NodeOf<'inv'>): Lowered {
    const factor = this.factor(n.args[0]);
    const out = this.output(n);
    this.emit({ kind: 'inverse', out, factor });
    return stored({ value: out, transposed: false });
  }

  factorScalar(kind: 'det' | 'logdet', matrix: Node, node: Node): Lowered {
    const factor = this.factor(matrix);
    const out = this.output(node);
    this.emit({ kind, out, factor });
    return stored({ value: out, transposed: false });
  }

  private factor(matrix: Node): Factor {
    let f = this.factorOf.get(matrix);
    if (!f) {
      f = { id: this.ids.next++, matrix: this.operand(matrix), n: this.size(matrix.shape.rows), symmetric: isSymmetric(matrix), label: this.label(matrix) };
      this.factors.push(f);
      this.factorOf.set(matrix, f);
      this.emit({ kind: 'factor', factor: f });
    }
    return f;
  }

  /** A₁⋯Aₖ: inverses become solves, then the cheapest multiplication order; the last product
   * is written to the node's target and scaled by `scale` when it is a gemm. */
  chain(args: readonly Node[], node: Node, scale?: ScalarExpr): { lowered: Lowered; scaled: boolean } {
    const items = this.scaleByDiagonals(args);
    // xᵀAy: one double loop, no temporary.
    if (items.length === 3 && items.every((i) => i.kind === 'part')) {
      const [a, m, b] = items.map((i) => (i as { part: Part }).part);
      if (a.rows === 1 && b.cols === 1 && m.rows !== 1 && m.cols !== 1) {
        const out = scale ? this.temp(1, 1, this.label(node)) : this.output(node);
        const expr = product([this.exprOf(a.lowered, a.rows, a.cols, 0, 'i'), this.exprOf(m.lowered, m.rows, m.cols, 'i', 'j'), this.exprOf(b.lowered, b.rows, b.cols, 'j', 0)]);
        this.emit({ kind: 'sum', out, rows: this.size(m.rows), cols: this.size(m.cols), expr });
        return { lowered: stored({ value: out, transposed: false }), scaled: false };
      }
    }
    const parts = this.placeSolves(items);
    if (parts.length === 1) return { lowered: parts[0].lowered, scaled: false };
    const shapes = parts.map((p): [number, number] => [estimate(p.rows, this.options.dims), estimate(p.cols, this.options.dims)]);
    if (parts.length > MAX_ORDERED_CHAIN) {
      // Too long for the cubic search (a 20 000-factor product needs 3·10⁸ table entries): multiply
      // from the cheaper end, one factor at a time (from a vector's end, every product is matrix × vector).
      const fromRight = sequentialCost(shapes.slice().reverse().map(([r, c]) => [c, r])) < sequentialCost(shapes);
      let acc = fromRight ? parts[parts.length - 1] : parts[0];
      for (let k = 1; k < parts.length; k++) {
        const last = k === parts.length - 1;
        const next = fromRight ? parts[parts.length - 1 - k] : parts[k];
        const product = fromRight ? this.multiply(next, acc, last ? node : undefined, last ? scale : undefined) : this.multiply(acc, next, last ? node : undefined, last ? scale : undefined);
        if (last) return { lowered: product.part.lowered, scaled: product.scaled };
        acc = product.part;
      }
    }
    const order = chainOrder(shapes);
    const build = (lo: number, hi: number, final: boolean): { part: Part; scaled: boolean } => {
      if (lo === hi) return { part: parts[lo], scaled: false };
      const split = order[lo][hi];
      const left = build(lo, split, false).part;
      const right = build(split + 1, hi, false).part;
      return this.multiply(left, right, final ? node : undefined, final ? scale : undefined);
    };
    const { part, scaled } = build(0, parts.length - 1, true);
    return { lowered: part.lowered, scaled };
  }

  /** diag(v)M scales the rows of M and M diag(v) its columns: a diagonal factor joins its neighbour's
   * expression (vᵢMᵢⱼ, Mᵢⱼvⱼ) instead of being stored n×n and multiplied (Xᵀdiag(s)X: N·d², not N²·d).
   * The diagonal itself is never lowered then, so nothing computes or stores it. */
  private scaleByDiagonals(args: readonly Node[]): ChainItem[] {
    const diagonalOf = (a: Node | undefined): Node | undefined =>
      a && a.op === 'diag' && a.args[0].shape.cols === 1 && a.args[0].shape.rows !== 1 && !this.isLowered(a) ? a.args[0] : undefined;
    const out: ChainItem[] = [];
    for (let k = 0; k < args.length; k++) {
      const diagonal = diagonalOf(args[k]);
      const next = args[k + 1];
      const prev = out[out.length - 1];
      if (diagonal && next !== undefined && !diagonalOf(next)) {
        const [m] = this.chainItems([next]);
        if (m.kind === 'part') {
          const [r] = ownIndices(m.part.rows, m.part.cols);
          const lowered = lazy(product([this.exprOf(this.lower(diagonal), diagonal.shape.rows, 1, r, 0), this.exprOf(m.part.lowered, m.part.rows, m.part.cols)]));
          out.push({ kind: 'part', part: { rows: m.part.rows, cols: m.part.cols, lowered } });
          k++;
          continue;
        }
        out.push(...this.chainItems([args[k]]), m);
        k++;
        continue;
      }
      if (diagonal && prev?.kind === 'part') {
        const m = prev.part;
        const [, c] = ownIndices(m.rows, m.cols);
        const lowered = lazy(product([this.exprOf(m.lowered, m.rows, m.cols), this.exprOf(this.lower(diagonal), diagonal.shape.rows, 1, c, 0)]));
        out[out.length - 1] = { kind: 'part', part: { rows: m.rows, cols: m.cols, lowered } };
        continue;
      }
      out.push(...this.chainItems([args[k]]));
    }
    return out;
  }

  private chainItems(args: readonly Node[]): ChainItem[] {
    return args.map((a): ChainItem => {
      const inverse = a.op === 'inv' ? a : a.op === 'transpose' && a.args[0].op === 'inv' ? a.args[0] : undefined;
      if (inverse && !this.isLowered(a) && !this.isLowered(inverse)) {
        return { kind: 'inverse', matrix: inverse.args[0], transposed: a.op === 'transpose', rows: a.shape.rows, cols: a.shape.cols };
      }
      return { kind: 'part', part: { rows: a.shape.rows, cols: a.shape.cols, lowered: this.lower(a) } };
    });
  }

  /** K⁻¹R → solve(K, R); LK⁻¹ → solve(Kᵀ, Lᵀ)ᵀ (= solve(K, Lᵀ)ᵀ for symmetric K). A solve already
   * computed is reused (BᵀK⁻¹ is the transpose of K⁻¹B when K is symmetric); otherwise the side
   * with fewer right-hand sides wins. */
  private placeSolves(items: ChainItem[]): Part[] {
    const work = [...items];
    for (let p = work.findIndex((x) => x.kind === 'inverse'); p >= 0; p = work.findIndex((x) => x.kind === 'inverse')) {
      const item = work[p] as Extract<ChainItem, { kind: 'inverse' }>;
      const symmetric = isSymmetric(item.matrix);
      const right = work[p + 1]?.kind === 'part' ? (work[p + 1] as { part: Part }).part : undefined;
      const left = work[p - 1]?.kind === 'part' ? (work[p - 1] as { part: Part }).part : undefined;
      type Plan = { side: 'left' | 'right'; b: Operand; transposedSystem: boolean; cost: number; key: string };
      const plans: Plan[] = [];
      if (right) {
        const b = this.asOperand(right);
        const transposedSystem = item.transposed && !symmetric;
        plans.push({ side: 'right', b, transposedSystem, cost: estimate(right.cols, this.options.dims), key: solveKey(item.matrix, b, transposedSystem) });
      }
      if (left) {
        const l = this.asOperand(left);
        const b = { value: l.value, transposed: !l.transposed };
        const transposedSystem = !item.transposed && !symmetric;
        plans.push({ side: 'left', b, transposedSystem, cost: estimate(left.rows, this.options.dims), key: solveKey(item.matrix, b, transposedSystem) });
      }
      if (plans.length === 0) {
        const operand = this.operand(C.inv(item.matrix));
        work[p] = { kind: 'part', part: { rows: item.rows, cols: item.cols, lowered: stored({ ...operand, transposed: item.transposed }) } };
        continue;
      }
      const plan = plans.find((x) => this.solves.has(x.key)) ?? plans.reduce((best, x) => (x.cost < best.cost ? x : best));
      let out = this.solves.get(plan.key);
      if (!out) {
        const factor = this.factor(item.matrix);
        const [rows, cols] = [item.rows, plan.side === 'right' ? right!.cols : left!.rows];
        out = this.newValue(rows, cols, 'temp', `solve(${factor.label}, ${plan.b.value.label}${plan.b.transposed ? 'ᵀ' : ''})`);
        this.emit({ kind: 'solve', out, factor, b: plan.b, transposedSystem: plan.transposedSystem });
        this.solves.set(plan.key, out);
      }
      if (plan.side === 'right') {
        work.splice(p, 2, { kind: 'part', part: { rows: item.rows, cols: right!.cols, lowered: stored({ value: out, transposed: false }) } });
      } else {
        work.splice(p - 1, 2, { kind: 'part', part: { rows: left!.rows, cols: item.cols, lowered: stored({ value: out, transposed: true }) } });
      }
    }
    return work.map((x) => (x as { part: Part }).part);
  }

  private multiplyChain(parts: Part[]): Part {
    let acc = parts[0];
    for (let k = 1; k < parts.length; k++) acc = this.multiply(acc, parts[k]).part;
    return acc;
  }

  /** One product by shape: scalar scaling and outer products stay lazy (they fuse into their
   * consumer), a dot product is a reduction, everything else a gemm/gemv. */
  private multiply(a: Part, b: Part, node?: Node, scale?: ScalarExpr): { part: Part; scaled: boolean } {
    const rows = a.rows;
    const cols = b.cols;
    const shape = { rows, cols };
    const aScalar = a.rows === 1 && a.cols === 1;
    const bScalar = b.rows === 1 && b.cols === 1;
    if (aScalar || bScalar) {
      const [s, t] = aScalar ? [a, b] : [b, a];
      return { part: { ...shape, rows: t.rows, cols: t.cols, lowered: lazy(product([this.exprOf(s.lowered, 1, 1), this.exprOf(t.lowered, t.rows, t.cols)])) }, scaled: false };
    }
    if (a.cols === 1) {
      // Outer product uvᵀ: element (i, j) = uᵢvⱼ, never stored unless a consumer needs it.
      const expr = product([this.exprOf(a.lowered, a.rows, 1, 'i', 0), this.exprOf(b.lowered, 1, b.cols, 0, 'j')]);
      return { part: { ...shape, lowered: lazy(expr) }, scaled: false };
    }
    if (rows === 1 && cols === 1) {
      // aᵀb = Σᵢ aᵢbᵢ; 𝟙ᵀx = Σᵢ xᵢ (the ones vector is the constant 1, never stored).
      const out = node && !scale ? this.output(node) : this.temp(rows, cols, `(${a.rows}×${a.cols})·(${b.rows}×${b.cols})`);
      const expr = product([this.exprOf(a.lowered, 1, a.cols, 0, 'i'), this.exprOf(b.lowered, b.rows, 1, 'i', 0)]);
      this.emit({ kind: 'sum', out, rows: this.size(a.cols), cols: 1, expr });
      return { part: { ...shape, lowered: stored({ value: out, transposed: false }) }, scaled: false };
    }
    if (rows === 1 || cols === 1) return this.matrixVector(a, b, node, scale);
    const out = node ? this.output(node) : this.temp(rows, cols, `(${a.rows}×${a.cols})·(${b.rows}×${b.cols})`);
    const opA = this.asOperand(a);
    const opB = this.asOperand(b);
    // A result known symmetric fills one triangle, in every loop order but AᵀBᵀ (read down columns: it stays whole).
    const aAlongP = !opA.transposed || opA.value.rows === 1 || opA.value.cols === 1;
    const bAlongP = opB.transposed || opB.value.rows === 1 || opB.value.cols === 1;
    const knownSymmetric = this.symmetricTargets.has(out) || (this.options.symmetricProducts === true && node !== undefined && isSymmetric(node));
    const symmetric = (opA.value === opB.value && opA.transposed !== opB.transposed) || (knownSymmetric && (aAlongP || !bAlongP));
    this.emit({ kind: 'gemm', out, a: opA, b: opB, inner: this.size(a.cols), scale, symmetric });
    return { part: { ...shape, lowered: stored({ value: out, transposed: false }) }, scaled: scale !== undefined };
  }

  /** A·b (m×k · k×1) or aᵀB (1×k · k×n): a reduction over the matrix side's element space, so a
   * lazy matrix side (the masked adjoint Φ′(z) ⊙ W⁽²⁾ᵀr) is read in place and never stored. The
   * vector side is an element factor of the sum when it is constant along it (𝟙, s𝟙): then
   *   X𝟙 = row sums  (X𝟙)ᵢ = Σⱼ Xᵢⱼ,   𝟙ᵀX = column sums  (𝟙ᵀX)ⱼ = Σᵢ Xᵢⱼ,
   * and ones are never materialized; any other lazy vector is stored once (k values) rather than
   * recomputed for every row. The sum is oriented so that stored matrices are read along rows. */
  private matrixVector(a: Part, b: Part, node?: Node, scale?: ScalarExpr): { part: Part; scaled: boolean } {
    const rowVector = a.rows === 1;
    const [matrix, vector] = rowVector ? [b, a] : [a, b];
    const varies = vector.lowered.kind === 'stored' || indicesOf(vector.lowered.expr).size > 0;
    const vectorLowered = vector.lowered.kind === 'lazy' && varies ? stored(this.asOperand(vector)) : vector.lowered;
    // A·b: out[i] = Σⱼ A(i, j)·b(j);  aᵀB: out[j] = Σᵢ a(i)·B(i, j).
    const v = rowVector ? this.exprOf(vectorLowered, 1, vector.cols, 0, 'i') : this.exprOf(vectorLowered, vector.rows, 1, 'j', 0);
    let expr = product([this.exprOf(matrix.lowered, matrix.rows, matrix.cols, 'i', 'j'), v]);
    let along: 'i' | 'j' = rowVector ? 'i' : 'j';
    let [rows, cols] = [matrix.rows, matrix.cols];
    if (readsDownColumns(expr)) {
      // op(A) = Aᵀ: sum over the other index of A's stored layout (out[j] += A[i, j]·bᵢ).
      expr = swapIndices(expr);
      along = along === 'i' ? 'j' : 'i';
      [rows, cols] = [cols, rows];
    }
    const out = node ? this.output(node) : this.temp(a.rows, b.cols, `(${a.rows}×${a.cols})·(${b.rows}×${b.cols})`);
    this.emit({ kind: 'reduce', out, rows: this.size(rows), cols: this.size(cols), along, expr, scale });
    return { part: { rows: a.rows, cols: b.cols, lowered: stored({ value: out, transposed: false }) }, scaled: scale !== undefined };
  }

  private asOperand(p: Part): Operand {
    if (p.lowered.kind === 'stored') return p.lowered.operand;
    const out = this.newValue(p.rows, p.cols, 'temp', 'product factor');
    this.emit({ kind: 'map', out, expr: p.lowered.expr });
    return { value: out, transposed: false };
  }

  private store(l: Lowered, node: Node, out: Value): Lowered {
    const [row, col] = ownIndices(node.shape.rows, node.shape.cols);
    this.emit({ kind: 'map', out, expr: this.exprOf(l, node.shape.rows, node.shape.cols, row, col) });
    return stored({ value: out, transposed: false });
  }

  private temp(rows: Dim, cols: Dim, label: string): Value {
    return this.newValue(rows, cols, 'temp', label);
  }

  private newValue(rows: Dim, cols: Dim, role: Value['role'], label: string, key?: string): Value {
    const v: Value = { id: this.ids.next++, rows: this.size(rows), cols: this.size(cols), role, label, key };
    this.values.push(v);
    return v;
  }
}

/** Whether an element expression reads more stored matrices down their columns (A[j, i]) than
 * along their rows (A[i, j]): then the loops should run the other way round. */
function readsDownColumns(e: ScalarExpr): boolean {
  let across = 0;
  for (const l of loadsIn(e)) {
    if (l.value.rows === 1 || l.value.cols === 1) continue;
    if (l.row === 'j' && l.col === 'i') across++;
    else if (l.row === 'i' && l.col === 'j') across--;
  }
  return across > 0;
}

const solveKey = (matrix: Node, b: Operand, transposedSystem: boolean): string => `${matrix.id}|${b.value.id}|${b.transposed}|${transposedSystem}`;

function estimate(d: Dim, dims: Readonly<Record<string, number>> | undefined): number {
  return typeof d === 'number' ? d : (dims?.[d] ?? ASSUMED_SIZE);
}

/** The longest product ordered by the matrix-chain search (cubic time, quadratic memory); longer
 * ones are multiplied from one end (see `chain`). */
export const MAX_ORDERED_CHAIN = 64;

/** Multiply-adds of A₁⋯Aₖ multiplied left to right, from each factor's [rows, cols]. */
function sequentialCost(shapes: readonly [number, number][]): number {
  let cost = 0;
  for (let k = 1; k < shapes.length; k++) cost += shapes[0][0] * shapes[k][0] * shapes[k][1];
  return cost;
}

/** Matrix-chain order by dynamic programming: split[i][j] is where A_i⋯A_j is best divided. */
function chainOrder(shapes: readonly [number, number][]): number[][] {
  const k = shapes.length;
  const cost = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const split = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let len = 2; len <= k; len++) {
    for (let i = 0; i + len - 1 < k; i++) {
      const j = i + len - 1;
      cost[i][j] = Infinity;
      for (let s = i; s < j; s++) {
        const c = cost[i][s] + cost[s + 1][j] + shapes[i][0] * shapes[s][1] * shapes[j][1];
        if (c < cost[i][j]) {
          cost[i][j] = c;
          split[i][j] = s;
        }
      }
    }
  }
  return split;
}

/** Shape text for messages. */
export const shapeText = (n: Node): string => describeShape(n.shape);
