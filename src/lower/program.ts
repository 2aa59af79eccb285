// The lowered program: a flat SSA list of loop-level kernels over named storage, the form that
// code generation (and anything else that wants to run the math: a numeric interpreter, a step
// printer) consumes. Each value is written by exactly one instruction and never changes after.
//
// Elementwise work is not an instruction of its own kind per op: it is a `ScalarExpr` over the
// loop indices i (row) and j (column), so a chain such as Φ′(z) ⊙ W⁽²⁾ᵀr, an outer product
// u·vᵀ, a transpose (i ↔ j) or a scaled identity fuses into the one loop that consumes it.

/** A dimension: a number when known at generation time, otherwise its symbol (`n`). */
export type Size = number | string;

/** Where a value lives: an input, a temporary owned by the module, or a result handed back. */
export type Role = 'input' | 'temp' | 'result';

/** A value: a scalar (1×1, a local `number`) or a dense row-major Float64Array of rows × cols. */
export interface Value {
  readonly id: number;
  readonly rows: Size;
  readonly cols: Size;
  readonly role: Role;
  /** Input or result key (ASCII identifier), for inputs and results. */
  readonly key?: string;
  /** The formula it holds, Unicode, for comments and error messages. */
  readonly label: string;
}

export const isScalarValue = (v: { rows: Size; cols: Size }): boolean => v.rows === 1 && v.cols === 1;

/** A loop index: i runs over rows, j over columns; 0 where that side has length 1. */
export type Index = 'i' | 'j' | 0;

/** Scalar functions the kernels apply per element (each has one printing rule in codegen). */
export const SCALAR_FNS = [
  'add', 'mul', 'neg', 'recip', 'pow', 'square', 'exp', 'log', 'sqrt', 'sigmoid', 'logSigmoid', 'tanh', 'relu', 'softplus',
  'abs', 'sign', 'sin', 'cos', 'tan', 'arctan', 'sinh', 'cosh', 'log1p', 'expm1', 'erf', 'max', 'min', 'gt', 'lt', 'ge', 'le',
] as const;
export type ScalarFn = (typeof SCALAR_FNS)[number];

/** One element of a (possibly lazy) matrix, as a function of the loop indices. */
export type ScalarExpr =
  | { readonly k: 'num'; readonly value: number }
  /** A symbolic size used as a number (`n` in (n/2)·log 2π). */
  | { readonly k: 'size'; readonly dim: string }
  /** value[row, col] of stored (row-major) data; a scalar value ignores the indices. */
  | { readonly k: 'load'; readonly value: Value; readonly row: Index; readonly col: Index }
  /** 1 where i = j, else 0: the identity matrix, never stored. */
  | { readonly k: 'diagonal' }
  | { readonly k: 'fn'; readonly fn: ScalarFn; readonly args: readonly ScalarExpr[] };

/** A stored matrix read directly or through an index swap (a transpose is never materialized). */
export interface Operand {
  readonly value: Value;
  readonly transposed: boolean;
}

/** A factorization of a square matrix, kept for solves, inverses and determinants. Symmetric
 * matrices try Cholesky (K = LLᵀ) and fall back to LU with partial pivoting (PK = LU). */
export interface Factor {
  readonly id: number;
  readonly matrix: Operand;
  readonly n: Size;
  readonly symmetric: boolean;
  readonly label: string;
}

export type Instr =
  /** out[i, j] = expr(i, j) over out's shape (a scalar out is one assignment). */
  | { readonly kind: 'map'; readonly out: Value; readonly expr: ScalarExpr }
  /** out = Σ_{i < rows, j < cols} expr(i, j): dot products, ‖x‖², tr(AB), xᵀAy, 𝟙ᵀx. */
  | { readonly kind: 'sum'; readonly out: Value; readonly rows: Size; readonly cols: Size; readonly expr: ScalarExpr }
  /** A matrix-vector product or a sum along one side, in the loop order that reads memory in
   * order: `along: 'j'` is out[i] = scale·Σⱼ expr(i, j) (row sums, gemv, X𝟙); `along: 'i'` is
   * out[j] = scale·Σᵢ expr(i, j) (column sums, aᵀB, 𝟙ᵀX). The loops run i outer, j inner; the
   * lowering orients expr so that stored matrices are read along their rows. out is a vector of
   * the kept side's length (either orientation: its storage is the same). */
  | { readonly kind: 'reduce'; readonly out: Value; readonly rows: Size; readonly cols: Size; readonly along: 'i' | 'j'; readonly expr: ScalarExpr; readonly scale?: ScalarExpr }
  /** Elementwise maps, reductions and sums over one rows × cols space, fused into one loop nest
   * (see fuse.ts): `body` runs per element (i, j) in program order; `epilogue` per row i after
   * the row's inner loop, and may read the row sums of `body`. `locals` are values read only
   * inside the nest at the element being computed: locals of the loop, never stored. */
  | {
      readonly kind: 'loop';
      readonly rows: Size;
      readonly cols: Size;
      /** A matrix product whose elements are complete per row or per element (`gemmOrder`),
       * computed first in the nest so the members read it while it is in cache (the bias and relu
       * of a layer W₁X + b₁𝟙ᵀ in the loop of W₁X). */
      readonly head?: Extract<Instr, { kind: 'gemm' }>;
      readonly body: readonly Fusible[];
      readonly epilogue: readonly Fusible[];
      readonly locals: ReadonlySet<Value>;
    }
  /** out = scale · op(A)·op(B) with op = identity or transpose (both sides matrices).
   * `symmetric`: the result is known symmetric (AAᵀ), so only one triangle is computed. */
  | { readonly kind: 'gemm'; readonly out: Value; readonly a: Operand; readonly b: Operand; readonly inner: Size; readonly scale?: ScalarExpr; readonly symmetric: boolean }
  | { readonly kind: 'factor'; readonly factor: Factor }
  /** out = K⁻¹·op(B), or K⁻ᵀ·op(B) when `transposedSystem`. */
  | { readonly kind: 'solve'; readonly out: Value; readonly factor: Factor; readonly b: Operand; readonly transposedSystem: boolean }
  | { readonly kind: 'inverse'; readonly out: Value; readonly factor: Factor }
  /** log det K (NaN when det K < 0, as log of a negative number), from the factor's diagonal. */
  | { readonly kind: 'logdet'; readonly out: Value; readonly factor: Factor }
  | { readonly kind: 'det'; readonly out: Value; readonly factor: Factor }
  /** Shifted by the maximum, so inputs of ±1000 stay finite. */
  /** Over the entries of a vector out, over each row of a matrix out; x(i, j) over out's shape. */
  | { readonly kind: 'softmax'; readonly out: Value; readonly x: ScalarExpr; readonly log?: true }
  | { readonly kind: 'logsumexp'; readonly out: Value; readonly n: Size; readonly x: ScalarExpr }
  /** out = max over i < rows, j < cols of expr(i, j) (‖x‖_∞ = max |xᵢ|). */
  | { readonly kind: 'maximum'; readonly out: Value; readonly rows: Size; readonly cols: Size; readonly expr: ScalarExpr };

export type InstrKind = Instr['kind'];

/** The instructions a fused loop nest is made of. */
export type Fusible = Extract<Instr, { kind: 'map' | 'sum' | 'reduce' }>;

/** The values an instruction reads (the basis of fusion legality and of keeping values local). */
export const READS: { [K in InstrKind]: (instr: Extract<Instr, { kind: K }>) => Value[] } = {
  map: (x) => valuesIn(x.expr),
  sum: (x) => valuesIn(x.expr),
  reduce: (x) => [...valuesIn(x.expr), ...(x.scale ? valuesIn(x.scale) : [])],
  loop: (x) => [...(x.head ? readsOf(x.head) : []), ...[...x.body, ...x.epilogue].flatMap((m) => readsOf(m))],
  gemm: (x) => [x.a.value, x.b.value, ...(x.scale ? valuesIn(x.scale) : [])],
  factor: (x) => [x.factor.matrix.value],
  solve: (x) => [x.b.value],
  inverse: () => [],
  logdet: () => [],
  det: () => [],
  softmax: (x) => valuesIn(x.x),
  logsumexp: (x) => valuesIn(x.x),
  maximum: (x) => valuesIn(x.expr),
};

export const readsOf = (instr: Instr): Value[] => (READS[instr.kind] as (i: Instr) => Value[])(instr);

/** The values an instruction writes. */
export function writesOf(instr: Instr): Value[] {
  switch (instr.kind) {
    case 'loop':
      return [...(instr.head ? [instr.head.out] : []), ...[...instr.body, ...instr.epilogue].map((m) => m.out)];
    case 'factor':
      return [];
    default:
      return [instr.out];
  }
}

/** When the elements of out = op(A)·op(B) are complete, in the loop order whose inner loops read
 * memory in order (row-major):
 *   'rows'     A·B: out[i, :] += A[i, p]·B[p, :], i outer; row i is complete after its p loop;
 *   'dots'     A·Bᵀ (and AᵀBᵀ): out[i, j] = Σₚ A[i, p]·B[j, p], one element at a time;
 *   'columns'  AᵀB: out[i, :] += A[p, i]·B[p, :] with p outermost; complete only at the end. */
export function gemmOrder(g: Extract<Instr, { kind: 'gemm' }>): 'rows' | 'dots' | 'columns' {
  const aAlongP = !g.a.transposed || g.a.value.rows === 1 || g.a.value.cols === 1;
  const bAlongP = g.b.transposed || g.b.value.rows === 1 || g.b.value.cols === 1;
  if (bAlongP) return 'dots';
  return aAlongP ? 'rows' : 'columns';
}

/** Every value an element expression loads. */
export function valuesIn(e: ScalarExpr, into: Value[] = []): Value[] {
  if (e.k === 'load') into.push(e.value);
  else if (e.k === 'fn') for (const a of e.args) valuesIn(a, into);
  return into;
}

/** Every load of an expression, with its indices. */
export function loadsIn(e: ScalarExpr, into: Extract<ScalarExpr, { k: 'load' }>[] = []): Extract<ScalarExpr, { k: 'load' }>[] {
  if (e.k === 'load') into.push(e);
  else if (e.k === 'fn') for (const a of e.args) loadsIn(a, into);
  return into;
}

/** What a lowered program hands back: the value, and one result per gradient. */
export interface ProgramResult {
  readonly key: string;
  readonly value: Value;
}

export interface Program {
  readonly instrs: readonly Instr[];
  /** Every value the program names: inputs, temporaries, results. */
  readonly values: readonly Value[];
  readonly factors: readonly Factor[];
  readonly results: readonly ProgramResult[];
  /** Symbolic sizes the program needs at run time. */
  readonly sizes: readonly string[];
  /** Helper functions the scalar expressions call (sigmoid, softplus, …). */
  readonly scalarFns: ReadonlySet<ScalarFn>;
}

// ---- scalar expression constructors and queries ------------------------------------------------

export const num = (value: number): ScalarExpr => ({ k: 'num', value });
export const fn = (f: ScalarFn, ...args: ScalarExpr[]): ScalarExpr => ({ k: 'fn', fn: f, args });
export const load = (value: Value, row: Index, col: Index): ScalarExpr => ({ k: 'load', value, row, col });

/** a + b and a·b with the trivial constants folded away (x·1 = x, x + 0 = x, x·0 = 0 for finite x is
 * NOT folded: 0·∞ is NaN and the reference evaluator keeps it). */
export function sum(terms: readonly ScalarExpr[]): ScalarExpr {
  const kept = terms.flatMap((t) => (t.k === 'fn' && t.fn === 'add' ? t.args : [t])).filter((t) => !(t.k === 'num' && t.value === 0));
  if (kept.length === 0) return num(0);
  return kept.length === 1 ? kept[0] : fn('add', ...kept);
}

export function product(factors: readonly ScalarExpr[]): ScalarExpr {
  const kept = factors.flatMap((t) => (t.k === 'fn' && t.fn === 'mul' ? t.args : [t])).filter((t) => !(t.k === 'num' && t.value === 1));
  if (kept.length === 0) return num(1);
  if (kept.length === 1) return kept[0];
  // −1·x prints as −x.
  if (kept.length === 2 && kept[0].k === 'num' && kept[0].value === -1) return fn('neg', kept[1]);
  return fn('mul', ...kept);
}

/** Renames the loop indices: a transpose swaps i and j; a diagonal sets j := i. */
export function reindex(e: ScalarExpr, map: (x: Index) => Index): ScalarExpr {
  switch (e.k) {
    case 'load':
      return load(e.value, map(e.row), map(e.col));
    case 'diagonal':
      return map('i') === map('j') ? num(1) : e;
    case 'fn':
      return fn(e.fn, ...e.args.map((a) => reindex(a, map)));
    default:
      return e;
  }
}

export const swapIndices = (e: ScalarExpr): ScalarExpr => reindex(e, (x) => (x === 'i' ? 'j' : x === 'j' ? 'i' : x));

/** Which loop indices an expression reads: the basis of hoisting invariant work out of loops. */
export function indicesOf(e: ScalarExpr, into: Set<Index> = new Set()): Set<Index> {
  switch (e.k) {
    case 'load':
      if (!isScalarValue(e.value)) {
        if (e.row !== 0) into.add(e.row);
        if (e.col !== 0) into.add(e.col);
      }
      break;
    case 'diagonal':
      into.add('i').add('j');
      break;
    case 'fn':
      for (const a of e.args) indicesOf(a, into);
      break;
    default:
      break;
  }
  return into;
}

/** Helper functions an expression uses. */
export function collectFns(e: ScalarExpr, into: Set<ScalarFn>): void {
  if (e.k !== 'fn') return;
  into.add(e.fn);
  for (const a of e.args) collectFns(a, into);
}

/** A trivial expression costs nothing to recompute: a constant, a size, or one load. */
export const isTrivial = (e: ScalarExpr): boolean => e.k === 'num' || e.k === 'size' || e.k === 'load' || e.k === 'diagonal';
