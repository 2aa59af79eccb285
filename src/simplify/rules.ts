// Simplification rules as data: each has a name (reported by --explain and in steps), the identity
// it applies, the op it looks at, and a rewrite that returns the equal, simpler node or nothing.
// Every rule preserves value (a property test checks it) and none undoes another, so the fixpoint
// driver terminates; an iteration cap guards it anyway. Facts such as symmetry are node
// properties (`ir/properties.ts`), not patterns inside rules.
import * as C from '../ir/construct.ts';
import type { Node, NodeOf, Op } from '../ir/node.ts';
import { dagSize, dagSizeExceeds, memoize, topoSort } from '../ir/node.ts';
import { isSymmetric } from '../ir/properties.ts';
import * as Q from '../ir/rational.ts';
import { isColumn, isScalar } from '../ir/shape.ts';

/** What a rule may ask of the driver: the simplified form of a candidate (for cost-guarded rules). */
export interface RuleContext {
  readonly simplify: (node: Node) => Node;
}

export interface Rule<O extends Op = Op> {
  readonly name: string;
  /** The identity, as a TA would write it. */
  readonly identity: string;
  readonly op: O;
  readonly rewrite: (node: NodeOf<O>, context: RuleContext) => Node | undefined;
}

/** A rule for any op (a union, so each rule keeps its precise node type). */
export type AnyRule = { [O in Op]: Rule<O> }[Op];

const rule = <O extends Op>(name: string, identity: string, op: O, rewrite: (node: NodeOf<O>, context: RuleContext) => Node | undefined): Rule<O> => ({ name, identity, op, rewrite });

/** One node for a scalar and its transpose: xᵀ𝟙 and 𝟙ᵀx, aᵀBx and xᵀBᵀa (a 1×1 product equals its
 * transpose); the one made first. */
const canonicalScalar = (n: Node): Node => (n.op === 'matmul' && isScalar(n.shape) ? canonicalProduct(n) : n);
const canonicalProduct = memoize((n: Node): Node => {
  const transposed = C.matmul(...[...n.args].reverse().map(C.transpose));
  return transposed.id < n.id ? transposed : n;
});
const scalarId = (n: Node): number => canonicalScalar(n).id;

/** base and exponent of a scalar factor: x → (x, 1), x^k → (x, k); a base written as its own
 * transpose is one base ((aᵀx)(xᵀa) = (aᵀx)²). */
function powerParts(n: Node): { base: Node; exponent: Node } {
  if (n.op === 'pow' && isScalar(n.shape)) return { base: canonicalScalar(n.args[0]), exponent: n.args[1] };
  return { base: canonicalScalar(n), exponent: C.ONE };
}

/** A term's numeric coefficient and the rest: −2(Wx − x)xᵀ → (−2, (Wx − x)xᵀ). */
export function coefficientOf(term: Node): { coefficient: Q.Rational; rest: Node } {
  if (term.op === 'mul' && term.args[0].op === 'const') return { coefficient: term.args[0].attr, rest: C.mul(...term.args.slice(1)) };
  if (term.op === 'const') return { coefficient: term.attr, rest: C.ONE };
  return { coefficient: Q.ONE, rest: term };
}

/** How many inverse powers (x⁻¹, x^∘⁻¹, x⁻²) a DAG contains. */
function inversePowers(n: Node): number {
  return topoSort([n]).filter((m) => m.op === 'pow' && m.args[1].op === 'const' && Q.toNumber(m.args[1].attr) < 0).length;
}


/** A key equal for products that differ only in the order of scalar factors (αγX ~ γαX), or in
 * writing a scalar as its transpose (xᵀ𝟙 ~ 𝟙ᵀx). */
function commutativeKey(n: Node): string {
  if (n.op === 'hadamard') return `⊙${n.args.map((a) => a.id).sort((a, b) => a - b).join('⊙')}`;
  if (n.op === 'matmul') return String(scalarId(n));
  if (n.op !== 'mul') return String(n.id);
  const scalars = n.args.filter((a) => isScalar(a.shape)).map(scalarId).sort((a, b) => a - b);
  const tensor = n.args.find((a) => !isScalar(a.shape));
  return `${scalars.join('·')}|${tensor ? commutativeKey(tensor) : ''}`;
}

const MAX_EXPANDED_TERMS = 12;
/** Cost-guarded rules simplify a candidate to compare sizes; they look only at small nodes. */
const MAX_COST_GUARDED_SIZE = 60;

/** c·x₁^k₁⋯xₘ^kₘ with natural exponents: numbers, scalar variables and their powers. */
function isMonomial(n: Node): boolean {
  if (!isScalar(n.shape)) return false;
  if (n.op === 'const' || n.op === 'var' || n.op === 'dim') return true;
  if (n.op === 'pow') return (n.args[0].op === 'var' || n.args[0].op === 'dim') && n.args[1].op === 'const' && Q.isInteger(n.args[1].attr) && n.args[1].attr.num > 0;
  return n.op === 'mul' && n.args.every(isMonomial);
}

/** The scalar variables and dimension symbols a polynomial mentions. */
function variablesOf(n: Node, found = new Set<Node>()): Set<Node> {
  if (n.op === 'var' || n.op === 'dim') found.add(n);
  for (const a of n.args) variablesOf(a, found);
  return found;
}

const isPolynomial = (n: Node): boolean => isMonomial(n) || (n.op === 'add' && isScalar(n.shape) && n.args.every(isMonomial));

/** Total degree of a monomial. */
function degree(n: Node): number {
  if (n.op === 'var' || n.op === 'dim') return 1;
  if (n.op === 'pow' && n.args[1].op === 'const') return Q.toNumber(n.args[1].attr);
  if (n.op === 'mul') return n.args.reduce((d, a) => d + degree(a), 0);
  return 0;
}

/** a = b⁻¹ (or aᵀ = (bᵀ)⁻¹ written as transposes: Aᵀ and (A⁻¹)ᵀ), so that ab = I. */
function areInverses(a: Node, b: Node): boolean {
  if ((a.op === 'inv' && a.args[0] === b) || (b.op === 'inv' && b.args[0] === a)) return true;
  return a.op === 'transpose' && b.op === 'transpose' && areInverses(a.args[0], b.args[0]);
}


/** The logistic function hiding in a product: exp(u)·(1 + exp(u))⁻¹ → σ(u); (1 + exp(−u))⁻¹ → σ(u). */
function logistic(factors: readonly Node[], rebuild: (factors: Node[]) => Node): Node | undefined {
  const expOf = (n: Node): Node | undefined => (n.op === 'apply' && n.attr.kind === 'builtin' && n.attr.name === 'exp' ? n.args[0] : undefined);
  for (let i = 0; i < factors.length; i++) {
    const f = factors[i];
    if (f.op !== 'pow' || f.args[1].op !== 'const' || Q.toNumber(f.args[1].attr) !== -1) continue;
    const sum = f.args[0];
    if (sum.op !== 'add' || sum.args.length !== 2) continue;
    const [one, e] = sum.args[0].op === 'ones' || (sum.args[0].op === 'const' && Q.toNumber(sum.args[0].attr) === 1) ? sum.args : [sum.args[1], sum.args[0]];
    if (!(one.op === 'ones' || (one.op === 'const' && Q.toNumber(one.attr) === 1))) continue;
    const u = expOf(e);
    if (!u) continue;
    const others = factors.filter((_, j) => j !== i);
    const k = others.indexOf(e);
    if (k >= 0) return rebuild([...others.slice(0, k), C.builtin('σ', u), ...others.slice(k + 1)]);
    // (1 + exp(−u))⁻¹ = σ(u)
    const { coefficient, rest } = coefficientOf(u);
    if (Q.toNumber(coefficient) === -1) return rebuild([...others.slice(0, i), C.builtin('σ', rest), ...others.slice(i)]);
  }
  return undefined;
}

/** |u| and sign(u) side by side in a product: both give way to u. */
function absTimesSign(factors: readonly Node[], rebuild: (factors: Node[]) => Node): Node | undefined {
  const builtinOf = (f: Node, name: string): Node | undefined => (f.op === 'apply' && f.attr.kind === 'builtin' && f.attr.name === name ? f.args[0] : undefined);
  for (let i = 0; i < factors.length; i++) {
    const u = builtinOf(factors[i], 'abs');
    if (!u) continue;
    const j = factors.findIndex((f) => builtinOf(f, 'sign') === u);
    if (j < 0) continue;
    return rebuild(factors.flatMap((f, k) => (k === i ? [u] : k === j ? [] : [f])));
  }
  return undefined;
}

export const RULES: readonly AnyRule[] = [
  // ---- products of scalars ----
  rule('combine-powers', 'xᵃ·xᵇ = xᵃ⁺ᵇ (x·x⁻¹ = 1, x²·x = x³)', 'mul', (n) => {
    const scalars = n.args.filter((a) => isScalar(a.shape) && a.op !== 'const');
    const groups = new Map<Node, Node[]>();
    for (const f of scalars) {
      const { base, exponent } = powerParts(f);
      groups.set(base, [...(groups.get(base) ?? []), exponent]);
    }
    if ([...groups.values()].every((g) => g.length === 1)) return undefined;
    const done = new Set<Node>();
    const factors: Node[] = [];
    for (const f of n.args) {
      if (!isScalar(f.shape) || f.op === 'const') {
        factors.push(f);
        continue;
      }
      const { base } = powerParts(f);
      if (done.has(base)) continue;
      done.add(base);
      const exponents = groups.get(base) as Node[];
      factors.push(exponents.length === 1 ? f : C.pow(base, C.add(...exponents)));
    }
    return C.mul(...factors);
  }),
  rule('reciprocals-last', 'a product lists reciprocals after the other scalars: (xᵀx)⁻¹(xᵀAx)x = (xᵀAx)(xᵀx)⁻¹x, printed (xᵀAx)x/(xᵀx)', 'mul', (n) => {
    const scalarCount = isScalar(n.shape) ? n.args.length : n.args.length - 1;
    const isReciprocal = (f: Node): boolean => f.op === 'pow' && f.args[1].op === 'const' && Q.toNumber(f.args[1].attr) < 0;
    const scalars = n.args.slice(0, scalarCount);
    const ordered = [...scalars.filter((f) => !isReciprocal(f)), ...scalars.filter(isReciprocal)];
    if (ordered.every((f, i) => f === scalars[i])) return undefined;
    return C.mul(...ordered, ...n.args.slice(scalarCount));
  }),
  rule('power-of-power', '(xᵃ)ᵇ = xᵃᵇ for integer b', 'pow', (n) => {
    const [base, e] = n.args;
    if (base.op !== 'pow' || !isScalar(n.shape) || e.op !== 'const' || !Q.isInteger(e.attr)) return undefined;
    return C.pow(base.args[0], C.mul(base.args[1], e));
  }),
  rule('power-of-square-root', '(√a)²ᵏ = aᵏ for integer k, entrywise too (on √\'s domain a ≥ 0): (√(v + ε))⁻² = (v + ε)⁻¹', 'pow', (n) => {
    const [root, e] = n.args;
    if (!(root.op === 'apply' && root.attr.kind === 'builtin' && root.attr.name === 'sqrt') || e.op !== 'const' || !Q.isInteger(e.attr) || e.attr.num % 2 !== 0) return undefined;
    return C.pow(root.args[0], e.attr.num / 2);
  }),
  rule('power-of-product', '(ab)ᵏ = aᵏbᵏ for integer k', 'pow', (n) => {
    const [base, e] = n.args;
    if (base.op !== 'mul' || !isScalar(n.shape) || e.op !== 'const' || !Q.isInteger(e.attr)) return undefined;
    return C.mul(...base.args.map((a) => C.pow(a, e)));
  }),

  rule('expand-polynomial', 'scalar polynomials multiply out: 2x(1 + 2x²) = 2x + 4x³', 'mul', (n) => {
    if (!isScalar(n.shape) || !n.args.every(isPolynomial) || !n.args.some((a) => a.op === 'add')) return undefined;
    // Only in one variable: (wx + b − t)x stays factored, as a TA leaves it.
    if (variablesOf(n).size > 1) return undefined;
    let terms: Node[] = [C.ONE];
    for (const factor of n.args) {
      const parts = factor.op === 'add' ? factor.args : [factor];
      if (terms.length * parts.length > MAX_EXPANDED_TERMS) return undefined;
      terms = terms.flatMap((t) => parts.map((p) => C.mul(t, p)));
    }
    return C.add(...terms);
  }),
  rule('order-polynomial', 'a polynomial is written by descending degree: 2x + 4x³ = 4x³ + 2x (but 2 − α, not −α + 2)', 'add', (n) => {
    if (!isScalar(n.shape) || !n.args.every(isMonomial)) return undefined;
    const degrees = n.args.map(degree);
    const sorted = n.args.map((t, i) => ({ t, d: degrees[i], i })).sort((a, b) => b.d - a.d || a.i - b.i);
    if (sorted.every((x, i) => x.i === i)) return undefined;
    // positive-term-first undoes an order that opens with a negative term: leave such sums as they are.
    const negative = (t: Node) => Q.toNumber(coefficientOf(t).coefficient) < 0;
    if (negative(sorted[0].t) && n.args.some((t) => !negative(t))) return undefined;
    return C.add(...sorted.map((x) => x.t));
  }),

  rule('logistic', 'exp(u)/(1 + exp(u)) = σ(u) and 1/(1 + exp(−u)) = σ(u), entrywise too', 'mul', (n) => logistic(n.args, C.mulAll)),
  rule('logistic-entrywise', 'exp(u) ⊙ (𝟙 + exp(u))^∘⁻¹ = σ(u)', 'hadamard', (n) => logistic(n.args, (a) => C.hadamard(...a))),

  rule('abs-times-sign', '|u|·sign(u) = u (at u = 0 both are 0)', 'mul', (n) => absTimesSign(n.args, C.mulAll)),
  rule('abs-times-sign-entrywise', '|u| ⊙ sign(u) = u', 'hadamard', (n) => absTimesSign(n.args, (a) => C.hadamard(...a))),

  rule('softmax', 'exp(x)/(𝟙ᵀexp(x)) = softmax(x)', 'mul', (n) => {
    const tensor = n.args[n.args.length - 1];
    if (!(tensor.op === 'apply' && tensor.attr.kind === 'builtin' && tensor.attr.name === 'exp' && isColumn(tensor.shape))) return undefined;
    const isSumOfIt = (f: Node) =>
      f.op === 'pow' && f.args[1].op === 'const' && Q.toNumber(f.args[1].attr) === -1 && f.args[0].op === 'matmul' && f.args[0].args.length === 2 &&
      f.args[0].args[0].op === 'transpose' && f.args[0].args[0].args[0].op === 'ones' && f.args[0].args[1] === tensor;
    const i = n.args.findIndex(isSumOfIt);
    if (i < 0) return undefined;
    return C.mul(...n.args.filter((_, j) => j !== i && j !== n.args.length - 1), C.softmax(tensor.args[0]));
  }),

  // ---- sums ----
  rule('subtract-sum', 'a − (b − c) = a − b + c', 'add', (n) => {
    const i = n.args.findIndex((t) => t.op === 'mul' && t.args.length === 2 && t.args[0].op === 'const' && Q.toNumber(t.args[0].attr) === -1 && t.args[1].op === 'add');
    if (i < 0) return undefined;
    const inner = n.args[i].args[1].args.map((t) => C.neg(t));
    return C.addAll([...n.args.slice(0, i), ...inner, ...n.args.slice(i + 1)]);
  }),
  rule('collect-like-terms', 'aX + bX = (a + b)X, and a scalar is its own transpose: xᵀ𝟙 − 𝟙ᵀx = 0', 'add', (n) => {
    const groups = new Map<string, { rest: Node; coefficient: Q.Rational; first: number }>();
    n.args.forEach((term, i) => {
      const { coefficient, rest } = coefficientOf(term);
      const key = commutativeKey(rest);
      const g = groups.get(key);
      if (g) g.coefficient = Q.add(g.coefficient, coefficient);
      else groups.set(key, { rest, coefficient, first: i });
    });
    if (groups.size === n.args.length) return undefined;
    const terms = [...groups.values()].sort((a, b) => a.first - b.first).map((g) => C.mul(C.num(g.coefficient), g.rest));
    return C.add(...terms);
  }),

  rule('sum-of-diagonals', 'diag(a) + c·diag(b) = diag(a + c·b): one diagonal matrix, as a Hessian of a sum of elementwise terms is written', 'add', (n) => {
    const diagonal = (t: Node): Node | undefined => {
      const { scalars, rest } = C.splitScalars(t);
      return rest.op === 'diag' && isColumn(rest.args[0].shape) ? C.mulAll([...scalars, rest.args[0]]) : undefined;
    };
    const inside = n.args.map(diagonal);
    if (inside.filter((d) => d !== undefined).length < 2) return undefined;
    const others = n.args.filter((_, i) => inside[i] === undefined);
    return C.addAll([C.diag(C.addAll(inside.filter((d): d is Node => d !== undefined))), ...others]);
  }),

  rule('factor-common-matrix-factor', 'AX + BX = (A + B)X and XA + XB = X(A + B)', 'add', (n) => {
    if (isScalar(n.shape)) return undefined;
    for (const side of ['right', 'left'] as const) {
      const factorOf = (term: Node): { factor: Node; rest: Node } | undefined => {
        const { scalars, rest } = C.splitScalars(term);
        if (rest.op !== 'matmul') return undefined;
        const chain = rest.args;
        const factor = side === 'right' ? chain[chain.length - 1] : chain[0];
        const remaining = side === 'right' ? chain.slice(0, -1) : chain.slice(1);
        return { factor, rest: C.mul(...scalars, C.matmul(...remaining)) };
      };
      const parts = n.args.map(factorOf);
      const counts = new Map<Node, number>();
      for (const p of parts) if (p) counts.set(p.factor, (counts.get(p.factor) ?? 0) + 1);
      const shared = [...counts.entries()].find(([, c]) => c >= 2)?.[0];
      if (!shared) continue;
      const grouped = parts.flatMap((p) => (p && p.factor === shared ? [p.rest] : []));
      const combined = side === 'right' ? C.matmul(C.add(...grouped), shared) : C.matmul(shared, C.add(...grouped));
      const others = n.args.filter((_, i) => parts[i]?.factor !== shared);
      return C.add(combined, ...others);
    }
    return undefined;
  }),

  rule('factor-sum-operand', 'MS + cS = (M + cI)S and SM + cS = S(M + cI) when the terms of cS stand spelled out: Wᵀ(Wx − x) − Wx + x = (Wᵀ − I)(Wx − x)', 'add', (n) => {
    if (isScalar(n.shape)) return undefined;
    for (let i = 0; i < n.args.length; i++) {
      const { scalars, rest } = C.splitScalars(n.args[i]);
      if (rest.op !== 'matmul') continue;
      for (const side of ['right', 'left'] as const) {
        const operand = side === 'right' ? rest.args[rest.args.length - 1] : rest.args[0];
        if (operand.op !== 'add') continue;
        // Find each term of the operand, all scaled by one coefficient c, among the other terms.
        let c: Q.Rational | undefined;
        const used = new Set<number>();
        const found = operand.args.every((part) => {
          const want = coefficientOf(part);
          const j = n.args.findIndex((t, k) => k !== i && !used.has(k) && coefficientOf(t).rest === want.rest);
          if (j < 0) return false;
          const ratio = Q.mul(coefficientOf(n.args[j]).coefficient, Q.reciprocal(want.coefficient));
          if (c !== undefined && Q.toNumber(ratio) !== Q.toNumber(c)) return false;
          c = ratio;
          used.add(j);
          return true;
        });
        if (!found || c === undefined) continue;
        const remaining = side === 'right' ? rest.args.slice(0, -1) : rest.args.slice(1);
        const size = side === 'right' ? operand.shape.rows : operand.shape.cols;
        const multiplier = C.add(C.mul(...scalars, C.matmul(...remaining)), C.mul(C.num(c), C.identity(size)));
        const factored = side === 'right' ? C.matmul(multiplier, operand) : C.matmul(operand, multiplier);
        return C.addAll(n.args.flatMap((t, k) => (k === i ? [factored] : used.has(k) ? [] : [t])));
      }
    }
    return undefined;
  }),
  rule('factor-common-coefficient', '½A − ½B = ½(A − B) (not for polynomials, which stay expanded)', 'add', (n) => {
    if (n.args.every(isMonomial)) return undefined;
    const coefficients = n.args.map((t) => coefficientOf(t).coefficient);
    if (!coefficients.every(Q.isExact)) return undefined;
    const gcdOf = (a: number, b: number): number => (b ? gcdOf(b, a % b) : Math.abs(a));
    const numerator = coefficients.reduce((g, c) => gcdOf(g, c.num), 0);
    const denominator = coefficients.reduce((l, c) => (l * c.den) / gcdOf(l, c.den), 1);
    const common = Q.rational(numerator, denominator);
    if (common.num === 1 && common.den === 1) return undefined;
    return C.mul(C.num(common), C.add(...n.args.map((t) => C.mul(C.num(Q.reciprocal(common)), t))));
  }),
  rule('positive-term-first', 'a sum opens with a positive term: −y + s = s − y', 'add', (n) => {
    const negative = (t: Node) => Q.toNumber(coefficientOf(t).coefficient) < 0;
    if (!negative(n.args[0])) return undefined;
    const i = n.args.findIndex((t) => !negative(t));
    if (i < 0) return undefined;
    return C.add(n.args[i], ...n.args.filter((_, j) => j !== i));
  }),

  rule('matrix-before-its-transpose', 'a sum lists a matrix before its transpose: Bᵀ + B = B + Bᵀ', 'add', (n) => {
    for (let j = 1; j < n.args.length; j++) {
      const original = n.args[j];
      if (original.op === 'transpose') continue;
      const i = n.args.findIndex((t, k) => k < j && t.op === 'transpose' && t.args[0] === original);
      if (i < 0) continue;
      const terms = [...n.args];
      [terms[i], terms[j]] = [terms[j], terms[i]];
      return C.add(...terms);
    }
    return undefined;
  }),

  // ---- transposes ----
  rule('transpose-symmetric', 'Sᵀ = S when S is symmetric (K = αAAᵀ + β⁻¹I, K⁻¹, I)', 'transpose', (n) => (isSymmetric(n.args[0]) ? n.args[0] : undefined)),
  rule('transpose-product', '(AB)ᵀ = BᵀAᵀ', 'transpose', (n) => {
    const a = n.args[0];
    return a.op === 'matmul' ? C.matmul(...[...a.args].reverse().map(C.transpose)) : undefined;
  }),
  rule('transpose-scaled', '(sA)ᵀ = sAᵀ', 'transpose', (n) => {
    const a = n.args[0];
    return a.op === 'mul' ? C.mul(...a.args.slice(0, -1), C.transpose(a.args[a.args.length - 1])) : undefined;
  }),
  rule('transpose-inverse', '(A⁻¹)ᵀ = (Aᵀ)⁻¹', 'transpose', (n) => {
    const a = n.args[0];
    return a.op === 'inv' && a.args[0].op === 'transpose' ? C.inv(a.args[0].args[0]) : undefined;
  }),
  rule('inverse-of-inverse', '(A⁻¹)⁻¹ = A', 'inv', (n) => (n.args[0].op === 'inv' ? n.args[0].args[0] : undefined)),
  rule('inverse-scaled', '(sA)⁻¹ = s⁻¹A⁻¹ for a scalar s ≠ 0', 'inv', (n) => {
    const { scalars, rest } = C.splitScalars(n.args[0]);
    return scalars.length ? C.mul(...scalars.map((s) => C.pow(s, C.MINUS_ONE)), C.inv(rest)) : undefined;
  }),
  rule('inverse-of-transpose', '(Aᵀ)⁻¹ = (A⁻¹)ᵀ, written A⁻ᵀ: one form for one matrix, so (Xᵀ)⁻¹ + X⁻ᵀ = 2X⁻ᵀ', 'inv', (n) => {
    const a = n.args[0];
    return a.op === 'transpose' && !isSymmetric(a.args[0]) ? C.transpose(C.inv(a.args[0])) : undefined;
  }),
  rule('inverse-symmetric-transpose', '(Sᵀ)⁻¹ = S⁻¹ for symmetric S', 'inv', (n) => {
    const a = n.args[0];
    return a.op === 'transpose' && isSymmetric(a.args[0]) ? C.inv(a.args[0]) : undefined;
  }),

  // ---- identity, ones, inverses in products ----
  rule('identity-product', 'IA = AI = A', 'matmul', (n) => {
    const kept = n.args.filter((a) => a.op !== 'identity');
    if (kept.length === n.args.length) return undefined;
    return kept.length ? C.matmul(...kept) : n.args[0];
  }),
  rule('inverse-cancel', 'A⁻¹A = AA⁻¹ = I, and transposed: Aᵀ(A⁻¹)ᵀ = (A⁻¹A)ᵀ = I', 'matmul', (n) => {
    for (let i = 0; i + 1 < n.args.length; i++) {
      const [a, b] = [n.args[i], n.args[i + 1]];
      if (areInverses(a, b)) {
        const rest = [...n.args.slice(0, i), ...n.args.slice(i + 2)];
        return rest.length ? C.matmul(...rest) : C.identity(a.shape.rows);
      }
    }
    return undefined;
  }),
  rule('ones-inner-product', '𝟙ᵀ𝟙 = n', 'matmul', (n) => {
    if (n.args.length !== 2) return undefined;
    const [a, b] = n.args;
    if (a.op === 'transpose' && a.args[0].op === 'ones' && b.op === 'ones' && isScalar(n.shape)) {
      const size = b.shape.rows;
      return typeof size === 'number' ? C.num(size) : C.dimValue(size);
    }
    return undefined;
  }),
  rule('hadamard-ones', 'A ⊙ 𝟙 = A, and A ⊙ 𝟙𝟙ᵀ = A for a matrix of ones', 'hadamard', (n) => {
    const allOnes = (a: Node): boolean => a.op === 'ones' || (a.op === 'matmul' && a.args.length === 2 && a.args[0].op === 'ones' && a.args[1].op === 'transpose' && a.args[1].args[0].op === 'ones');
    const kept = n.args.filter((a) => !allOnes(a));
    if (kept.length === n.args.length) return undefined;
    return kept.length ? C.hadamard(...kept) : n.args[0];
  }),
  rule('combine-hadamard-powers', 'x^∘a ⊙ x^∘b = x^∘(a+b) (x ⊙ x^∘⁻¹ = 𝟙)', 'hadamard', (n) => {
    const parts = n.args.map((f) => (f.op === 'pow' ? { base: f.args[0], exponent: f.args[1] } : { base: f, exponent: C.ONE }));
    const groups = new Map<Node, Node[]>();
    for (const p of parts) groups.set(p.base, [...(groups.get(p.base) ?? []), p.exponent]);
    if ([...groups.values()].every((g) => g.length === 1)) return undefined;
    const factors = [...groups.entries()].map(([base, exponents]) => (exponents.length === 1 ? C.pow(base, exponents[0]) : C.pow(base, C.add(...exponents))));
    return C.hadamard(...factors);
  }),
  rule('inner-product-hadamard', 'xᵀ(y ⊙ z) = 𝟙ᵀ(x ⊙ y ⊙ z) when x cancels a factor: sᵀ(y ⊙ s^∘⁻¹) = 𝟙ᵀy', 'matmul', (n) => {
    if (n.args.length !== 2 || !isScalar(n.shape)) return undefined;
    const [left, right] = n.args;
    if (left.op !== 'transpose' || right.op !== 'hadamard') return undefined;
    const x = left.args[0];
    const cancels = right.args.some((f) => f.op === 'pow' && f.args[0] === x && f.args[1].op === 'const' && Q.toNumber(f.args[1].attr) === -1);
    if (!cancels) return undefined;
    const rest = right.args.filter((f) => !(f.op === 'pow' && f.args[0] === x && f.args[1].op === 'const' && Q.toNumber(f.args[1].attr) === -1));
    return C.matmul(C.transpose(C.ones(x.shape)), C.hadamard(...rest));
  }),
  rule('hadamard-identity-diagonal', 'I ⊙ A with A = I is I', 'hadamard', (n) => (n.args.every((a) => a.op === 'identity') ? n.args[0] : undefined)),

  // ---- diagonals ----
  rule('diag-scaled', 'diag(sA) = s·diag(A)', 'diag', (n) => {
    const a = n.args[0];
    return a.op === 'mul' ? C.mul(...a.args.slice(0, -1), C.diag(a.args[a.args.length - 1])) : undefined;
  }),
  rule('diag-of-scaled-rows', 'diag(diag(x)M) = x ⊙ diag(M)', 'diag', (n) => {
    const a = n.args[0];
    if (a.op !== 'matmul' || !isColumn(n.shape) || a.args[0].op !== 'diag' || !isColumn(a.args[0].args[0].shape)) return undefined;
    return C.hadamard(a.args[0].args[0], C.diag(C.matmul(...a.args.slice(1))));
  }),

  // ---- traces ----
  rule('trace-identity', 'tr(I) = n', 'trace', (n) => {
    const a = n.args[0];
    if (a.op !== 'identity') return undefined;
    return typeof a.shape.rows === 'number' ? C.num(a.shape.rows) : C.dimValue(a.shape.rows);
  }),
  rule('trace-scaled', 'tr(sA) = s·tr(A)', 'trace', (n) => {
    const a = n.args[0];
    return a.op === 'mul' ? C.mul(...a.args.slice(0, -1), C.trace(a.args[a.args.length - 1])) : undefined;
  }),
  rule('trace-transpose', 'tr(Aᵀ) = tr(A)', 'trace', (n) => (n.args[0].op === 'transpose' ? C.trace(n.args[0].args[0]) : undefined)),
  rule('trace-of-transposes', 'tr(A₁ᵀ⋯Aₖᵀ) = tr((Aₖ⋯A₁)ᵀ) = tr(Aₖ⋯A₁) when most factors are transposed: tr(dXᵀX⁻ᵀdXᵀX⁻ᵀ) = tr(X⁻¹dXX⁻¹dX)', 'trace', (n) => {
    const a = n.args[0];
    if (a.op !== 'matmul') return undefined;
    const transposed = a.args.filter((f) => f.op === 'transpose').length;
    if (2 * transposed <= a.args.length) return undefined;
    return C.trace(C.matmul(...[...a.args].reverse().map(C.transpose)));
  }),
  rule('trace-cyclic-to-inner', 'tr(abᵀ) = bᵀa, tr(ABc dᵀ) = dᵀABc (cyclic)', 'trace', (n) => {
    const a = n.args[0];
    if (a.op !== 'matmul') return undefined;
    const j = a.args.findIndex((c) => c.shape.rows === 1);
    if (j < 0) return undefined;
    return C.matmul(...a.args.slice(j), ...a.args.slice(0, j));
  }),

  // ---- scalars in disguise ----
  rule('scalar-hadamard', 'for scalars a ⊙ b = ab', 'hadamard', (n) => (isScalar(n.shape) ? C.mul(...n.args) : undefined)),

  // ---- sums of scaled tensors ----
  rule('collect-scalar-multiples', 'aX + bX = (a + b)X for scalar expressions a, b: (1 − y)σx − y(1 − σ)x = ((1 − y)σ − y(1 − σ))x', 'add', (n) => {
    if (isScalar(n.shape)) return undefined;
    const groups = new Map<Node, { scalars: Node[]; first: number }>();
    n.args.forEach((term, i) => {
      const { scalars, rest } = C.splitScalars(term);
      const g = groups.get(rest);
      if (g) g.scalars.push(C.mul(...scalars));
      else groups.set(rest, { scalars: [C.mul(...scalars)], first: i });
    });
    if (groups.size === n.args.length) return undefined;
    const terms = [...groups.entries()].sort((a, b) => a[1].first - b[1].first).map(([rest, g]) => C.mul(C.add(...g.scalars), rest));
    return C.add(...terms);
  }),
  rule('factor-common-scalar', 'a⁻¹X + a⁻²bY = a⁻¹(X + a⁻¹bY): a compound scalar factor every term shares comes out once', 'add', (n) => {
    if (isScalar(n.shape) || n.args.length < 2) return undefined;
    const factorsOf = (term: Node): Node[] => {
      const { scalars } = C.splitScalars(term);
      return scalars.filter((f) => f.op !== 'const');
    };
    const exponentsByBase = n.args.map((t) => {
      const m = new Map<Node, number>();
      for (const f of factorsOf(t)) {
        const { base, exponent } = powerParts(f);
        // A base that stands twice in one term (before combine-powers has merged it) is not a candidate.
        if (exponent.op === 'const' && Q.isInteger(exponent.attr)) m.set(base, m.has(base) ? NaN : Q.toNumber(exponent.attr));
      }
      return m;
    });
    for (const [base, first] of exponentsByBase[0]) {
      // Plain names stay where they are (αX + αY); compound factors such as (xᵀx)⁻¹ come out.
      if (base.args.length === 0) continue;
      const all = exponentsByBase.map((m) => m.get(base));
      if (all.some((e) => e === undefined || Number.isNaN(e) || Math.sign(e) !== Math.sign(first))) continue;
      const common = first < 0 ? Math.max(...(all as number[])) : Math.min(...(all as number[]));
      // Each term keeps base^(e − common) in the place the factor stood.
      const reduced = n.args.map((t) => {
        const { scalars, rest } = C.splitScalars(t);
        const kept = scalars.flatMap((f) => {
          const parts = powerParts(f);
          if (parts.base !== base || parts.exponent.op !== 'const') return [f];
          const left = Q.toNumber(parts.exponent.attr) - common;
          return left === 0 ? [] : [C.pow(base, left)];
        });
        return C.mul(...kept, rest);
      });
      return C.mul(C.pow(base, common), C.addAll(reduced));
    }
    return undefined;
  }),
  rule('logistic-from-abs', '𝟙[u > 0] − sign(u) ⊙ σ(−|u|) = σ(u) (the derivative of the stable softplus max(u, 0) + log(1 + exp(−|u|)); at u = 0 it gives σ(0) = ½, the true derivative)', 'add', (n) => {
    const isBuiltin = (m: Node, name: string): boolean => m.op === 'apply' && m.attr.kind === 'builtin' && m.attr.name === name;
    const isZeroLike = (m: Node): boolean => C.isZero(m);
    for (let i = 0; i < n.args.length; i++) {
      const { coefficient, rest } = coefficientOf(n.args[i]);
      if (Q.toNumber(coefficient) !== -1) continue;
      const factors = rest.op === 'hadamard' || rest.op === 'mul' ? rest.args : [];
      if (factors.length !== 2) continue;
      const sign = factors.find((f) => isBuiltin(f, 'sign'));
      const logistic = factors.find((f) => isBuiltin(f, 'σ'));
      if (!sign || !logistic) continue;
      const u = sign.args[0];
      const inner = coefficientOf(logistic.args[0]);
      if (Q.toNumber(inner.coefficient) !== -1 || !isBuiltin(inner.rest, 'abs') || inner.rest.args[0] !== u) continue;
      const j = n.args.findIndex(
        (t) => t.op === 'indicator' && ((t.attr === '>' && t.args[0] === u && isZeroLike(t.args[1])) || (t.attr === '<' && t.args[1] === u && isZeroLike(t.args[0]))),
      );
      if (j < 0) continue;
      const terms = n.args.flatMap((t, k) => (k === j ? [C.builtin('σ', u)] : k === i ? [] : [t]));
      return C.addAll(terms);
    }
    return undefined;
  }),

  // ---- cost-guarded: tried last, after the cheap rules have cancelled what they can ----
  rule('distribute-if-smaller', '(a + b) ⊙ c = a ⊙ c + b ⊙ c, kept only when the result is smaller: (y ⊙ σ^∘⁻¹ − …) ⊙ σ ⊙ (𝟙 − σ) = y − σ', 'hadamard', (n, context) => {
    const i = n.args.findIndex((f) => f.op === 'add');
    if (i < 0 || dagSizeExceeds(n, MAX_COST_GUARDED_SIZE)) return undefined;
    const others = n.args.filter((_, j) => j !== i);
    const candidate = context.simplify(C.addAll(n.args[i].args.map((t) => C.hadamard(t, ...others))));
    // Worth it only when an inverse cancels (b ⊙ b^∘⁻¹ = 𝟙); (a + c) ⊙ b stays as written.
    return inversePowers(candidate) < inversePowers(n) && dagSize([candidate]) < dagSize([n]) ? candidate : undefined;
  }),
  rule('expand-sum-if-smaller', 'a ⊙ (b − c) + … multiplied out when that cancels terms: y ⊙ (𝟙 − σ) − (𝟙 − y) ⊙ σ = y − σ', 'add', (n, context) => {
    if (isScalar(n.shape) || dagSizeExceeds(n, MAX_COST_GUARDED_SIZE)) return undefined;
    const expandTerm = (t: Node): Node[] => {
      const { scalars, rest } = C.splitScalars(t);
      if (rest.op !== 'hadamard') return [t];
      const i = rest.args.findIndex((f) => f.op === 'add');
      if (i < 0) return [t];
      const others = rest.args.filter((_, j) => j !== i);
      return rest.args[i].args.map((u) => C.mul(...scalars, C.hadamard(u, ...others)));
    };
    const terms = n.args.flatMap(expandTerm);
    if (terms.length === n.args.length) return undefined;
    const candidate = context.simplify(C.addAll(terms));
    // Worth it only when terms cancel: a ⊙ (𝟙 − b) + c stays, y ⊙ (𝟙 − σ) − (𝟙 − y) ⊙ σ becomes y − σ.
    const termCount = (x: Node) => (x.op === 'add' ? x.args.length : 1);
    return termCount(candidate) <= termCount(n) && dagSize([candidate]) < dagSize([n]) ? candidate : undefined;
  }),
  rule('distribute-scalar-if-smaller', '(a + b)c = ac + bc for scalar factors, kept only when an inverse cancels: ((1 − y)(1 − σ)⁻¹ − yσ⁻¹)σ(1 − σ)x = (σ − y)x', 'mul', (n, context) => {
    const i = n.args.findIndex((f) => f.op === 'add' && isScalar(f.shape));
    if (i < 0 || dagSizeExceeds(n, MAX_COST_GUARDED_SIZE)) return undefined;
    const others = n.args.filter((_, j) => j !== i);
    if (!others.some((f) => f.op !== 'const')) return undefined;
    const candidate = context.simplify(C.addAll(n.args[i].args.map((t) => C.mul(t, ...others))));
    return inversePowers(candidate) < inversePowers(n) && dagSize([candidate]) < dagSize([n]) ? candidate : undefined;
  }),
  rule('expand-scalar-products-if-smaller', 'a(b − c) + … multiplied out when that cancels terms: (1 − y)σ − y(1 − σ) = σ − y', 'add', (n, context) => {
    if (!isScalar(n.shape) || dagSizeExceeds(n, MAX_COST_GUARDED_SIZE)) return undefined;
    const expandTerm = (t: Node): Node[] => {
      if (t.op !== 'mul') return [t];
      const i = t.args.findIndex((f) => f.op === 'add');
      if (i < 0) return [t];
      const others = t.args.filter((_, j) => j !== i);
      return t.args[i].args.map((u) => C.mul(u, ...others));
    };
    const terms = n.args.flatMap(expandTerm);
    if (terms.length === n.args.length) return undefined;
    const candidate = context.simplify(C.addAll(terms));
    const termCount = (x: Node) => (x.op === 'add' ? x.args.length : 1);
    return termCount(candidate) <= termCount(n) && dagSize([candidate]) < dagSize([n]) ? candidate : undefined;
  }),
  rule('distribute-transpose-if-smaller', '(A + B)ᵀ = Aᵀ + Bᵀ inside a sum, kept only when terms then combine: (xᵀA)ᵀ + Ax = 2Ax for symmetric A', 'add', (n, context) => {
    if (dagSizeExceeds(n, MAX_COST_GUARDED_SIZE)) return undefined;
    const i = n.args.findIndex((t) => C.splitScalars(t).rest.op === 'transpose' && C.splitScalars(t).rest.args[0].op === 'add');
    if (i < 0) return undefined;
    const { scalars, rest } = C.splitScalars(n.args[i]);
    const spread = rest.args[0].args.map((t) => C.mul(...scalars, C.transpose(t)));
    const candidate = context.simplify(C.addAll(n.args.flatMap((t, k) => (k === i ? spread : [t]))));
    return dagSize([candidate]) < dagSize([n]) ? candidate : undefined;
  }),
  rule('distribute-inner-product-if-smaller', 'aᵀ(b + c) = aᵀb + aᵀc for a scalar product, kept only when terms then cancel: (x − (𝟙ᵀx/n)𝟙)ᵀ𝟙 = 0 (centred values sum to zero)', 'matmul', (n, context) => {
    if (!isScalar(n.shape) || dagSizeExceeds(n, MAX_COST_GUARDED_SIZE)) return undefined;
    const sumOf = (f: Node): { terms: readonly Node[]; transposed: boolean } | undefined => {
      const { rest } = C.splitScalars(f);
      if (rest !== f) return undefined;
      if (f.op === 'add') return { terms: f.args, transposed: false };
      if (f.op === 'transpose' && f.args[0].op === 'add') return { terms: f.args[0].args, transposed: true };
      return undefined;
    };
    const i = n.args.findIndex((f) => sumOf(f) !== undefined);
    if (i < 0) return undefined;
    const { terms, transposed } = sumOf(n.args[i]) as { terms: readonly Node[]; transposed: boolean };
    const spread = terms.map((t) => C.matmul(...n.args.slice(0, i), transposed ? C.transpose(t) : t, ...n.args.slice(i + 1)));
    const candidate = context.simplify(C.addAll(spread));
    const termCount = (x: Node) => (x.op === 'add' ? x.args.length : 1);
    return termCount(candidate) < terms.length && dagSize([candidate]) < dagSize([n]) ? candidate : undefined;
  }),
  rule('inverse-of-product-if-smaller', '(AB)⁻¹ = B⁻¹A⁻¹ for square A, B, kept only when factors then cancel: Aᵀ(AXB)⁻ᵀBᵀ = X⁻ᵀ', 'matmul', (n, context) => {
    if (dagSizeExceeds(n, MAX_COST_GUARDED_SIZE)) return undefined;
    const squareProduct = (m: Node): Node | undefined => (m.op === 'inv' && m.args[0].op === 'matmul' && m.args[0].args.every((f) => f.shape.rows === f.shape.cols) ? m.args[0] : undefined);
    for (let i = 0; i < n.args.length; i++) {
      const f = n.args[i];
      let expanded: Node[] | undefined;
      const direct = squareProduct(f);
      if (direct) expanded = [...direct.args].reverse().map(C.inv);
      else if (f.op === 'transpose') {
        const inner = squareProduct(f.args[0]);
        // ((AB)⁻¹)ᵀ = (B⁻¹A⁻¹)ᵀ = A⁻ᵀB⁻ᵀ
        if (inner) expanded = inner.args.map((a) => C.transpose(C.inv(a)));
      }
      if (!expanded) continue;
      const candidate = context.simplify(C.matmul(...n.args.slice(0, i), ...expanded, ...n.args.slice(i + 1)));
      if (dagSize([candidate]) < dagSize([n])) return candidate;
    }
    return undefined;
  }),
];

/** Rules grouped by the op they look at. */
export const RULES_BY_OP: ReadonlyMap<Op, readonly AnyRule[]> = (() => {
  const m = new Map<Op, AnyRule[]>();
  for (const r of RULES) m.set(r.op, [...(m.get(r.op) ?? []), r]);
  return m;
})();

