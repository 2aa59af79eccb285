// Loop-level kernels: one emitter per instruction kind, each building code AST. Loop orders are
// chosen so the innermost loop walks memory contiguously (row-major): dot-product form when both
// operands run along rows, axpy form (out[i,:] += a·B[p,:]) otherwise. Loop-invariant parts of
// element expressions are hoisted to the loop level that owns them (uᵢ in uᵢvⱼ, row offsets i·n),
// because V8 cannot hoist typed-array loads past stores into another typed array (they may alias).
import type { Expr, Stmt } from './ast.ts';
import * as A from './ast.ts';
import type { Factor, Index, Instr, InstrKind, Operand, ScalarExpr, ScalarFn, Size, Value } from '../lower/program.ts';
import { gemmOrder, indicesOf, isScalarValue, valuesIn } from '../lower/program.ts';

/** Names and storage the kernels refer to, owned by the module emitter. */
export interface KernelContext {
  /** The local holding a value: a number, or the Float64Array alias of its storage. */
  value(v: Value): Expr;
  /** A size: a literal when specialized, else the local holding it. */
  size(s: Size): Expr;
  /** A fresh identifier, unique in the module. */
  fresh(hint: string): string;
  /** Loop index names, reserved module-wide. */
  readonly loop: { readonly i: string; readonly j: string; readonly p: string };
  /** Locals of a factorization: factor data, pivots, whether Cholesky succeeded, the singular column. */
  factor(f: Factor): { data: string; pivots: string; cholesky: string; singular: string };
  /** The Unicode text of a formula, for error messages. */
}

/** How each scalar function prints; helpers (sigmoid, softplus, …) are emitted by the module. */
export const SCALAR_FN_CODE: { [F in ScalarFn]: (args: Expr[]) => Expr } = {
  // x + (−y) prints as x − y.
  add: (a) => a.reduce((x, y) => (y.k === 'unary' && y.op === '-' ? A.bin('-', x, y.arg) : y.k === 'num' && y.value < 0 ? A.bin('-', x, A.num(-y.value)) : A.bin('+', x, y))),
  mul: (a) => a.reduce((x, y) => A.bin('*', x, y)),
  neg: ([x]) => A.neg(x),
  recip: ([x]) => A.bin('/', A.num(1), x),
  pow: ([x, e]) => A.bin('**', x, e),
  square: ([x]) => (x.k === 'id' || x.k === 'index' ? A.bin('*', x, x) : A.call('sq', x)),
  exp: ([x]) => A.mathCall('exp', x),
  log: ([x]) => A.mathCall('log', x),
  sqrt: ([x]) => A.mathCall('sqrt', x),
  sigmoid: ([x]) => A.call('sigmoid', x),
  logSigmoid: ([x]) => A.call('logSigmoid', x),
  tanh: ([x]) => A.mathCall('tanh', x),
  relu: ([x]) => A.call('relu', x),
  softplus: ([x]) => A.call('softplus', x),
  abs: ([x]) => A.mathCall('abs', x),
  sign: ([x]) => A.mathCall('sign', x),
  sin: ([x]) => A.mathCall('sin', x),
  cos: ([x]) => A.mathCall('cos', x),
  tan: ([x]) => A.mathCall('tan', x),
  arctan: ([x]) => A.mathCall('atan', x),
  sinh: ([x]) => A.mathCall('sinh', x),
  cosh: ([x]) => A.mathCall('cosh', x),
  log1p: ([x]) => A.mathCall('log1p', x),
  expm1: ([x]) => A.mathCall('expm1', x),
  erf: ([x]) => A.call('erf', x),
  max: ([x, y]) => A.mathCall('max', x, y),
  min: ([x, y]) => A.mathCall('min', x, y),
  // 𝟙[x > y] as +(x > y): 1 or 0 without a branch. A mask such as 𝟙[W₁X + b₁𝟙ᵀ > 0] changes with
  // every minibatch, and a mispredicted branch per element cost more than the whole multiply.
  gt: ([x, y]) => A.toNumber(A.bin('>', x, y)),
  lt: ([x, y]) => A.toNumber(A.bin('<', x, y)),
  ge: ([x, y]) => A.toNumber(A.bin('>=', x, y)),
  le: ([x, y]) => A.toNumber(A.bin('<=', x, y)),
};

/** One loop of a kernel: which element index it runs and how far. */
interface Loop {
  readonly index: Index;
  readonly name: string;
  readonly extent: Size;
}

/** Compiles element expressions inside a loop nest, hoisting what does not depend on inner loops.
 * levels[0] runs before the loops, levels[d] inside loop d − 1 before loop d. */
class ElementCompiler {
  readonly levels: Stmt[][];
  /** Hoisted sub-expressions by structure, so equal ones (db₂ᵢ read by two members) share a local. */
  private readonly hoisted = new Map<string, string>();
  private readonly offsets = new Map<string, string>();

  constructor(
    private readonly ctx: KernelContext,
    readonly loops: readonly Loop[],
    /** Values of a fused nest held in locals: a load of one reads the local. */
    private readonly bound: ReadonlyMap<Value, Expr> = new Map(),
  ) {
    this.levels = Array.from({ length: loops.length + 1 }, () => []);
  }

  private levelOfIndex(x: Index): number {
    if (x === 0) return 0;
    const at = this.loops.findIndex((l) => l.index === x);
    return at + 1;
  }

  levelOf(e: ScalarExpr): number {
    let level = 0;
    for (const x of indicesOf(e)) level = Math.max(level, this.levelOfIndex(x));
    return level;
  }

  indexName(x: Index): Expr {
    if (x === 0) return A.num(0);
    const loop = this.loops.find((l) => l.index === x);
    return loop ? A.id(loop.name) : A.num(0);
  }

  /** The expression for e at loop depth `depth` (default: innermost). */
  compile(e: ScalarExpr, depth = this.loops.length): Expr {
    const need = this.levelOf(e);
    const worthHoisting = e.k === 'fn' || (e.k === 'load' && !isScalarValue(e.value));
    if (need < depth && worthHoisting) {
      const key = structureKey(e);
      let name = this.hoisted.get(key);
      if (!name) {
        name = this.ctx.fresh('h');
        this.levels[need].push(A.constDecl(name, this.compile(e, need)));
        this.hoisted.set(key, name);
      }
      return A.id(name);
    }
    switch (e.k) {
      case 'num':
        return A.num(e.value);
      case 'size':
        return this.ctx.size(e.dim);
      case 'diagonal':
        return A.cond(A.bin('===', this.indexName('i'), this.indexName('j')), A.num(1), A.num(0));
      case 'load': {
        const local = this.bound.get(e.value);
        if (local) return local;
        return isScalarValue(e.value) ? this.ctx.value(e.value) : A.index(this.ctx.value(e.value), this.flat(e.value, e.row, e.col, depth));
      }
      case 'fn': {
        // In a sum or product, the operands that do not depend on the inner loops are combined
        // (and hoisted) first: 2·uᵢ·vⱼ computes 2·uᵢ once per row.
        if ((e.fn === 'mul' || e.fn === 'add') && e.args.length > 2 && depth > 0) {
          const invariant = e.args.filter((a) => this.levelOf(a) < depth);
          if (invariant.length >= 2 && invariant.length < e.args.length) {
            const grouped = this.grouped(e, invariant);
            const rest = e.args.filter((a) => this.levelOf(a) >= depth);
            return SCALAR_FN_CODE[e.fn]([this.compile(grouped, depth), ...rest.map((a) => this.compile(a, depth))]);
          }
        }
        return SCALAR_FN_CODE[e.fn](e.args.map((a) => this.compile(a, depth)));
      }
    }
  }

  private readonly groups = new Map<ScalarExpr, ScalarExpr>();

  /** The same sub-expression object for the same group, so it is hoisted once. */
  private grouped(e: Extract<ScalarExpr, { k: 'fn' }>, args: ScalarExpr[]): ScalarExpr {
    let g = this.groups.get(e);
    if (!g) {
      g = { k: 'fn', fn: e.fn, args };
      this.groups.set(e, g);
    }
    return g;
  }

  /** Row-major position of value[row, col], with the row offset hoisted to the row's loop. */
  flat(v: { rows: Size; cols: Size }, row: Index, col: Index, depth = this.loops.length): Expr {
    if (v.cols === 1) return this.indexName(row);
    if (v.rows === 1) return this.indexName(col);
    return A.plus(this.rowOffset(row, v.cols, depth), this.indexName(col));
  }

  private rowOffset(row: Index, cols: Size, depth: number): Expr {
    if (row === 0) return A.num(0);
    const level = this.levelOfIndex(row);
    const offset = A.times(this.indexName(row), this.ctx.size(cols));
    if (level >= depth) return offset;
    const key = `${row}|${cols}`;
    let name = this.offsets.get(key);
    if (!name) {
      name = this.ctx.fresh(`${this.loops[level - 1].name}Row`);
      this.levels[level].push(A.constDecl(name, offset));
      this.offsets.set(key, name);
    }
    return A.id(name);
  }

  /** The loop nest around `body` (statements of the innermost level), with hoisted statements in place. */
  nest(body: Stmt[], from = 0): Stmt[] {
    if (from === this.loops.length) return [...this.levels[from], ...body];
    const loop = this.loops[from];
    return [...this.levels[from], A.forRange(loop.name, A.num(0), this.ctx.size(loop.extent), this.nest(body, from + 1))];
  }
}

/** A text that two element expressions share exactly when they compute the same thing. */
function structureKey(e: ScalarExpr): string {
  switch (e.k) {
    case 'num':
      return String(e.value);
    case 'size':
      return `#${e.dim}`;
    case 'load':
      return `v${e.value.id}[${e.row},${e.col}]`;
    case 'diagonal':
      return 'δ';
    case 'fn':
      return `${e.fn}(${e.args.map(structureKey).join(',')})`;
  }
}

/** Loops over a rows × cols space, skipping a side of length 1. */
function loopsOver(ctx: KernelContext, rows: Size, cols: Size): Loop[] {
  const loops: Loop[] = [];
  if (rows !== 1) loops.push({ index: 'i', name: ctx.loop.i, extent: rows });
  if (cols !== 1) loops.push({ index: 'j', name: ctx.loop.j, extent: cols });
  return loops;
}

const at = (v: Expr, i: Expr): Expr => A.index(v, i);

type Emitter<K extends InstrKind> = (instr: Extract<Instr, { kind: K }>, ctx: KernelContext) => Stmt[];

/** Emits `out = Σ expr`; a product whose factors split into row-only and inner parts becomes
 * Σᵢ rowᵢ·(Σⱼ innerᵢⱼ) (xᵀAy without a temporary and with one multiply per row). */
function emitSum(instr: Extract<Instr, { kind: 'sum' }>, ctx: KernelContext): Stmt[] {
  const out = ctx.value(instr.out) as Extract<Expr, { k: 'id' }>;
  const loops = loopsOver(ctx, instr.rows, instr.cols);
  const c = new ElementCompiler(ctx, loops);
  const e = instr.expr;
  if (loops.length === 2 && e.k === 'fn' && e.fn === 'mul') {
    const outer = e.args.filter((a) => c.levelOf(a) <= 1);
    const inner = e.args.filter((a) => c.levelOf(a) > 1);
    if (outer.length && inner.length) {
      const acc = ctx.fresh('rowSum');
      const innerBody = [A.assign(A.id(acc), c.compile(inner.length === 1 ? inner[0] : { k: 'fn', fn: 'mul', args: inner }, 2), '+=')];
      const innerLoop = A.forRange(loops[1].name, A.num(0), ctx.size(loops[1].extent), [...c.levels[2], ...innerBody]);
      const rowFactor = c.compile(outer.length === 1 ? outer[0] : { k: 'fn', fn: 'mul', args: outer }, 1);
      const rowBody = [...c.levels[1], A.letDecl(acc, A.num(0)), innerLoop, A.assign(out, A.bin('*', rowFactor, A.id(acc)), '+=')];
      return [A.letDecl(out.name, A.num(0)), ...c.levels[0], A.forRange(loops[0].name, A.num(0), ctx.size(loops[0].extent), rowBody)];
    }
  }
  const body = [A.assign(out, c.compile(e), '+=')];
  return [A.letDecl(out.name, A.num(0)), ...c.nest(body)];
}

function emitMap(instr: Extract<Instr, { kind: 'map' }>, ctx: KernelContext): Stmt[] {
  const out = ctx.value(instr.out);
  if (isScalarValue(instr.out)) {
    const c = new ElementCompiler(ctx, []);
    return [A.constDecl((out as Extract<Expr, { k: 'id' }>).name, c.compile(instr.expr))];
  }
  const loops = loopsOver(ctx, instr.out.rows, instr.out.cols);
  const c = new ElementCompiler(ctx, loops);
  const value = c.compile(instr.expr);
  return c.nest([A.assign(at(out, c.flat(instr.out, 'i', 'j')), value)]);
}

/** The element op(X)[r, c] of a stored operand, as flat-index arithmetic on named indices. */
function operandAt(ctx: KernelContext, op: Operand, r: Expr, c: Expr): Expr {
  const v = op.value;
  const [row, col] = op.transposed ? [c, r] : [r, c];
  if (v.cols === 1) return at(ctx.value(v), row);
  if (v.rows === 1) return at(ctx.value(v), col);
  return at(ctx.value(v), A.plus(A.times(row, ctx.size(v.cols)), col));
}

/** out = scale·op(A)·op(B) for two matrices (vector results are reductions), in the loop order
 * that keeps the innermost loop contiguous. */
function emitGemm(instr: Extract<Instr, { kind: 'gemm' }>, ctx: KernelContext): Stmt[] {
  const { out, a, b, inner } = instr;
  const { i, j, p } = ctx.loop;
  const [I, J, P] = [A.id(i), A.id(j), A.id(p)];
  const O = ctx.value(out);
  const rows = ctx.size(out.rows);
  const cols = ctx.size(out.cols);
  const K = ctx.size(inner);
  const pre: Stmt[] = [];
  let scaled = (x: Expr): Expr => x;
  if (instr.scale) {
    const c = new ElementCompiler(ctx, []);
    const s = ctx.fresh('scale');
    pre.push(...c.levels[0], A.constDecl(s, c.compile(instr.scale)));
    scaled = (x) => A.bin('*', A.id(s), x);
  }
  const fill = A.exprStmt(A.call(A.member(O, 'fill'), A.num(0)));
  // Row-major storage walks a row contiguously: A runs along p in its rows when not transposed.
  const aAlongP = !a.transposed || a.value.rows === 1 || a.value.cols === 1;
  const bAlongP = b.transposed || b.value.rows === 1 || b.value.cols === 1;
  const rowOf = (op: Operand, r: Expr): Expr => A.times(r, ctx.size(op.value.cols));

  const outRow = ctx.fresh('outRow');
  const mirror = (): Stmt[] =>
    instr.symmetric
      ? [A.forRange(i, A.num(0), rows, [A.forRange(j, A.num(0), I, [A.assign(at(O, A.plus(A.times(I, cols), J)), at(O, A.plus(A.times(J, cols), I)))])])]
      : [];
  const jFrom = instr.symmetric ? I : A.num(0);
  if (aAlongP && bAlongP) {
    // C = A·Bᵀ: each entry a dot product of two contiguous rows; AAᵀ computes j ≥ i and stores
    // each entry at (i, j) and (j, i) at once (no second pass reading C down its columns).
    const rowA = ctx.fresh('rowA');
    const rowB = ctx.fresh('rowB');
    const sum = ctx.fresh('sum');
    const entry = ctx.fresh('c');
    const store = instr.symmetric
      ? [A.constDecl(entry, scaled(A.id(sum))), A.assign(at(O, A.plus(A.id(outRow), J)), A.id(entry)), A.assign(at(O, A.plus(A.times(J, cols), I)), A.id(entry))]
      : [A.assign(at(O, A.plus(A.id(outRow), J)), scaled(A.id(sum)))];
    return [...pre, A.forRange(i, A.num(0), rows, [
      A.constDecl(rowA, rowOf(a, I)), A.constDecl(outRow, A.times(I, cols)),
      A.forRange(j, jFrom, cols, [
        A.constDecl(rowB, rowOf(b, J)), A.letDecl(sum, A.num(0)),
        A.forRange(p, A.num(0), K, [A.assign(A.id(sum), A.bin('*', at(ctx.value(a.value), A.plus(A.id(rowA), P)), at(ctx.value(b.value), A.plus(A.id(rowB), P))), '+=')]),
        ...store,
      ]),
    ])];
  }
  if (aAlongP && !bAlongP) {
    // C = A·B: C[i,:] += A[i,p]·B[p,:]; a symmetric C computes j ≥ i and mirrors.
    const aip = ctx.fresh('aip');
    const rowB = ctx.fresh('rowB');
    return [...pre, fill, A.forRange(i, A.num(0), rows, [
      A.constDecl(outRow, A.times(I, cols)),
      A.forRange(p, A.num(0), K, [
        A.constDecl(aip, scaled(operandAt(ctx, a, I, P))), A.constDecl(rowB, rowOf(b, P)),
        A.forRange(j, jFrom, cols, [A.assign(at(O, A.plus(A.id(outRow), J)), A.bin('*', A.id(aip), at(ctx.value(b.value), A.plus(A.id(rowB), J))), '+=')]),
      ]),
    ]), ...mirror()];
  }
  if (!aAlongP && !bAlongP) {
    // C = AᵀB: C[i,:] += A[p,i]·B[p,:], p outermost so both rows are read in order; AᵀA mirrors.
    const api = ctx.fresh('api');
    const rowA = ctx.fresh('rowA');
    const rowB = ctx.fresh('rowB');
    return [...pre, fill, A.forRange(p, A.num(0), K, [
      A.constDecl(rowA, rowOf(a, P)), A.constDecl(rowB, rowOf(b, P)),
      A.forRange(i, A.num(0), rows, [
        A.constDecl(api, scaled(at(ctx.value(a.value), A.plus(A.id(rowA), I)))), A.constDecl(outRow, A.times(I, cols)),
        A.forRange(j, jFrom, cols, [A.assign(at(O, A.plus(A.id(outRow), J)), A.bin('*', A.id(api), at(ctx.value(b.value), A.plus(A.id(rowB), J))), '+=')]),
      ]),
    ]), ...mirror()];
  }
  // C = AᵀBᵀ = (BA)ᵀ: B's rows are contiguous along p, A is read down a column.
  if (instr.symmetric) throw new Error('internal: AᵀBᵀ is never lowered as a mirrored product');
  const rowB = ctx.fresh('rowB');
  const sum = ctx.fresh('sum');
  return [...pre, A.forRange(i, A.num(0), rows, [
    A.constDecl(outRow, A.times(I, cols)),
    A.forRange(j, A.num(0), cols, [
      A.constDecl(rowB, rowOf(b, J)), A.letDecl(sum, A.num(0)),
      A.forRange(p, A.num(0), K, [A.assign(A.id(sum), A.bin('*', operandAt(ctx, a, I, P), at(ctx.value(b.value), A.plus(A.id(rowB), P))), '+=')]),
      A.assign(at(O, A.plus(A.id(outRow), J)), scaled(A.id(sum))),
    ]),
  ])];
}

/** Copies op(K) into the factor storage, then Cholesky (symmetric K) or LU with partial pivoting.
 * A zero pivot does not throw here: solves and inverses throw, det gives 0, log det gives −∞. */
function emitFactor(instr: Extract<Instr, { kind: 'factor' }>, ctx: KernelContext): Stmt[] {
  const f = instr.factor;
  const names = ctx.factor(f);
  const F = A.id(names.data);
  const n = ctx.size(f.n);
  const { i, j, p } = ctx.loop;
  const [I, J, P] = [A.id(i), A.id(j), A.id(p)];
  const Fat = (r: Expr, c: Expr): Expr => at(F, A.plus(A.times(r, n), c));
  const copy: Stmt[] = f.matrix.transposed
    ? [A.forRange(i, A.num(0), n, [A.forRange(j, A.num(0), n, [A.assign(Fat(I, J), operandAt(ctx, f.matrix, I, J))])])]
    : [A.exprStmt(A.call(A.member(F, 'set'), ctx.value(f.matrix.value)))];
  const lu = emitLu(F, A.id(names.pivots), A.id(names.singular), n, ctx);
  const stmts: Stmt[] = [A.comment(`factor ${f.label}`), A.letDecl(names.singular, A.num(-1)), A.letDecl(names.cholesky, A.bool(f.symmetric))];
  if (!f.symmetric) return [...stmts, ...copy, ...lu];
  // Cholesky, row by row: L[i][j] = (K[i][j] − Σ_{p<j} L[i][p]L[j][p]) / L[j][j].
  const d = ctx.fresh('d');
  const rowJ = ctx.fresh('rowJ');
  const rowI = ctx.fresh('rowI');
  const s = ctx.fresh('s');
  const ljj = ctx.fresh('ljj');
  const cholesky = A.forRange(j, A.num(0), n, [
    A.constDecl(rowJ, A.times(J, n)), A.letDecl(d, at(F, A.plus(A.id(rowJ), J))),
    A.forRange(p, A.num(0), J, [A.assign(A.id(d), A.bin('*', at(F, A.plus(A.id(rowJ), P)), at(F, A.plus(A.id(rowJ), P))), '-=')]),
    A.ifStmt(A.not(A.bin('>', A.id(d), A.num(0))), [A.assign(A.id(names.cholesky), A.bool(false)), { k: 'break' }]),
    A.constDecl(ljj, A.mathCall('sqrt', A.id(d))), A.assign(at(F, A.plus(A.id(rowJ), J)), A.id(ljj)),
    A.forRange(i, A.plus(J, A.num(1)), n, [
      A.constDecl(rowI, A.times(I, n)), A.letDecl(s, at(F, A.plus(A.id(rowI), J))),
      A.forRange(p, A.num(0), J, [A.assign(A.id(s), A.bin('*', at(F, A.plus(A.id(rowI), P)), at(F, A.plus(A.id(rowJ), P))), '-=')]),
      A.assign(at(F, A.plus(A.id(rowI), J)), A.bin('/', A.id(s), A.id(ljj))),
    ]),
  ]);
  return [...stmts, ...copy, A.comment('Cholesky K = LLᵀ; if K is not positive definite, LU with partial pivoting'), cholesky, A.ifStmt(A.not(A.id(names.cholesky)), [...copy, ...lu])];
}

/** In-place LU with partial pivoting, PK = LU (unit L below the diagonal, U on and above). */
function emitLu(F: Expr, pivots: Expr, singular: Expr, n: Expr, ctx: KernelContext): Stmt[] {
  const { i, j, p } = ctx.loop;
  const [I, J, P] = [A.id(i), A.id(j), A.id(p)];
  const best = ctx.fresh('best');
  const pivot = ctx.fresh('pivot');
  const v = ctx.fresh('v');
  const rowP = ctx.fresh('rowP');
  const rowI = ctx.fresh('rowI');
  const rowPivot = ctx.fresh('rowPivot');
  const inv = ctx.fresh('inverse');
  const l = ctx.fresh('l');
  const tmp = ctx.fresh('swap');
  const Fat = (r: Expr, c: Expr): Expr => at(F, A.plus(A.times(r, n), c));
  return [A.forRange(p, A.num(0), n, [
    A.letDecl(pivot, P), A.letDecl(best, A.mathCall('abs', Fat(P, P))),
    A.forRange(i, A.plus(P, A.num(1)), n, [
      A.constDecl(v, A.mathCall('abs', Fat(I, P))),
      A.ifStmt(A.bin('>', A.id(v), A.id(best)), [A.assign(A.id(best), A.id(v)), A.assign(A.id(pivot), I)]),
    ]),
    A.ifStmt(A.not(A.bin('>', A.id(best), A.num(0))), [A.assign(singular, P), { k: 'break' }]),
    A.assign(at(pivots, P), A.id(pivot)),
    A.constDecl(rowP, A.times(P, n)),
    A.ifStmt(A.bin('!==', A.id(pivot), P), [
      A.constDecl(rowPivot, A.times(A.id(pivot), n)),
      A.forRange(j, A.num(0), n, [
        A.constDecl(tmp, at(F, A.plus(A.id(rowP), J))), A.assign(at(F, A.plus(A.id(rowP), J)), at(F, A.plus(A.id(rowPivot), J))), A.assign(at(F, A.plus(A.id(rowPivot), J)), A.id(tmp)),
      ]),
    ]),
    A.constDecl(inv, A.bin('/', A.num(1), at(F, A.plus(A.id(rowP), P)))),
    A.forRange(i, A.plus(P, A.num(1)), n, [
      A.constDecl(rowI, A.times(I, n)), A.constDecl(l, A.bin('*', at(F, A.plus(A.id(rowI), P)), A.id(inv))), A.assign(at(F, A.plus(A.id(rowI), P)), A.id(l)),
      A.forRange(j, A.plus(P, A.num(1)), n, [A.assign(at(F, A.plus(A.id(rowI), J)), A.bin('*', A.id(l), at(F, A.plus(A.id(rowP), J))), '-=')]),
    ]),
  ])];
}

/** Solves in place on X (n × c, already holding the right-hand sides), with the factor of K. */
function emitSolveInPlace(f: Factor, X: Expr, c: Size, transposedSystem: boolean, ctx: KernelContext): Stmt[] {
  const names = ctx.factor(f);
  const F = A.id(names.data);
  const n = ctx.size(f.n);
  const C = ctx.size(c);
  const { i, j, p } = ctx.loop;
  const [I, J, P] = [A.id(i), A.id(j), A.id(p)];
  const Fat = (r: Expr, col: Expr): Expr => at(F, A.plus(A.times(r, n), col));
  const Xrow = (r: Expr): Expr => A.times(r, C);
  const coef = ctx.fresh('coef');
  const rowI = ctx.fresh('rowI');
  const rowP = ctx.fresh('rowP');
  const diag = ctx.fresh('diag');
  const tmp = ctx.fresh('swap');
  // X[i,:] −= coef·X[p,:]
  const eliminate = (coefficient: Expr): Stmt[] => [
    A.constDecl(coef, coefficient),
    A.constDecl(rowP, Xrow(P)),
    A.forRange(j, A.num(0), C, [A.assign(at(X, A.plus(A.id(rowI), J)), A.bin('*', A.id(coef), at(X, A.plus(A.id(rowP), J))), '-=')]),
  ];
  const divideRow = (d: Expr): Stmt[] => [A.constDecl(diag, d), A.forRange(j, A.num(0), C, [A.assign(at(X, A.plus(A.id(rowI), J)), A.id(diag), '/=')])];
  const forward = (coefficient: (i: Expr, p: Expr) => Expr, divide?: Expr): Stmt =>
    A.forRange(i, A.num(0), n, [A.constDecl(rowI, Xrow(I)), A.forRange(p, A.num(0), I, eliminate(coefficient(I, P))), ...(divide ? divideRow(divide) : [])]);
  const backward = (coefficient: (i: Expr, p: Expr) => Expr, divide?: Expr): Stmt =>
    A.forDown(i, A.num(0), n, [A.constDecl(rowI, Xrow(I)), A.forRange(p, A.plus(I, A.num(1)), n, eliminate(coefficient(I, P))), ...(divide ? divideRow(divide) : [])]);
  const swapRows = (a: Expr, b: Expr): Stmt[] => [
    A.forRange(j, A.num(0), C, [
      A.constDecl(tmp, at(X, A.plus(Xrow(a), J))), A.assign(at(X, A.plus(Xrow(a), J)), at(X, A.plus(Xrow(b), J))), A.assign(at(X, A.plus(Xrow(b), J)), A.id(tmp)),
    ]),
  ];
  const pivotAt = (k: Expr): Expr => at(A.id(names.pivots), k);
  const pk = ctx.fresh('pk');
  const permute: Stmt = A.forRange(p, A.num(0), n, [A.constDecl(pk, pivotAt(P)), A.ifStmt(A.bin('!==', A.id(pk), P), swapRows(P, A.id(pk)))]);
  const unpermute: Stmt = A.forDown(p, A.num(0), n, [A.constDecl(pk, pivotAt(P)), A.ifStmt(A.bin('!==', A.id(pk), P), swapRows(P, A.id(pk)))]);
  // PK = LU:  K x = b ⇔ L U x = P b;  Kᵀx = b ⇔ Uᵀ Lᵀ (P x) = b.
  const lu = transposedSystem
    ? [forward((r, q) => Fat(q, r), Fat(I, I)), backward((r, q) => Fat(q, r)), unpermute]
    : [permute, forward((r, q) => Fat(r, q)), backward((r, q) => Fat(r, q), Fat(I, I))];
  const singularCheck = A.ifStmt(A.bin('>=', A.id(names.singular), A.num(0)), [
    A.throwError('RangeError', A.concat(`chainrule: ${f.label} is singular (zero pivot in column `, A.id(names.singular), '), so it has no inverse')),
  ]);
  if (!f.symmetric) return [singularCheck, ...lu];
  // K = LLᵀ:  L y = b, then Lᵀ x = y.
  const cholesky = [forward((r, q) => Fat(r, q), Fat(I, I)), backward((r, q) => Fat(q, r), Fat(I, I))];
  return [A.ifStmt(A.id(names.cholesky), cholesky, [singularCheck, ...lu])];
}

function emitSolve(instr: Extract<Instr, { kind: 'solve' }>, ctx: KernelContext): Stmt[] {
  const { out, b, factor } = instr;
  const X = ctx.value(out);
  const { i, j } = ctx.loop;
  const load: Stmt[] = b.transposed && b.value.rows !== 1 && b.value.cols !== 1
    ? [A.forRange(i, A.num(0), ctx.size(out.rows), [A.forRange(j, A.num(0), ctx.size(out.cols), [A.assign(at(X, A.plus(A.times(A.id(i), ctx.size(out.cols)), A.id(j))), operandAt(ctx, b, A.id(i), A.id(j)))])])]
    : [A.exprStmt(A.call(A.member(X, 'set'), ctx.value(b.value)))];
  return [A.comment(`${out.label}`), ...load, ...emitSolveInPlace(factor, X, out.cols, instr.transposedSystem, ctx)];
}

function emitInverse(instr: Extract<Instr, { kind: 'inverse' }>, ctx: KernelContext): Stmt[] {
  const X = ctx.value(instr.out);
  const n = ctx.size(instr.factor.n);
  const { i } = ctx.loop;
  const identity = [A.exprStmt(A.call(A.member(X, 'fill'), A.num(0))), A.forRange(i, A.num(0), n, [A.assign(at(X, A.plus(A.times(A.id(i), n), A.id(i))), A.num(1))])];
  return [A.comment(`(${instr.factor.label})⁻¹ by solving against I`), ...identity, ...emitSolveInPlace(instr.factor, X, instr.factor.n, false, ctx)];
}

/** det K = sign(P)·Πuᵢᵢ (LU) or Πlᵢᵢ² (Cholesky); log det K = Σ log|uᵢᵢ| when det K > 0, NaN when
 * det K < 0 (the log of a negative number), −∞ when K is singular. Never forms det K for log det. */
function emitDeterminant(instr: Extract<Instr, { kind: 'det' | 'logdet' }>, ctx: KernelContext): Stmt[] {
  const f = instr.factor;
  const names = ctx.factor(f);
  const F = A.id(names.data);
  const n = ctx.size(f.n);
  const { i } = ctx.loop;
  const I = A.id(i);
  const out = (ctx.value(instr.out) as Extract<Expr, { k: 'id' }>).name;
  const diagonal = at(F, A.plus(A.times(I, n), I));
  const sign = ctx.fresh('sign');
  const u = ctx.fresh('u');
  const log = instr.kind === 'logdet';
  const luLoop = A.forRange(i, A.num(0), n, [
    A.constDecl(u, diagonal),
    ...(log
      ? [A.ifStmt(A.bin('<', A.id(u), A.num(0)), [A.assign(A.id(sign), A.neg(A.id(sign)), '=')]), A.assign(A.id(out), A.mathCall('log', A.mathCall('abs', A.id(u))), '+=')]
      : [A.assign(A.id(out), A.id(u), '*=')]),
    A.ifStmt(A.bin('!==', at(A.id(names.pivots), I), I), [A.assign(A.id(sign), A.neg(A.id(sign)), '=')]),
  ]);
  const luPart: Stmt[] = [
    A.letDecl(sign, A.num(1)),
    luLoop,
    log ? A.assign(A.id(out), A.cond(A.bin('>', A.id(sign), A.num(0)), A.id(out), A.id('NaN'))) : A.assign(A.id(out), A.id(sign), '*='),
  ];
  const singular = A.assign(A.id(out), log ? A.neg(A.id('Infinity')) : A.num(0));
  const choleskyPart = [A.forRange(i, A.num(0), n, [log ? A.assign(A.id(out), A.bin('*', A.num(2), A.mathCall('log', diagonal)), '+=') : A.assign(A.id(out), A.bin('*', diagonal, diagonal), '*=')])];
  const general = A.ifStmt(A.bin('>=', A.id(names.singular), A.num(0)), [singular], luPart);
  return [
    A.letDecl(out, A.num(log ? 0 : 1)),
    f.symmetric ? A.ifStmt(A.id(names.cholesky), choleskyPart, [general]) : general,
  ];
}

/** softmax(x)ᵢ = exp(xᵢ − m)/Σⱼexp(xⱼ − m) with m = max x: finite for inputs of ±1000. A vector
 * is one group of entries; a matrix is normalized row by row. With `log`, log softmax(x)ᵢ =
 * xᵢ − m − log Σⱼexp(xⱼ − m), finite where softmax underflows to 0. */
function emitSoftmax(instr: Extract<Instr, { kind: 'softmax' }>, ctx: KernelContext): Stmt[] {
  const out = ctx.value(instr.out);
  const loops = loopsOver(ctx, instr.out.rows, instr.out.cols);
  const c = new ElementCompiler(ctx, loops);
  const fill = c.nest([A.assign(at(out, c.flat(instr.out, 'i', 'j')), c.compile(instr.x))]);
  const rowWise = instr.out.rows !== 1 && instr.out.cols !== 1;
  const length = ctx.size(rowWise ? instr.out.cols : instr.out.rows === 1 ? instr.out.cols : instr.out.rows);
  const m = ctx.fresh('max');
  const s = ctx.fresh('total');
  const e = ctx.fresh('e');
  const k = ctx.fresh('k');
  const base = ctx.fresh('base');
  const K = rowWise ? A.plus(A.id(base), A.id(k)) : A.id(k);
  const normalize = [
    A.letDecl(m, A.neg(A.id('Infinity'))),
    A.forRange(k, A.num(0), length, [A.ifStmt(A.bin('>', at(out, K), A.id(m)), [A.assign(A.id(m), at(out, K))])]),
    A.letDecl(s, A.num(0)),
    ...(instr.log
      ? [
          A.forRange(k, A.num(0), length, [A.assign(A.id(s), A.mathCall('exp', A.bin('-', at(out, K), A.id(m))), '+=')]),
          A.constDecl(e, A.plus(A.id(m), A.mathCall('log', A.id(s)))),
          A.forRange(k, A.num(0), length, [A.assign(at(out, K), A.id(e), '-=')]),
        ]
      : [
          A.forRange(k, A.num(0), length, [A.constDecl(e, A.mathCall('exp', A.bin('-', at(out, K), A.id(m)))), A.assign(at(out, K), A.id(e)), A.assign(A.id(s), A.id(e), '+=')]),
          A.forRange(k, A.num(0), length, [A.assign(at(out, K), A.id(s), '/=')]),
        ]),
  ];
  if (!rowWise) return [...fill, ...normalize];
  const row = ctx.fresh('row');
  return [...fill, A.forRange(row, A.num(0), ctx.size(instr.out.rows), [A.constDecl(base, A.times(A.id(row), length)), ...normalize])];
}

/** out = max expr(i, j): ‖x‖_∞. */
function emitMaximum(instr: Extract<Instr, { kind: 'maximum' }>, ctx: KernelContext): Stmt[] {
  const out = (ctx.value(instr.out) as Extract<Expr, { k: 'id' }>).name;
  const c = new ElementCompiler(ctx, loopsOver(ctx, instr.rows, instr.cols));
  const m = ctx.fresh('max');
  const x = ctx.fresh('x');
  const body: Stmt[] = [A.constDecl(x, c.compile(instr.expr)), A.ifStmt(A.bin('>', A.id(x), A.id(m)), [A.assign(A.id(m), A.id(x))])];
  return [A.letDecl(m, A.neg(A.id('Infinity'))), ...c.nest(body), A.constDecl(out, A.id(m))];
}

/** log Σ exp xᵢ in one pass with a running maximum (rescaling the sum when it grows). */
function emitLogSumExp(instr: Extract<Instr, { kind: 'logsumexp' }>, ctx: KernelContext): Stmt[] {
  const out = (ctx.value(instr.out) as Extract<Expr, { k: 'id' }>).name;
  const loops = [{ index: 'i' as const, name: ctx.loop.i, extent: instr.n }];
  const c = new ElementCompiler(ctx, loops);
  const m = ctx.fresh('max');
  const s = ctx.fresh('total');
  const x = ctx.fresh('x');
  const body: Stmt[] = [
    A.constDecl(x, c.compile(instr.x)),
    A.ifStmt(
      A.bin('>', A.id(x), A.id(m)),
      [A.assign(A.id(s), A.bin('+', A.bin('*', A.id(s), A.mathCall('exp', A.bin('-', A.id(m), A.id(x)))), A.num(1))), A.assign(A.id(m), A.id(x))],
      [A.assign(A.id(s), A.mathCall('exp', A.bin('-', A.id(x), A.id(m))), '+=')],
    ),
  ];
  return [A.letDecl(m, A.neg(A.id('Infinity'))), A.letDecl(s, A.num(0)), ...c.nest(body), A.constDecl(out, A.bin('+', A.id(m), A.mathCall('log', A.id(s))))];
}

/** A fused loop nest (fuse.ts): i outer, j inner; per element the body members in order, per row
 * the finished row sums and then the epilogue. Values read inside the nest are bound to locals
 * (`const`), and stored only when something after the nest reads them. */
function emitLoop(instr: Extract<Instr, { kind: 'loop' }>, ctx: KernelContext): Stmt[] {
  const twoSided = instr.cols !== 1;
  const loops: Loop[] = [{ index: 'i', name: ctx.loop.i, extent: instr.rows }, ...(twoSided ? [{ index: 'j' as const, name: ctx.loop.j, extent: instr.cols }] : [])];
  const bound = new Map<Value, Expr>();
  const body = new ElementCompiler(ctx, loops, bound);
  const perRow = new ElementCompiler(ctx, loops.slice(0, 1), bound);
  const I = A.id(ctx.loop.i);
  const readInside = new Set([...instr.body, ...instr.epilogue].flatMap((m) => loadsOf(m)));
  // The product heading the nest, bound before the members are compiled so they read its local.
  const head = instr.head ? productHead(instr.head, ctx, bound, instr.locals.has(instr.head.out)) : undefined;
  const before: Stmt[] = [...(head?.before ?? [])];
  const rowStart: Stmt[] = [];
  const rowEnd: Stmt[] = [];
  /** Stores (or only binds) one element of a map's output. */
  const write = (out: Value, value: Expr, c: ElementCompiler): Stmt[] => {
    const target = at(ctx.value(out), isVectorShaped(out) ? I : c.flat(out, 'i', 'j'));
    // A local read by nothing inside the nest is read by nothing at all (fuse.ts): it has no
    // storage to write, and nothing to compute.
    if (!readInside.has(out)) return instr.locals.has(out) ? [] : [A.assign(target, value)];
    const name = instr.locals.has(out) ? (ctx.value(out) as Extract<Expr, { k: 'id' }>).name : ctx.fresh('e');
    bound.set(out, A.id(name));
    return [A.constDecl(name, value), ...(instr.locals.has(out) ? [] : [A.assign(target, A.id(name))])];
  };
  const element: Stmt[] = [];
  for (const m of instr.body) {
    if (m.kind === 'map') element.push(...write(m.out, body.compile(m.expr), body));
    else if (m.kind === 'sum') {
      before.push(A.letDecl(scalarName(ctx, m.out), A.num(0)));
      element.push(A.assign(ctx.value(m.out), body.compile(m.expr), '+='));
    } else if (m.along === 'i' || !twoSided) {
      // Column sums: out[j] += scale·expr, accumulated in place across the rows.
      const O = ctx.value(m.out);
      before.push(A.exprStmt(A.call(A.member(O, 'fill'), A.num(0))));
      const expr = m.scale ? { k: 'fn' as const, fn: 'mul' as const, args: [m.scale, ...(m.expr.k === 'fn' && m.expr.fn === 'mul' ? m.expr.args : [m.expr])] } : m.expr;
      element.push(A.assign(at(O, A.id(twoSided ? ctx.loop.j : ctx.loop.i)), body.compile(expr), '+='));
    } else {
      // Row sums: a local accumulator per row, finished (scaled, stored or bound) after the row.
      const acc = ctx.fresh('rowSum');
      rowStart.push(A.letDecl(acc, A.num(0)));
      element.push(A.assign(A.id(acc), body.compile(m.expr), '+='));
      const total = m.scale ? A.bin('*', perRow.compile(m.scale, 0), A.id(acc)) : A.id(acc);
      rowEnd.push(...write(m.out, total, perRow));
    }
  }
  const epilogue: Stmt[] = [];
  for (const m of instr.epilogue) {
    if (m.kind === 'map') epilogue.push(...write(m.out, perRow.compile(m.expr), perRow));
    else if (m.kind === 'sum') {
      before.push(A.letDecl(scalarName(ctx, m.out), A.num(0)));
      epilogue.push(A.assign(ctx.value(m.out), perRow.compile(m.expr), '+='));
    }
  }
  if (!twoSided) return [...before, ...body.levels[0], ...perRow.levels[0], A.forRange(ctx.loop.i, A.num(0), ctx.size(instr.rows), [...body.levels[1], ...element])];
  const J = (stmts: Stmt[]): Stmt => A.forRange(ctx.loop.j, A.num(0), ctx.size(instr.cols), stmts);
  const finish = (rowLoops: Stmt[]): Stmt[] => {
    const row = [...body.levels[1], ...rowStart, ...rowLoops, ...perRow.levels[1], ...rowEnd, ...epilogue];
    return [...before, ...body.levels[0], ...perRow.levels[0], A.forRange(ctx.loop.i, A.num(0), ctx.size(instr.rows), row)];
  };
  if (!head) return finish([J([...body.levels[2], ...element])]);
  // The product first: row i complete after its p loop ('rows'), or element (i, j) after its dot product.
  if (head.order === 'rows') return finish([...head.row, J([...body.levels[2], ...element])]);
  return finish([J([...head.element, ...body.levels[2], ...element])]);
}

/** The statements of a nest's product head (see gemmOrder): `row` computes row i of the product
 * (order 'rows'), `element` its element (i, j) (order 'dots') and binds it for the members. */
function productHead(
  g: Extract<Instr, { kind: 'gemm' }>,
  ctx: KernelContext,
  bound: Map<Value, Expr>,
  local: boolean,
): { order: 'rows' | 'dots'; before: Stmt[]; row: Stmt[]; element: Stmt[] } {
  // AᵀB runs row by row here: the members need row i complete before the next row starts.
  const order = gemmOrder(g) === 'dots' ? 'dots' : 'rows';
  if (g.symmetric) throw new Error('internal: a mirrored product cannot head a loop nest');
  const { i, j, p } = ctx.loop;
  const [I, J, P] = [A.id(i), A.id(j), A.id(p)];
  const O = ctx.value(g.out);
  const K = ctx.size(g.inner);
  const before: Stmt[] = [];
  let scaled = (x: Expr): Expr => x;
  if (g.scale) {
    const c = new ElementCompiler(ctx, []);
    const s = ctx.fresh('scale');
    before.push(...c.levels[0], A.constDecl(s, c.compile(g.scale)));
    scaled = (x) => A.bin('*', A.id(s), x);
  }
  const rowOf = (op: Operand, r: Expr): Expr => A.times(r, ctx.size(op.value.cols));
  const outRow = ctx.fresh('outRow');
  if (order === 'rows') {
    // out[i, :] = Σₚ A[i, p]·B[p, :], the row zeroed first.
    const aip = ctx.fresh('aip');
    const rowB = ctx.fresh('rowB');
    const cols = ctx.size(g.out.cols);
    const row: Stmt[] = [
      A.constDecl(outRow, A.times(I, cols)),
      A.forRange(j, A.num(0), cols, [A.assign(at(O, A.plus(A.id(outRow), J)), A.num(0))]),
      A.forRange(p, A.num(0), K, [
        A.constDecl(aip, scaled(operandAt(ctx, g.a, I, P))), A.constDecl(rowB, rowOf(g.b, P)),
        A.forRange(j, A.num(0), cols, [A.assign(at(O, A.plus(A.id(outRow), J)), A.bin('*', A.id(aip), at(ctx.value(g.b.value), A.plus(A.id(rowB), J))), '+=')]),
      ]),
    ];
    return { order, before, row, element: [] };
  }
  // out[i, j] = Σₚ op(A)[i, p]·B[j, p]: B's rows are contiguous along p.
  const rowB = ctx.fresh('rowB');
  const sum = ctx.fresh('sum');
  const value = ctx.fresh('e');
  const name = local ? (O as Extract<Expr, { k: 'id' }>).name : value;
  bound.set(g.out, A.id(name));
  const element: Stmt[] = [
    A.constDecl(rowB, rowOf(g.b, J)), A.letDecl(sum, A.num(0)),
    A.forRange(p, A.num(0), K, [A.assign(A.id(sum), A.bin('*', operandAt(ctx, g.a, I, P), at(ctx.value(g.b.value), A.plus(A.id(rowB), P))), '+=')]),
    A.constDecl(name, scaled(A.id(sum))),
    ...(local ? [] : [A.assign(at(O, A.plus(A.times(I, ctx.size(g.out.cols)), J)), A.id(name))]),
  ];
  return { order, before, row: [], element };
}

const isVectorShaped = (v: Value): boolean => v.rows === 1 || v.cols === 1;
const scalarName = (ctx: KernelContext, v: Value): string => (ctx.value(v) as Extract<Expr, { k: 'id' }>).name;
const loadsOf = (m: Extract<Instr, { kind: 'map' | 'sum' | 'reduce' }>): Value[] => [...valuesIn(m.expr), ...(m.kind === 'reduce' && m.scale ? valuesIn(m.scale) : [])];

/** A reduction on its own is a nest of one. */
const emitReduce = (instr: Extract<Instr, { kind: 'reduce' }>, ctx: KernelContext): Stmt[] =>
  emitLoop({ kind: 'loop', rows: instr.rows, cols: instr.cols, body: [instr], epilogue: [], locals: new Set() }, ctx);

export const KERNELS: { [K in InstrKind]: Emitter<K> } = {
  map: emitMap,
  sum: emitSum,
  maximum: emitMaximum,
  reduce: emitReduce,
  loop: emitLoop,
  gemm: emitGemm,
  factor: emitFactor,
  solve: emitSolve,
  inverse: emitInverse,
  det: emitDeterminant,
  logdet: emitDeterminant,
  softmax: emitSoftmax,
  logsumexp: emitLogSumExp,
};

export function emitInstr(instr: Instr, ctx: KernelContext): Stmt[] {
  return (KERNELS[instr.kind] as Emitter<InstrKind>)(instr as never, ctx);
}
