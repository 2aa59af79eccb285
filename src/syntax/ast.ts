// The syntax tree: what the user wrote, with source spans, and nothing more.
// Every spelling of a concept (Unicode, ASCII, LaTeX) produces the same tree shape; meaning
// (is `|A|` a determinant? is `y(1 − y)` a call or a product?) is decided later, in `build/`.

import type { Span } from '../errors.ts';

export type { Span };

/**
 * A variable or function name, in canonical parts. `W₁`, `W_1`, `W1` → {base:'W', sub:'1'};
 * `W⁽¹⁾`, `W^(1)`, `W^{(1)}` → {base:'W', index:'1'}; `ŷ`, `y_hat`, `\hat{y}` → {base:'y', accent:'hat'};
 * `α`, `alpha`, `\alpha` → {base:'α'}; `L_reg`, `\mathcal{L}_{reg}` → {base:'L', sub:'reg'}.
 * `base` is one Unicode letter (Latin or Greek, canonical Unicode form), never an ASCII Greek word.
 */
export interface Name {
  readonly base: string;
  readonly sub?: string;
  readonly index?: string;
  readonly accent?: 'hat' | 'bar' | 'tilde' | 'dot';
  /** How it is drawn, when a document asks for a font (𝓛 for \mathcal{L}); not part of its identity. */
  readonly style?: 'script';
}

/** Canonical key of a name: `W_1`, `W^(1)`, `y_hat`, `α`, `L_reg`, `W_1^(2)`. */
export function nameKey(n: Name): string {
  let key = n.base;
  if (n.accent) key += `_${n.accent}`;
  if (n.sub !== undefined) key += `_${n.sub}`;
  if (n.index !== undefined) key += `^(${n.index})`;
  return key;
}

/** Built-in function words, canonical. Aliases map here in the grammar: ln→log, sigma/sigmoid/\sigma→σ,
 * trace/\operatorname{tr}/\mathrm{tr}→tr, sqrt/√/\sqrt→sqrt, \det→det, \exp→exp, \log→log, \max→max, \min→min. */
export const BUILTIN_FUNCTIONS = [
  'log', 'exp', 'sqrt', 'σ', 'tanh', 'relu', 'softplus', 'tr', 'det', 'logdet', 'sum', 'diag',
  'softmax', 'logsoftmax', 'logsumexp', 'max', 'min', 'abs', 'inv', 'norm', 'sign', 'sin', 'cos', 'tan', 'arctan', 'sinh', 'cosh', 'log1p',
  'expm1', 'erf',
] as const;
export type BuiltinFunction = (typeof BUILTIN_FUNCTIONS)[number];

export type Relation = '>' | '<' | '≥' | '≤';

/** ‖x‖₂ (and ‖X‖ read as Frobenius for a matrix), ‖X‖_F, ‖w‖₁, ‖w‖_∞. Every stage handles each kind in
 * a table keyed by NormKind, so a new kind fails tsc until each of them does. */
export const NORM_KINDS = ['2', 'F', '1', '∞'] as const;
export type NormKind = (typeof NORM_KINDS)[number];

export type Expr =
  /** A decimal literal; `value` is its exact text (`2`, `0.5`, `10`). Vulgar fractions `½` and `\frac12` are `div`. */
  | { readonly kind: 'number'; readonly text: string; readonly span: Span }
  /** A name: variable, dimension symbol, constant (`π`, `I`), decided later. */
  | { readonly kind: 'name'; readonly name: Name; readonly span: Span }
  /** `𝟙`, `ones`, `\mathbf{1}`: the ones vector (size inferred). */
  | { readonly kind: 'ones'; readonly span: Span }
  /** `f(a, b)`, `σ(z)`, `log|K|`, `\log x`, `√x`, `tr(AB)`, `y(1 − y)` (maybe a product: decided later).
   * `callee` is a BuiltinFunction word or a user Name; `primes` counts `′` (φ′(z) → 1). `normKind` only for norm(X, 'fro'). */
  | {
      readonly kind: 'call';
      readonly callee: { readonly builtin: BuiltinFunction } | { readonly name: Name };
      readonly primes: number;
      readonly args: readonly Expr[];
      readonly normKind?: NormKind;
      /** Written inside its own brackets, `(x(y + 1))`: a postfix after it applies to the whole call or product. */
      readonly grouped?: true;
      /** `∂₁∂₂f(a, b)`: partial derivatives of an abstract function, by argument position (1-based). */
      readonly partials?: readonly number[];
      readonly span: Span;
    }
  | { readonly kind: 'neg'; readonly arg: Expr; readonly span: Span }
  /** Binary operators. `mul` covers juxtaposition, `*`, `·`, `⋅`, `\cdot`, `\times`, `@`; `hadamard` covers ⊙ ∘ .* \odot \circ;
   * `hadamardDiv` is MATLAB's `./`; `solve` is MATLAB's left division `A\b` = A⁻¹b. */
  | {
      readonly kind: 'binary';
      readonly op: 'add' | 'sub' | 'mul' | 'div' | 'hadamard' | 'hadamardDiv' | 'solve';
      readonly left: Expr;
      readonly right: Expr;
      readonly span: Span;
    }
  /** `x²`, `x^2`, `x^{2}`, `β⁻¹`, `A^{-1}`, `x^(n+1)`: a power; build decides inverse vs reciprocal.
   * `elementwise` for the entrywise power `x.^2`, `x^∘²`, `x^{\circ 2}`. */
  | { readonly kind: 'power'; readonly base: Expr; readonly exponent: Expr; readonly elementwise?: true; readonly span: Span }
  /** `Aᵀ`, `A⊤`, `A'`, `A.T`, `A^T`, `A^\top`, `A^{\mathsf T}`, `A^\intercal`. */
  | { readonly kind: 'transpose'; readonly arg: Expr; readonly span: Span }
  /** `‖x‖`, `‖x‖₂`, `‖X‖_F`, `\|x\|`, `\lVert x\rVert`, `\left\| x \right\|_2`, `norm(x)` → norm (`norm` builtin call is also fine: build treats both). */
  | { readonly kind: 'norm'; readonly arg: Expr; readonly normKind?: NormKind; readonly span: Span }
  /** `|x|`, `\left| A \right|`: absolute value or determinant, decided by shape. */
  | { readonly kind: 'bars'; readonly arg: Expr; readonly span: Span }
  /** `𝟙[z > 0]`, `ind(z > 0)`, `\mathbb{1}[z>0]`. */
  | { readonly kind: 'indicator'; readonly relation: Relation; readonly left: Expr; readonly right: Expr; readonly span: Span }
  /** `∑ᵢ body`, `sum_i(body)`, `\sum_{i=1}^n body`, `∑_{i=1}^{n} body`. */
  | { readonly kind: 'indexSum'; readonly index: string; readonly lower?: Expr; readonly upper?: Expr; readonly body: Expr; readonly span: Span };

export type Dim = { readonly kind: 'size'; readonly value: number; readonly span: Span } | { readonly kind: 'symbol'; readonly name: string; readonly span: Span };

export type DeclType =
  | { readonly kind: 'scalar' }
  | { readonly kind: 'vector'; readonly size: Dim }
  | { readonly kind: 'matrix'; readonly rows: Dim; readonly cols: Dim }
  /** `Φ: elementwise`: an abstract elementwise function with derivative Φ′. */
  | { readonly kind: 'elementwise' }
  /** `f: function`: an abstract scalar function of any number of scalar arguments. */
  | { readonly kind: 'function' };

/** `W⁽¹⁾, W⁽²⁾: d×d symmetric (rows wᵢᵀ)`; `x ∈ ℝⁿ`; `y ∈ ℝ`. */
export interface Declaration {
  readonly names: readonly { readonly name: Name; readonly span: Span }[];
  readonly type: DeclType;
  readonly properties: readonly 'symmetric'[];
  /** `(rows wᵢᵀ)`: the name of a row of a matrix, used by indexed sums. */
  readonly rowName?: Name;
  readonly span: Span;
}

export type Statement =
  /** `z = wx + b`; `f(x) = x²`; `h(x₁, x₂) = x₁² + x₂²` (params present ⇒ function definition). */
  | { readonly kind: 'assign'; readonly target: Name; readonly params?: readonly Name[]; readonly value: Expr; readonly span: Span; readonly targetSpan: Span }
  | { readonly kind: 'expr'; readonly value: Expr; readonly span: Span }
  /** `where W: n×n, x: n` or a bare declaration line `A: h x m; b: h`. */
  | { readonly kind: 'declare'; readonly declarations: readonly Declaration[]; readonly span: Span };

export interface Program {
  readonly statements: readonly Statement[];
  readonly span: Span;
}
