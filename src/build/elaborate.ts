// Pass 1: the syntax tree → typed tree, under one assignment of kinds (scalar, vector, matrix) to the
// variables that were not declared. It decides meaning: `|A|` is det for a matrix and abs for a
// scalar, `y(1 − y)` is a product unless `y` is a function, `A⁻¹` is an inverse and `β⁻¹` a
// reciprocal; it inlines function definitions, vectorizes indexed sums and unifies dimensions.
import { ChainruleError } from '../errors.ts';
import type { BuiltinFunction, Declaration, Dim, Expr, Name, NormKind, Program, Span, Statement } from '../syntax/ast.ts';
import { nameKey } from '../syntax/ast.ts';
import type { ElementwiseBuiltin, ElementwiseFn, Variable } from '../ir/node.ts';
import { ELEMENTWISE_BUILTINS } from '../ir/node.ts';
import * as Q from '../ir/rational.ts';
import { printName } from '../print/names.ts';
import type { DimTerm } from './dims.ts';
import { ONE_DIM, fixed, fresh, showDim, unifyOrFail } from './dims.ts';
import type { Typed } from './typed.ts';
import { isColumnTyped, isRowTyped, isScalarTyped, scalarTyped, typed } from './typed.ts';

export type Kind = 'scalar' | 'vector' | 'matrix';

/** How an indexed name `xᵢ` in a sum is read: entry i of a vector x, or row i of a matrix X. */
export type Reading = 'entries' | 'rows';

/** What a name means before any expression is read. */
export type NameMeaning =
  | { readonly kind: 'declared'; readonly declaration: Declaration; readonly name: Name; readonly span: Span }
  | { readonly kind: 'definition'; readonly span: Span }
  | { readonly kind: 'function'; readonly params: readonly Name[]; readonly body: Expr; readonly span: Span };

export interface Scope {
  readonly program: Program;
  readonly source: string;
  readonly declared: ReadonlyMap<string, { declaration: Declaration; name: Name; span: Span }>;
  readonly functions: ReadonlyMap<string, { params: readonly Name[]; body: Expr; span: Span }>;
  readonly definitionNames: ReadonlySet<string>;
  readonly dimensionSymbols: ReadonlySet<string>;
  /** Names used only as callees, never alone: abstract functions (`f(x)`, `Φ(z)`). */
  readonly calleeOnly: ReadonlySet<string>;
  /** Matrices whose rows have a name: `W: n×d (rows wᵢᵀ)` → `w` ↦ `W`. */
  readonly rowNames: ReadonlyMap<string, string>;
  /** Declarations given beside the program (`--where`), and the text they were parsed from. */
  readonly externalDeclarations: ReadonlySet<Declaration>;
  readonly declarationSource?: string;
  /** A function definition that is the program's last line: its body is the output. */
  readonly outputFunction?: Statement;
  /** `e^x` is exp(x): e is neither declared nor defined (build/index.ts readsEulerE). */
  readonly eulerE: boolean;
}

export interface Elaborated {
  readonly variables: Map<string, { typed: Typed; name: Name; firstUse: Span }>;
  readonly definitions: { key: string; name: Name; value: Typed; span: Span }[];
  readonly outputs: { key?: string; name?: Name; value: Typed; span: Span }[];
}

/** Built-in words that name an elementwise function: every one of `ELEMENTWISE_BUILTINS` (one that is
 * no `BuiltinFunction`, a word of the grammar, fails tsc here). */
const ELEMENTWISE_WORDS: ReadonlySet<BuiltinFunction> = new Set<BuiltinFunction>(ELEMENTWISE_BUILTINS);
const isElementwiseWord = (fn: BuiltinFunction): fn is ElementwiseBuiltin => ELEMENTWISE_WORDS.has(fn);
const MAX_INLINE_DEPTH = 64;

const unsupportedMatrixNorm = (mark: string) => (x: string) => ({
  message: `the matrix norm ‖${x}‖${mark} is not supported`,
  hint: `for the sum of |entries| write sum(abs(${x})); for the largest, there is no smooth derivative`,
});

/** What a norm written with each kind (unwritten: F) is of a vector and of a matrix, or why a matrix's is refused. */
const NORM_READINGS: { readonly [K in NormKind]: { readonly vector: NormKind; readonly matrix: NormKind | ((x: string) => { message: string; hint: string }) } } = {
  '2': { vector: '2', matrix: (x) => ({ message: `the spectral norm ‖${x}‖₂ of a matrix is not supported`, hint: `did you mean the Frobenius norm ‖${x}‖_F?` }) },
  F: { vector: '2', matrix: 'F' },
  '1': { vector: '1', matrix: unsupportedMatrixNorm('₁') },
  '∞': { vector: '∞', matrix: unsupportedMatrixNorm('_∞') },
};

/** Index-sum lifting: inside `∑ᵢ body`, a term is plain, or indexed over i (a vector over i). */
interface IndexContext {
  readonly index: string;
  readonly size: DimTerm;
}

interface Lifted {
  readonly indexed: boolean;
  readonly value: Typed;
  /** Set when the term is `wᵢ` (a column, `row: false`) or `wᵢᵀ` (`row: true`): row i of this matrix. */
  readonly rowsOf?: Typed;
  readonly row?: boolean;
}

export class Elaborator {
  private readonly variables = new Map<string, { typed: Typed; name: Name; firstUse: Span }>();
  private readonly dimTerms = new Map<string, DimTerm>();
  private readonly definitionValues = new Map<string, Typed>();
  private inlineDepth = 0;
  /** Sums still being extended by a left-leaning chain; their term lists belong to this elaborator. */
  private readonly openSums = new Set<Typed>();

  constructor(
    private readonly scope: Scope,
    private readonly kinds: ReadonlyMap<string, Kind>,
    /** Readings of indexed names left open by the declarations (see build/index.ts). */
    private readonly readings: ReadonlyMap<string, Reading> = new Map(),
  ) {}

  run(): Elaborated {
    const definitions: Elaborated['definitions'] = [];
    const outputs: Elaborated['outputs'] = [];
    for (const st of this.scope.program.statements) {
      if (st.kind === 'declare') continue;
      if (st.kind === 'assign') {
        if (st.params && st === this.scope.outputFunction) {
          // `ℓ(x) = h(f(x), g(x))` as the last line: its body is the output, its parameters are variables.
          outputs.push({ key: nameKey(st.target), name: st.target, value: this.expr(st.value, new Map()), span: st.span });
          continue;
        }
        if (st.params) continue; // function definitions are inlined where they are called
        const key = nameKey(st.target);
        const value = this.expr(st.value, new Map());
        this.definitionValues.set(key, value);
        definitions.push({ key, name: st.target, value, span: st.span });
        outputs.push({ key, name: st.target, value, span: st.span });
      } else {
        outputs.push({ value: this.expr(st.value, new Map()), span: st.span });
      }
    }
    return { variables: this.variables, definitions, outputs };
  }

  // ---- names -------------------------------------------------------------------------------

  private dim(symbol: string | number, origin: string): DimTerm {
    if (typeof symbol === 'number') return fixed(symbol, origin);
    let t = this.dimTerms.get(symbol);
    if (!t) {
      t = fixed(symbol, origin);
      this.dimTerms.set(symbol, t);
    }
    return t;
  }

  private variable(name: Name, span: Span): Typed {
    const key = nameKey(name);
    const known = this.variables.get(key);
    if (known) return known.typed;
    const declared = this.scope.declared.get(key);
    let rows: DimTerm = ONE_DIM;
    let cols: DimTerm = ONE_DIM;
    let symmetric = false;
    if (declared) {
      const t = declared.declaration.type;
      const origin = `declared for ${display(name)}`;
      if (t.kind === 'vector') rows = this.declaredDim(t.size, origin);
      else if (t.kind === 'matrix') {
        rows = this.declaredDim(t.rows, origin);
        cols = this.declaredDim(t.cols, origin);
      } else if (t.kind !== 'scalar') {
        throw new ChainruleError(`${display(name)} is declared as a function; apply it to an argument`, { span, hint: `write ${display(name)}(z)` });
      }
      symmetric = declared.declaration.properties.includes('symmetric');
      if (symmetric) {
        try {
          unifyOrFail(rows, cols, declared.declaration.span, () => `${display(name)} is declared symmetric but is ${showDim(rows)}×${showDim(cols)}`);
        } catch (e) {
          throw this.scope.externalDeclarations.has(declared.declaration) && e instanceof ChainruleError ? e.withSource(this.scope.declarationSource ?? '') : e;
        }
      }
    } else {
      const kind = this.kinds.get(key) ?? defaultKind(name);
      if (kind !== 'scalar') rows = fresh();
      if (kind === 'matrix') cols = fresh();
    }
    const v: Variable = { key, name, symmetric };
    const node = typed('var', [], rows, cols, v, span, display(name));
    this.variables.set(key, { typed: node, name, firstUse: span });
    return node;
  }

  private declaredDim(d: Dim, origin: string): DimTerm {
    return d.kind === 'size' ? this.dim(d.value, origin) : this.dim(d.name, origin);
  }

  private name(name: Name, span: Span, params: ReadonlyMap<string, Typed>): Typed {
    const key = nameKey(name);
    const bound = params.get(key);
    if (bound) return bound;
    if (this.scope.declared.has(key)) return this.variable(name, span);
    const definition = this.definitionValues.get(key);
    if (definition) return definition;
    if (this.scope.definitionNames.has(key)) {
      throw new ChainruleError(`${display(name)} is used before it is defined`, { span, hint: `move the line that defines ${display(name)} above this one` });
    }
    if (this.scope.functions.has(key)) {
      throw new ChainruleError(`${display(name)} is a function; apply it to an argument`, { span, hint: `write ${display(name)}(…)` });
    }
    if (this.scope.dimensionSymbols.has(key)) return scalarTyped('dim', [], key, span, key);
    if (key === 'π') return scalarTyped('constant', [], 'π', span, 'π');
    if (key === 'I') {
      const n = fresh();
      return typed('identity', [], n, n, null, span, 'I');
    }
    return this.variable(name, span);
  }

  // ---- expressions -------------------------------------------------------------------------

  expr(e: Expr, params: ReadonlyMap<string, Typed>): Typed {
    switch (e.kind) {
      case 'number': {
        const value = Q.fromDecimal(e.text);
        return typed('const', [], ONE_DIM, ONE_DIM, value, e.span, e.text, Q.toNumber(value));
      }
      case 'name':
        return this.name(e.name, e.span, params);
      case 'ones':
        return typed('ones', [], fresh(), ONE_DIM, null, e.span, '𝟙');
      case 'neg':
        return this.scale(Q.rational(-1), this.expr(e.arg, params), e.span);
      case 'binary':
        return this.binary(e, params);
      case 'power': {
        if (this.isEuler(e.base, params)) return this.exponential(this.expr(e.exponent, params), e.span);
        const product = this.productCall(e.base, params);
        const raise = (base: Typed): Typed => (e.elementwise ? this.entrywisePower(base, this.expr(e.exponent, params), e.span) : this.power(base, this.expr(e.exponent, params), e.span));
        if (product) return this.product(product.factor, raise(this.expr(product.arg, params)), e.span);
        return raise(this.expr(e.base, params));
      }
      case 'transpose': {
        const product = this.productCall(e.arg, params);
        if (product) return this.product(product.factor, this.transpose(this.expr(product.arg, params), e.span), e.span);
        return this.transpose(this.expr(e.arg, params), e.span);
      }
      case 'norm':
        return this.norm(this.expr(e.arg, params), e.normKind, e.span);
      case 'bars':
        return this.bars(this.expr(e.arg, params), e.span);
      case 'indicator': {
        const left = this.expr(e.left, params);
        const right = this.matchShape(this.expr(e.right, params), left);
        this.sameShape(left, right, e.span, `𝟙[… ${e.relation} …]`);
        return typed('indicator', [left, right], left.rows, left.cols, e.relation, e.span, `𝟙[${left.text} ${e.relation} ${right.text}]`);
      }
      case 'call':
        return this.call(e, params);
      case 'indexSum':
        return this.indexSum(e, params);
    }
  }

  private sliceText(span: Span): string {
    const text = this.scope.source.slice(span.start, Math.min(span.end, span.start + 41));
    return span.end - span.start > 40 ? `${text.slice(0, 37)}…` : text;
  }

  private scale(c: Q.Rational, x: Typed, span: Span): Typed {
    if (x.op === 'const') {
      const v = Q.mul(c, x.attr as Q.Rational);
      return typed('const', [], ONE_DIM, ONE_DIM, v, span, this.sliceText(span), x.literal === undefined ? undefined : Q.toNumber(v));
    }
    const k = typed('const', [], ONE_DIM, ONE_DIM, c, span, String(Q.toNumber(c)));
    return typed('mul', [k, x], x.rows, x.cols, null, span, this.sliceText(span));
  }

  /** Binary operators; left-leaning chains of + − and of products are walked without recursion. */
  private binary(e: Extract<Expr, { kind: 'binary' }>, params: ReadonlyMap<string, Typed>): Typed {
    const isSum = e.op === 'add' || e.op === 'sub';
    const spine: Extract<Expr, { kind: 'binary' }>[] = [];
    let leftmost: Expr = e;
    while (leftmost.kind === 'binary' && (isSum ? leftmost.op === 'add' || leftmost.op === 'sub' : leftmost.op !== 'add' && leftmost.op !== 'sub')) {
      spine.push(leftmost);
      leftmost = leftmost.left;
    }
    let acc = this.expr(leftmost, params);
    for (let i = spine.length - 1; i >= 0; i--) {
      const node = spine[i];
      const right = this.expr(node.right, params);
      acc = this.combine(node.op, acc, right, node.span, node.right.span);
    }
    return acc;
  }

  private combine(op: Extract<Expr, { kind: 'binary' }>['op'], left: Typed, right: Typed, span: Span, rightSpan: Span): Typed {
    const text = this.sliceText(span);
    switch (op) {
      case 'add':
      case 'sub': {
        const l = this.matchShape(left, right);
        let r = this.matchShape(right, l);
        if (op === 'sub') r = this.scale(Q.rational(-1), r, rightSpan);
        this.sameShape(l, r, span, op === 'add' ? '+' : '−');
        // A chain a + b + c + … extends one term list (in place: 250 000 terms must stay linear).
        if (l.op === 'add' && l.span.start === span.start && this.openSums.has(l)) {
          (l.args as Typed[]).push(r);
          const extended = { ...l, span, text };
          this.openSums.delete(l);
          this.openSums.add(extended);
          return extended;
        }
        const sum = typed('add', [l, r], l.rows, l.cols, null, span, text);
        this.openSums.add(sum);
        return sum;
      }
      case 'mul':
        return this.product(left, right, span);
      case 'div': {
        if (!isScalarTyped(right)) {
          throw new ChainruleError(`cannot divide by ${right.text}, which is ${shapeText(right)}`, {
            span: rightSpan,
            hint: isScalarTyped(left) ? undefined : 'only division by a scalar is defined; for matrices write the inverse, A⁻¹',
          });
        }
        const reciprocal = this.power(right, typed('const', [], ONE_DIM, ONE_DIM, Q.rational(-1), rightSpan, '-1', -1), rightSpan);
        return typed('mul', [left, reciprocal], left.rows, left.cols, null, span, text);
      }
      case 'hadamardDiv': {
        // a ./ b = a ⊙ b^∘⁻¹; by a scalar it is plain division.
        if (isScalarTyped(right)) return this.combine('div', left, right, span, rightSpan);
        const reciprocal = this.entrywisePower(right, typed('const', [], ONE_DIM, ONE_DIM, Q.rational(-1), rightSpan, '-1', -1), rightSpan);
        return this.combine('hadamard', left, reciprocal, span, rightSpan);
      }
      case 'solve': {
        // A\b = A⁻¹b (MATLAB); a scalar a\b is b/a.
        if (isScalarTyped(left)) return this.combine('div', right, left, span, span);
        if (isColumnTyped(left) || isRowTyped(left)) {
          throw new ChainruleError(`${left.text}\\${right.text} needs a square matrix on the left, but ${left.text} is ${shapeText(left)}`, {
            span,
            hint: 'A\\b solves Ax = b, that is A⁻¹b; for least squares write (AᵀA)⁻¹Aᵀb',
          });
        }
        return this.product(this.power(left, typed('const', [], ONE_DIM, ONE_DIM, Q.rational(-1), span, '-1', -1), span), right, span);
      }
      case 'hadamard': {
        const l = this.matchShape(left, right);
        const r = this.matchShape(right, l);
        if (isScalarTyped(l) && isScalarTyped(r)) return typed('mul', [l, r], ONE_DIM, ONE_DIM, null, span, text);
        this.sameShape(l, r, span, '⊙');
        return typed('hadamard', [l, r], l.rows, l.cols, null, span, text);
      }
    }
  }

  /** Juxtaposition and `·`: scaling when either side is a scalar, otherwise a matrix product. */
  private product(left: Typed, right: Typed, span: Span): Typed {
    const text = this.sliceText(span);
    // `1μᵀ`: a literal 1 before a row vector is the ones column (an outer product), as in the notes.
    if (left.literal === 1 && isRowTyped(right)) left = typed('ones', [], fresh(), ONE_DIM, null, left.span, '𝟙');
    if (isScalarTyped(left) || isScalarTyped(right)) {
      const [s, t] = isScalarTyped(left) ? [left, right] : [right, left];
      return typed('mul', [s, t], t.rows, t.cols, null, span, text);
    }
    unifyOrFail(left.cols, right.rows, span, (a, b) => `cannot multiply ${left.text} (${shapeText(left)}) by ${right.text} (${shapeText(right)}): inner dimensions ${a} and ${b} differ`,
      isColumnTyped(left) && isColumnTyped(right) ? `for an inner product write ${left.text}ᵀ${right.text}; for elementwise, ${left.text} ⊙ ${right.text}` : undefined);
    return typed('matmul', [left, right], left.rows, right.cols, null, span, text);
  }

  /** A literal 1 or 0 next to a non-scalar becomes 𝟙 or 0 of that shape. */
  private matchShape(x: Typed, other: Typed): Typed {
    if (isScalarTyped(other) || !isScalarTyped(x) || x.literal === undefined) return x;
    if (x.literal === 0) return typed('zeros', [], other.rows, other.cols, null, x.span, '0');
    if (x.literal === 1) return typed('ones', [], other.rows, other.cols, null, x.span, '𝟙');
    return x;
  }

  private sameShape(l: Typed, r: Typed, span: Span, op: string): void {
    const hintScalar = isScalarTyped(l) !== isScalarTyped(r)
      ? `a scalar and a ${isScalarTyped(l) ? shapeKind(r) : shapeKind(l)} cannot be combined with ${op}; for a constant vector write c𝟙`
      : undefined;
    const describe = (a: string, b: string) => `${l.text} and ${r.text} have different shapes (${shapeText(l)} vs ${shapeText(r)}): ${a} ≠ ${b}`;
    if (isScalarTyped(l) !== isScalarTyped(r)) {
      throw new ChainruleError(`${l.text} is ${shapeText(l)} but ${r.text} is ${shapeText(r)}; ${op} needs equal shapes`, { span, hint: hintScalar });
    }
    unifyOrFail(l.rows, r.rows, span, describe);
    unifyOrFail(l.cols, r.cols, span, describe);
  }

  private power(base: Typed, exponent: Typed, span: Span): Typed {
    const text = this.sliceText(span);
    if (!isScalarTyped(exponent)) throw new ChainruleError(`the exponent ${exponent.text} must be a scalar`, { span: exponent.span });
    if (isScalarTyped(base)) {
      if (base.op === 'const' && exponent.op === 'const') {
        const v = Q.pow(base.attr as Q.Rational, exponent.attr as Q.Rational);
        return typed('const', [], ONE_DIM, ONE_DIM, v, span, text);
      }
      return typed('pow', [base, exponent], ONE_DIM, ONE_DIM, null, span, text);
    }
    const k = exponent.op === 'const' ? Q.toNumber(exponent.attr as Q.Rational) : NaN;
    if (isColumnTyped(base) || isRowTyped(base)) {
      throw new ChainruleError(`${base.text} is ${shapeText(base)}, so ${text} is ambiguous`, {
        span,
        hint: k === 2 ? `did you mean ‖${base.text}‖², ${base.text}ᵀ${base.text} or ${base.text} ⊙ ${base.text}?` : `for an elementwise power use ⊙`,
      });
    }
    unifyOrFail(base.rows, base.cols, span, (a, b) => `${base.text} is ${a}×${b}, not square, so it has no power or inverse`);
    if (k === -1) return typed('inv', [base], base.rows, base.cols, null, span, text);
    if (Number.isInteger(k) && k >= 1 && k <= 64) return typed('matmul', Array.from({ length: k }, () => base), base.rows, base.cols, null, span, text);
    if (Number.isInteger(k) && k <= -2 && k >= -64) {
      const inverse = typed('inv', [base], base.rows, base.cols, null, span, text);
      return typed('matmul', Array.from({ length: -k }, () => inverse), base.rows, base.cols, null, span, text);
    }
    throw new ChainruleError(`matrix powers need an integer exponent, not ${exponent.text}`, { span: exponent.span });
  }

  /** x.^k, X^∘k: entry by entry (a power of a scalar for a scalar). */
  private entrywisePower(base: Typed, exponent: Typed, span: Span): Typed {
    if (isScalarTyped(base)) return this.power(base, exponent, span);
    if (!isScalarTyped(exponent)) throw new ChainruleError(`the exponent ${exponent.text} must be a scalar`, { span: exponent.span });
    return typed('pow', [base, exponent], base.rows, base.cols, null, span, this.sliceText(span));
  }

  /** Is this the base e of e^x, Euler's number? */
  private isEuler(base: Expr, params: ReadonlyMap<string, Typed>): boolean {
    return this.scope.eulerE && base.kind === 'name' && nameKey(base.name) === 'e' && !params.has('e');
  }

  /** e^x: exp(x), entrywise for a vector. For a matrix, e^X is the matrix exponential: refused. */
  private exponential(x: Typed, span: Span): Typed {
    if (!isScalarTyped(x) && !isColumnTyped(x) && !isRowTyped(x)) {
      throw new ChainruleError(`e^${x.text} of a matrix is the matrix exponential, which chainrule does not support`, {
        span,
        hint: `for the entrywise exponential write exp(${x.text})`,
      });
    }
    return this.elementwise({ kind: 'builtin', name: 'exp' }, x, span);
  }

  private transpose(x: Typed, span: Span): Typed {
    if (x.literal === 1) x = typed('ones', [], fresh(), ONE_DIM, null, x.span, '𝟙');
    if (isScalarTyped(x)) return x;
    return typed('transpose', [x], x.cols, x.rows, null, span, this.sliceText(span));
  }

  private norm(x: Typed, kind: NormKind | undefined, span: Span): Typed {
    const text = this.sliceText(span);
    if (isScalarTyped(x)) return this.elementwise({ kind: 'builtin', name: 'abs' }, x, span);
    const reading = NORM_READINGS[kind ?? 'F'];
    if (isColumnTyped(x) || isRowTyped(x)) return scalarTyped('norm', [x], reading.vector, span, text);
    if (typeof reading.matrix === 'string') return scalarTyped('norm', [x], reading.matrix, span, text);
    const refused = reading.matrix(x.text);
    throw new ChainruleError(refused.message, { span, hint: refused.hint });
  }

  private bars(x: Typed, span: Span): Typed {
    const text = this.sliceText(span);
    if (isScalarTyped(x)) return this.elementwise({ kind: 'builtin', name: 'abs' }, x, span);
    if (isColumnTyped(x) || isRowTyped(x)) {
      throw new ChainruleError(`|${x.text}| of a vector is undefined`, { span, hint: `did you mean the norm ‖${x.text}‖?` });
    }
    unifyOrFail(x.rows, x.cols, span, (a, b) => `|${x.text}| is a determinant, but ${x.text} is ${a}×${b}, not square`);
    return scalarTyped('det', [x], null, span, text);
  }

  private elementwise(fn: ElementwiseFn, x: Typed, span: Span): Typed {
    return typed('apply', [x], x.rows, x.cols, fn, span, this.sliceText(span));
  }

  private square(x: Typed, span: Span, what: string): void {
    if (isColumnTyped(x) || isRowTyped(x)) throw new ChainruleError(`${what} needs a square matrix, but ${x.text} is a vector (${shapeText(x)})`, { span, hint: what === 'tr' ? `for a sum of entries use sum(${x.text}) or 𝟙ᵀ${x.text}` : undefined });
    unifyOrFail(x.rows, x.cols, span, (a, b) => `${what} needs a square matrix, but ${x.text} is ${a}×${b}`);
  }

  // ---- calls -------------------------------------------------------------------------------

  /** `γ(K)` that is really the product γ·(K): a postfix after it binds to (K) alone, γ(K)⁻¹ = γK⁻¹.
   * Not when the call is bracketed itself: (γ(K))⁻¹ is the inverse of the whole product. */
  private productCall(e: Expr, params: ReadonlyMap<string, Typed>): { factor: Typed; arg: Expr } | undefined {
    if (e.kind !== 'call' || e.grouped || !('name' in e.callee) || e.args.length !== 1 || e.primes > 0 || e.partials !== undefined) return undefined;
    const key = nameKey(e.callee.name);
    if (this.scope.functions.has(key) && !params.has(key)) return undefined;
    const declared = this.scope.declared.get(key)?.declaration.type.kind;
    if (declared === 'elementwise' || declared === 'function' || (declared === undefined && this.scope.calleeOnly.has(key) && !params.has(key))) return undefined;
    return { factor: this.name(e.callee.name, e.span, params), arg: e.args[0] };
  }

  private call(e: Extract<Expr, { kind: 'call' }>, params: ReadonlyMap<string, Typed>): Typed {
    const span = e.span;
    const text = this.sliceText(span);
    const arity = (n: number, what: string) => {
      if (e.args.length !== n) throw new ChainruleError(`${what} takes ${n} argument${n === 1 ? '' : 's'}, not ${e.args.length}`, { span });
    };
    if ('name' in e.callee) return this.userCall(e, e.callee.name, params);
    const fn = e.callee.builtin;
    if (fn === 'σ' && this.scope.declared.has('σ')) {
      // σ declared as a variable: σ(z) is a product.
      return this.product(this.variable({ base: 'σ' }, span), this.expr(single(e), params), span);
    }
    if (e.primes > 0 && isElementwiseWord(fn) && fn !== 'abs') {
      throw new ChainruleError(`${fn}′ is written out, not primed`, { span, hint: fn === 'σ' ? 'write σ(z)(1 − σ(z)), or differentiate with `chainrule diff`' : 'differentiate with `chainrule diff`' });
    }
    if (isElementwiseWord(fn)) {
      arity(1, fn);
      const x = this.expr(e.args[0], params);
      refuseConstantOnes(fn, x, span);
      return this.elementwise({ kind: 'builtin', name: fn }, x, span);
    }
    const args = e.args.map((a) => this.expr(a, params));
    switch (fn) {
      case 'tr': {
        arity(1, 'tr');
        const x = args[0];
        if (isScalarTyped(x)) return x;
        this.square(x, span, 'tr');
        return scalarTyped('trace', [x], null, span, text);
      }
      case 'det':
      case 'logdet': {
        arity(1, fn);
        const x = args[0];
        if (isScalarTyped(x)) return fn === 'det' ? x : this.elementwise({ kind: 'builtin', name: 'log' }, x, span);
        this.square(x, span, fn);
        const determinant = scalarTyped('det', [x], null, span, text);
        return fn === 'det' ? determinant : this.elementwise({ kind: 'builtin', name: 'log' }, determinant, span);
      }
      case 'inv': {
        arity(1, 'inv');
        return this.power(args[0], typed('const', [], ONE_DIM, ONE_DIM, Q.rational(-1), span, '-1', -1), span);
      }
      case 'norm':
        arity(1, 'norm');
        return this.norm(args[0], e.normKind, span);
      case 'sum': {
        arity(1, 'sum');
        return this.sumOf(args[0], span);
      }
      case 'diag': {
        arity(1, 'diag');
        const x = args[0];
        if (isScalarTyped(x)) return x;
        if (isColumnTyped(x)) return typed('diag', [x], x.rows, x.rows, null, span, text);
        this.square(x, span, 'diag');
        return typed('diag', [x], x.rows, ONE_DIM, null, span, text);
      }
      case 'softmax':
      case 'logsoftmax': {
        // Over the entries of a vector; over each row of a matrix, as in attention softmax(QKᵀ/√d)V.
        arity(1, fn);
        const x = args[0];
        const word = fn === 'softmax' ? 'softmax' : 'log_softmax';
        if (isScalarTyped(x)) throw new ChainruleError(`${word} takes a vector or a matrix, but ${x.text} is a scalar`, { span, hint: `${word} of a single number is ${fn === 'softmax' ? 1 : 0}` });
        return typed(fn, [x], x.rows, x.cols, null, span, text);
      }
      case 'logsumexp': {
        arity(1, fn);
        const x = args[0];
        if (!isColumnTyped(x)) throw new ChainruleError(`${fn} takes a vector, but ${x.text} is ${shapeText(x)}`, { span });
        return scalarTyped('logsumexp', [x], null, span, text);
      }
      case 'max':
      case 'min': {
        if (args.length !== 2) {
          throw new ChainruleError(`${fn} takes two arguments (elementwise), not ${args.length}`, { span, hint: args.length === 1 ? `the largest entry of a vector is not differentiable; for a smooth version use logsumexp(${args[0].text})` : undefined });
        }
        const a = this.matchShape(args[0], args[1]);
        const b = this.matchShape(args[1], a);
        this.sameShape(a, b, span, fn);
        return typed(fn, [a, b], a.rows, a.cols, null, span, text);
      }
      default:
        throw new ChainruleError(`${fn} is not a function here`, { span });
    }
  }

  /** sum(x): 𝟙ᵀx for a vector, 𝟙ᵀX𝟙 for a matrix. */
  private sumOf(x: Typed, span: Span): Typed {
    if (isScalarTyped(x)) return x;
    const text = this.sliceText(span);
    const onesRow = (n: DimTerm): Typed => typed('transpose', [typed('ones', [], n, ONE_DIM, null, span, '𝟙')], ONE_DIM, n, null, span, '𝟙ᵀ');
    if (isColumnTyped(x)) return typed('matmul', [onesRow(x.rows), x], ONE_DIM, ONE_DIM, null, span, text);
    if (isRowTyped(x)) return typed('matmul', [x, typed('ones', [], x.cols, ONE_DIM, null, span, '𝟙')], ONE_DIM, ONE_DIM, null, span, text);
    return typed('matmul', [onesRow(x.rows), x, typed('ones', [], x.cols, ONE_DIM, null, span, '𝟙')], ONE_DIM, ONE_DIM, null, span, text);
  }

  private userCall(e: Extract<Expr, { kind: 'call' }>, name: Name, params: ReadonlyMap<string, Typed>): Typed {
    const key = nameKey(name);
    const span = e.span;
    const text = this.sliceText(span);
    const definition = this.scope.functions.get(key);
    if (definition && !params.has(key)) {
      if (e.primes > 0 || e.partials !== undefined) throw new ChainruleError(`${e.partials ? '∂' : ''}${display(name)}${e.partials ? '' : '′'} of a defined function: differentiate it with \`chainrule diff\``, { span });
      if (definition.params.length !== e.args.length) {
        throw new ChainruleError(`${display(name)} takes ${definition.params.length} argument${definition.params.length === 1 ? '' : 's'}, not ${e.args.length}`, { span, hint: `it is defined at ${this.sliceText(definition.span)}` });
      }
      if (++this.inlineDepth > MAX_INLINE_DEPTH) throw new ChainruleError(`${display(name)} calls itself (recursion is not supported)`, { span });
      const bound = new Map<string, Typed>();
      e.args.forEach((a, i) => bound.set(nameKey(definition.params[i]), this.expr(a, params)));
      try {
        return this.expr(definition.body, bound);
      } finally {
        this.inlineDepth--;
      }
    }
    const declared = this.scope.declared.get(key)?.declaration.type.kind;
    const abstractElementwise = declared === 'elementwise' || (declared === undefined && this.scope.calleeOnly.has(key) && e.args.length === 1 && !params.has(key));
    const abstractFunction = declared === 'function' || (declared === undefined && this.scope.calleeOnly.has(key) && e.args.length > 1 && !params.has(key));
    const partials = e.partials ?? Array.from({ length: e.primes }, () => 1);
    for (const i of partials) {
      if (i > e.args.length) throw new ChainruleError(`∂${printName({ base: '', sub: String(i) }, 'unicode')}${display(name)}: ${display(name)} has ${e.args.length} argument${e.args.length === 1 ? '' : 's'}`, { span, hint: 'partial derivatives are numbered by argument, from 1' });
    }
    if (abstractElementwise) {
      if (e.args.length !== 1) throw new ChainruleError(`${display(name)} is elementwise and takes one argument`, { span });
      return this.elementwise({ kind: 'abstract', name, key, order: partials.length }, this.expr(e.args[0], params), span);
    }
    if (abstractFunction) {
      const args = e.args.map((a) => this.expr(a, params));
      for (const a of args) {
        if (!isScalarTyped(a)) throw new ChainruleError(`${display(name)} takes scalar arguments, but ${a.text} is ${shapeText(a)}`, { span: a.span, hint: `declare ${display(name)}: elementwise to apply it entrywise` });
      }
      return scalarTyped('call', args, { key, name, partials: [...partials].sort((a, b) => a - b) }, span, text);
    }
    // A variable before parentheses: `y(1 − y)` is a product.
    if (e.args.length !== 1) {
      throw new ChainruleError(`${display(name)} is a variable, not a function`, { span, hint: `declare it (${display(name)}: function) or define it (${display(name)}(x) = …)` });
    }
    if (e.primes > 0 || e.partials !== undefined) throw new ChainruleError(`${display(name)}′: ${display(name)} is not a declared function`, { span, hint: `declare ${display(name)}: elementwise` });
    return this.product(this.name(name, span, params), this.expr(e.args[0], params), span);
  }

  // ---- indexed sums ------------------------------------------------------------------------

  /** `∑ᵢ φ(wᵢᵀx + bᵢ)` → `𝟙ᵀφ(Wx + b)`: the body is lifted to a vector over i, then summed. */
  private indexSum(e: Extract<Expr, { kind: 'indexSum' }>, params: ReadonlyMap<string, Typed>): Typed {
    const context: IndexContext = { index: e.index, size: fresh() };
    const lifted = this.lift(e.body, params, context);
    if (!lifted.indexed) {
      throw new ChainruleError(`the sum over ${e.index} has a body that does not depend on ${e.index}`, { span: e.span, hint: `write the terms with an index, as in ∑ᵢ x${subscript(e.index)}` });
    }
    if (!isColumnTyped(lifted.value) || lifted.rowsOf) {
      throw new ChainruleError(`each term of the sum over ${e.index} must be a scalar`, { span: e.body.span });
    }
    return this.sumOf(lifted.value, e.span);
  }

  private lift(e: Expr, params: ReadonlyMap<string, Typed>, ctx: IndexContext): Lifted {
    const plain = (): Lifted => ({ indexed: false, value: this.expr(e, params) });
    switch (e.kind) {
      case 'name': {
        if (e.name.sub !== ctx.index) return plain();
        const baseName: Name = { ...e.name, sub: undefined };
        const matrixName: Name = { ...baseName, base: baseName.base.toUpperCase() };
        const reading = this.readings.get(nameKey(baseName));
        const rowMatrix = this.scope.rowNames.get(nameKey(baseName))
          ?? (reading === 'rows' || (reading === undefined && this.hasVariable(matrixName)) ? nameKey(matrixName) : undefined);
        if (rowMatrix && rowMatrix !== nameKey(baseName)) {
          const m = this.name(this.scope.declared.get(rowMatrix)?.name ?? { ...baseName, base: baseName.base.toUpperCase() }, e.span, params);
          if (isScalarTyped(m) || isColumnTyped(m)) throw new ChainruleError(`${display(e.name)} should be a row of a matrix`, { span: e.span });
          unifyOrFail(m.rows, ctx.size, e.span, (a, b) => `the sum over ${ctx.index} runs over ${b} terms but ${m.text} has ${a} rows`);
          return { indexed: true, value: m, rowsOf: m, row: false };
        }
        const v = this.name(baseName, e.span, params);
        if (!isColumnTyped(v)) throw new ChainruleError(`${display(e.name)}: ${display(baseName)} must be a vector to be indexed by ${ctx.index}`, { span: e.span });
        unifyOrFail(v.rows, ctx.size, e.span, (a, b) => `the sum over ${ctx.index} runs over ${b} terms but ${v.text} has ${a} entries`);
        return { indexed: true, value: v };
      }
      case 'transpose': {
        const x = this.lift(e.arg, params, ctx);
        if (!x.indexed) return { indexed: false, value: this.transpose(x.value, e.span) };
        if (x.rowsOf) return { ...x, row: !x.row }; // wᵢᵀ: row i of W read as a row vector
        return x; // a scalar's transpose is itself
      }
      case 'binary': {
        if (e.op === 'mul') return this.liftProduct(e, params, ctx);
        const l = this.lift(e.left, params, ctx);
        const r = this.lift(e.right, params, ctx);
        if (!l.indexed && !r.indexed) return { indexed: false, value: this.combine(e.op, l.value, r.value, e.span, e.right.span) };
        if (l.rowsOf || r.rowsOf || e.op === 'solve') throw new ChainruleError(`cannot vectorize this expression over ${ctx.index}`, { span: e.span });
        const lv = l.indexed ? l.value : this.broadcast(l.value, ctx, e.left.span);
        const rv = r.indexed ? r.value : this.broadcast(r.value, ctx, e.right.span);
        if ((e.op === 'div' || e.op === 'hadamardDiv') && !r.indexed) return { indexed: true, value: this.combine('div', l.value, r.value, e.span, e.right.span) };
        if (e.op === 'div' || e.op === 'hadamardDiv') throw new ChainruleError(`dividing by an indexed term is not supported in a sum`, { span: e.span });
        return { indexed: true, value: this.combine(e.op, lv, rv, e.span, e.right.span) };
      }
      case 'neg': {
        const x = this.lift(e.arg, params, ctx);
        return { ...x, value: this.scale(Q.rational(-1), x.value, e.span) } as Lifted;
      }
      case 'power': {
        if (this.isEuler(e.base, params)) {
          const x = this.lift(e.exponent, params, ctx);
          return { indexed: x.indexed, value: this.exponential(x.value, e.span) };
        }
        const b = this.lift(e.base, params, ctx);
        if (!b.indexed) return plain();
        const exponent = this.expr(e.exponent, params);
        return { indexed: true, value: typed('pow', [b.value, exponent], b.value.rows, b.value.cols, null, e.span, this.sliceText(e.span)) };
      }
      case 'call': {
        const lifted = e.args.map((a) => this.lift(a, params, ctx));
        if (!lifted.some((l) => l.indexed)) return plain();
        if (lifted.length !== 1) throw new ChainruleError(`only one-argument functions can be vectorized over ${ctx.index}`, { span: e.span });
        const x = lifted[0].value;
        if ('builtin' in e.callee) {
          const fn = e.callee.builtin;
          if (!isElementwiseWord(fn)) throw new ChainruleError(`${fn} cannot be vectorized over ${ctx.index}`, { span: e.span });
          return { indexed: true, value: this.elementwise({ kind: 'builtin', name: fn }, x, e.span) };
        }
        const key = nameKey(e.callee.name);
        return { indexed: true, value: this.elementwise({ kind: 'abstract', name: e.callee.name, key, order: e.primes }, x, e.span) };
      }
      default:
        return plain();
    }
  }

  /**
   * A product inside `∑ᵢ`, read as a whole chain so that grouping does not matter (yᵢwᵀxᵢ is
   * yᵢ·(wᵀxᵢ)). Scalar factors (plain scalars, entries yᵢ) multiply entry by entry; the others, in
   * order, must make one scalar per term: xᵢᵀv → Xv, vᵀxᵢ → Xv, xᵢᵀAzᵢ → (XA ⊙ Z)𝟙, or plain
   * factors alone. Anything else (an outer product xᵢwᵀ) is not a scalar per term and is refused.
   */
  private liftProduct(e: Extract<Expr, { kind: 'binary' }>, params: ReadonlyMap<string, Typed>, ctx: IndexContext): Lifted {
    const factors: Expr[] = [];
    const flatten = (x: Expr): void => {
      if (x.kind === 'binary' && x.op === 'mul') {
        flatten(x.left);
        flatten(x.right);
      } else factors.push(x);
    };
    flatten(e);
    const lifted = factors.map((f) => ({ expr: f, lifted: this.lift(f, params, ctx) }));
    if (!lifted.some((f) => f.lifted.indexed)) {
      return { indexed: false, value: lifted.slice(1).reduce((acc, f) => this.product(acc, f.lifted.value, f.expr.span), lifted[0].lifted.value) };
    }
    const scalars: Typed[] = [];
    const entries: Typed[] = [];
    const chain: { expr: Expr; lifted: Lifted }[] = [];
    for (const f of lifted) {
      if (f.lifted.rowsOf) chain.push(f);
      else if (f.lifted.indexed) entries.push(f.lifted.value);
      else if (isScalarTyped(f.lifted.value)) scalars.push(f.lifted.value);
      else chain.push(f);
    }
    const refuse = (why: string): never => {
      throw new ChainruleError(`cannot vectorize this product over ${ctx.index}: ${why}`, { span: e.span, hint: `write each term as a scalar, as in ∑ᵢ yᵢ wᵀx${subscript(ctx.index)}` });
    };
    const rows = chain.filter((f) => f.lifted.rowsOf);
    let vectorized: Typed | undefined;
    const plainProduct = (items: readonly { lifted: Lifted }[]): Typed | undefined =>
      items.length === 0 ? undefined : items.slice(1).reduce((acc, f) => this.product(acc, f.lifted.value, e.span), items[0].lifted.value);
    if (rows.length === 0) {
      const plain = plainProduct(chain);
      if (plain && !isScalarTyped(plain)) refuse(`${plain.text} is ${shapeText(plain)}, not a scalar`);
      if (plain) scalars.push(plain);
    } else {
      const first = chain[0];
      const last = chain[chain.length - 1];
      if (rows.length === 1 && first.lifted.rowsOf && first.lifted.row) {
        // xᵢᵀ M v → (X M v)ᵢ
        const rest = plainProduct(chain.slice(1));
        if (!rest || !isColumnTyped(rest)) refuse(`${first.lifted.rowsOf.text}'s row must be followed by a column vector`);
        vectorized = this.product(first.lifted.rowsOf, rest as Typed, e.span);
      } else if (rows.length === 1 && last.lifted.rowsOf && !last.lifted.row) {
        // vᵀ M xᵢ → (X Mᵀ v)ᵢ
        const before = plainProduct(chain.slice(0, -1));
        if (!before || !isRowTyped(before)) refuse(`${last.lifted.rowsOf.text}'s row must follow a row vector`);
        vectorized = this.product(last.lifted.rowsOf, this.transpose(before as Typed, e.span), e.span);
      } else if (rows.length === 2 && first.lifted.rowsOf && first.lifted.row && last.lifted.rowsOf && !last.lifted.row) {
        // xᵢᵀ M zᵢ → ((X M) ⊙ Z)𝟙
        const middle = plainProduct(chain.slice(1, -1));
        const left = middle ? this.product(first.lifted.rowsOf, middle, e.span) : first.lifted.rowsOf;
        const both = this.combine('hadamard', left, last.lifted.rowsOf, e.span, e.span);
        vectorized = this.product(both, typed('ones', [], both.cols, ONE_DIM, null, e.span, '𝟙'), e.span);
      } else {
        refuse('each term must be a scalar, such as xᵢᵀv, vᵀxᵢ or xᵢᵀAxᵢ');
      }
    }
    const perTerm = [...entries, ...(vectorized ? [vectorized] : [])];
    if (perTerm.length === 0) return { indexed: false, value: scalars.reduce((acc, x) => this.product(acc, x, e.span)) };
    let value = perTerm.slice(1).reduce((acc, x) => this.combine('hadamard', acc, x, e.span, e.span), perTerm[0]);
    for (const c of scalars) value = this.product(c, value, e.span);
    return { indexed: true, value };
  }

  private hasVariable(name: Name): boolean {
    const key = nameKey(name);
    return this.scope.declared.has(key) || this.variables.has(key);
  }

  private broadcast(x: Typed, ctx: IndexContext, span: Span): Typed {
    if (!isScalarTyped(x)) throw new ChainruleError(`${x.text} does not depend on the index and is not a scalar`, { span });
    const ones = typed('ones', [], ctx.size, ONE_DIM, null, span, '𝟙');
    return typed('mul', [x, ones], ctx.size, ONE_DIM, null, span, x.text);
  }
}

/** `log(𝟙ᵀ)`, `exp(𝟙)`: a function of a ones vector is a constant vector, which nobody writes on
 * purpose; it is what `log 𝟙ᵀ exp z` means when the argument stops early. Refused, never read silently. */
function refuseConstantOnes(fn: string, x: Typed, span: Span): void {
  const ones = x.op === 'ones' || (x.op === 'transpose' && x.args[0]?.op === 'ones');
  if (!ones) return;
  const row = x.op === 'transpose';
  throw new ChainruleError(`${fn}(${row ? '𝟙ᵀ' : '𝟙'}) applies ${fn} to a ${row ? 'row' : 'vector'} of ones, a constant`, {
    span,
    hint: `if ${fn} should take the whole product, put it in parentheses: ${fn}(${row ? '𝟙ᵀexp(z)' : '…'})`,
  });
}

function single(e: Extract<Expr, { kind: 'call' }>): Expr {
  if (e.args.length !== 1) throw new ChainruleError(`expected one argument`, { span: e.span });
  return e.args[0];
}

const SUBSCRIPTS: Record<string, string> = { i: 'ᵢ', j: 'ⱼ', k: 'ₖ', n: 'ₙ', m: 'ₘ' };
const subscript = (s: string): string => SUBSCRIPTS[s] ?? `_${s}`;

/** The name as the user would write it: `W⁽¹⁾`, `x₁`, `ŷ`, `L_reg` (as the Unicode printer writes it). */
export const display = (n: Name): string => printName(n, 'unicode');

/** Naming defaults of LANGUAGE.md: upper-case Latin → matrix, lower-case Latin → vector, Greek → scalar. */
export function defaultKind(n: Name): Kind {
  const c = n.base;
  if (/^[A-Z]$/.test(c)) return 'matrix';
  if (/^[a-z]$/.test(c)) return 'vector';
  return 'scalar';
}

export function shapeText(t: Typed): string {
  if (isScalarTyped(t)) return 'a scalar';
  if (isColumnTyped(t)) return `a vector of ${showDim(t.rows)}`;
  if (isRowTyped(t)) return `a row vector of ${showDim(t.cols)}`;
  return `${showDim(t.rows)}×${showDim(t.cols)}`;
}

const shapeKind = (t: Typed): string => (isColumnTyped(t) || isRowTyped(t) ? 'vector' : 'matrix');

