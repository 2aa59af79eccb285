// The corpus of ambiguous spellings (issue #12). Wherever the grammar or shape inference chooses
// between readings that give different values, the choice is the one a textbook reader makes, or
// the input is refused with an error that names the readings. Each accepted case is checked three
// ways: by value against an explicit spelling of the intended reading, by value against a
// hand-written evaluation that shares no code with chainrule (where the two spellings could share
// a misreading), and by its derivatives against central differences.
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import type { Model } from '../../src/build/index.ts';
import { checkGradients, randomDims, randomValues, rng } from '../../src/check/index.ts';
import { ChainruleError, formatError } from '../../src/errors.ts';
import type { Tensor } from '../../src/eval/index.ts';
import { evaluate, inferDims } from '../../src/eval/index.ts';

type Values = ReadonlyMap<string, Tensor>;

/** Entry (r, c) of a value, row-major. */
const at = (t: Tensor, r: number, c = 0): number => t.data[r * t.cols + c];

interface Reading {
  readonly input: string;
  readonly where?: string;
  /** The intended reading, spelled with nothing left to choose. */
  readonly same: string;
  readonly sameWhere?: string;
  /** The intended value computed by hand from the variables (keyed by name), if the case warrants one. */
  readonly byHand?: (v: (key: string) => Tensor) => number;
}

const logSumExp = (xs: readonly number[]): number => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
};

const READINGS: Reading[] = [
  // A function word without parentheses takes the whole product that follows.
  {
    input: 'log 𝟙ᵀexp(z)',
    same: 'log(sum(exp(z)))',
    byHand: (v) => logSumExp(Array.from(v('z').data)),
  },
  {
    input: String.raw`-t^\top (W^\top h + b) + \log \mathbf{1}^\top \exp(W^\top h + b)`,
    same: '-(tᵀ(Wᵀh + b)) + logsumexp(Wᵀh + b)',
    byHand: (v) => {
      const W = v('W');
      const h = v('h');
      const b = v('b');
      const t = v('t');
      const z = Array.from({ length: W.cols }, (_, j) => b.data[j] + Array.from({ length: W.rows }, (_, i) => at(W, i, j) * h.data[i]).reduce((s, x) => s + x, 0));
      return -z.reduce((s, zj, j) => s + t.data[j] * zj, 0) + logSumExp(z);
    },
  },
  { input: String.raw`\log \det X`, same: 'log(det(X))' },
  { input: 'log σ(x)', where: 'x: scalar', same: 'log(σ(x))', byHand: (v) => Math.log(1 / (1 + Math.exp(-v('x').data[0]))) },
  { input: 'log x y', where: 'x, y: scalar', same: 'log(x*y)', byHand: (v) => Math.log(v('x').data[0] * v('y').data[0]) },
  { input: String.raw`\log x \log y`, where: 'x, y: scalar', same: 'log(x)*log(y)', byHand: (v) => Math.log(v('x').data[0]) * Math.log(v('y').data[0]) },
  { input: 'log|A| tr A', same: 'log(det(A))*tr(A)' },
  { input: 'log x · exp(y)', where: 'x, y: scalar', same: 'log(x)*exp(y)' },
  // A sum over an index: xᵢ are the rows of a matrix X, yᵢ the entries of a vector y.
  {
    input: '∑ᵢ (yᵢ − wᵀxᵢ)²',
    same: '‖y − Xw‖²',
    byHand: (v) => {
      const X = v('X');
      const y = v('y');
      const w = v('w');
      let total = 0;
      for (let i = 0; i < X.rows; i++) {
        let dot = 0;
        for (let j = 0; j < X.cols; j++) dot += at(X, i, j) * w.data[j];
        total += (y.data[i] - dot) ** 2;
      }
      return total;
    },
  },
  { input: '∑ᵢ log σ(yᵢ wᵀxᵢ)', same: 'sum(log(σ(y ⊙ Xw)))' },
  { input: '∑ᵢ xᵢᵀAxᵢ', same: 'tr(XAXᵀ)' },
  { input: '∑ᵢ xᵢ', same: 'sum(x)' },
  { input: '∑ᵢ xᵢ yᵢ', same: 'xᵀy' },
  { input: '∑ᵢ φ(wᵢᵀx + bᵢ)', same: 'sum(φ(Wx + b))' },
  { input: '∑ᵢ (yᵢ − wᵀxᵢ)² + λ‖w‖²', same: '‖y − Xw‖² + λwᵀw' },
  // softmax of a matrix is taken row by row, as in attention.
  {
    input: '‖softmax(QKᵀ/√d)V − Y‖_F²',
    same: '‖softmax(Q*K^T/sqrt(d))*V - Y‖_F^2',
    byHand: (v) => {
      const [Q, K, V, Y] = ['Q', 'K', 'V', 'Y'].map(v);
      const d = v('d').data[0];
      let total = 0;
      for (let i = 0; i < Q.rows; i++) {
        const scores = Array.from({ length: K.rows }, (_, k) => Array.from({ length: Q.cols }, (_, j) => at(Q, i, j) * at(K, k, j)).reduce((s, x) => s + x, 0) / Math.sqrt(d));
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((s, x) => s + x, 0);
        for (let c = 0; c < V.cols; c++) {
          const out = e.reduce((s, ek, k) => s + (ek / z) * at(V, k, c), 0);
          total += (out - at(Y, i, c)) ** 2;
        }
      }
      return total;
    },
  },
  // Norms: the subscript before or after the power; ℓ₁ and ℓ∞ (subgradients away from kinks).
  { input: '‖X‖²_F', same: "norm(X, 'fro')^2", byHand: (v) => v('X').data.reduce((s, x) => s + x * x, 0) },
  { input: String.raw`\|X\|^2_F`, same: '‖X‖_F²' },
  { input: '½‖Xw − y‖² + λ‖w‖₁', same: '0.5*norm(X*w - y)^2 + lambda*norm(w, 1)', byHand: (v) => 0.5 * Array.from({ length: v('X').rows }, (_, i) => Array.from({ length: v('X').cols }, (_, j) => at(v('X'), i, j) * v('w').data[j]).reduce((s, x) => s + x, 0) - v('y').data[i]).reduce((s, r) => s + r * r, 0) + v('λ').data[0] * v('w').data.reduce((s, x) => s + Math.abs(x), 0) },
  { input: '‖w‖_∞', same: 'norm(w, Inf)', byHand: (v) => v('w').data.reduce((m, x) => Math.max(m, Math.abs(x)), 0) },
  { input: String.raw`\|w\|_\infty + \|w\|_1`, same: "norm(w, 'inf') + norm(w, 1)" },
  { input: '‖softmax(QKᵀ/√d)V − Y‖_F²', where: 'Q: n×d', same: '‖softmax(QKᵀ/√d)V − Y‖_F²', sameWhere: 'Q: n×d; K: m×d' },
  // A postfix after a bracketed call-or-product binds to the whole bracket (#18): (x(y + 1))² is
  // x²(y + 1)², not x(y + 1)²; without the brackets x(y + 1)² squares (y + 1) alone.
  { input: '(x(y + 1))²', where: 'x, y: scalar', same: '(x*(y + 1))^2', byHand: (v) => (v('x').data[0] * (v('y').data[0] + 1)) ** 2 },
  { input: 'x(y + 1)²', where: 'x, y: scalar', same: 'x*(y + 1)^2', byHand: (v) => v('x').data[0] * (v('y').data[0] + 1) ** 2 },
  { input: '(x(y + 1))^3', where: 'x, y: scalar', same: '(x*(y + 1))^3', byHand: (v) => (v('x').data[0] * (v('y').data[0] + 1)) ** 3 },
  { input: String.raw`\left(x(y + 1)\right)^{2}`, where: 'x, y: scalar', same: '(x*(y + 1))^2', byHand: (v) => (v('x').data[0] * (v('y').data[0] + 1)) ** 2 },
  { input: '[x(y + 1)]²', where: 'x, y: scalar', same: '(x*(y + 1))^2', byHand: (v) => (v('x').data[0] * (v('y').data[0] + 1)) ** 2 },
  { input: 'xᵀ(A(B + I))ᵀy', where: 'A: 3×3', same: 'x^T*(A*(B + I))^T*y',
    byHand: (v) => {
      const [A, B, x, y] = ['A', 'B', 'x', 'y'].map(v);
      let total = 0; // yᵀA(B + I)x
      for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) for (let j = 0; j < 3; j++) total += y.data[i] * at(A, i, k) * (at(B, k, j) + (k === j ? 1 : 0)) * x.data[j];
      return total;
    } },
  { input: 'tr((A(B + I))⁻¹)', where: 'A: 3×3', same: 'tr(inv(A*(B + I)))' },
  // Numerals (#18): scientific notation is a number; powers are right-associative.
  { input: '1e-4*‖w‖²', same: '0.0001*norm(w)^2', byHand: (v) => 1e-4 * v('w').data.reduce((s, x) => s + x * x, 0) },
  { input: '2.5e3x', where: 'x: scalar', same: '2500*x', byHand: (v) => 2500 * v('x').data[0] },
  { input: '1E+2x − 3e−1x', where: 'x: scalar', same: '100*x - 0.3*x', byHand: (v) => 99.7 * v('x').data[0] },
  { input: '2^3^2·x', where: 'x: scalar', same: '512*x', byHand: (v) => 512 * v('x').data[0] },
  { input: '2**3**2*x', where: 'x: scalar', same: '512*x', byHand: (v) => 512 * v('x').data[0] },
  { input: 'x^y^z', where: 'x, y, z: scalar', same: 'x^(y^z)', byHand: (v) => v('x').data[0] ** (v('y').data[0] ** v('z').data[0]) },
  // A fraction of numbers set off by a blank is one constant; α/2σ² is α/(2σ²).
  { input: '1/2 σ²', same: '0.5*σ^2', byHand: (v) => 0.5 * v('σ').data[0] ** 2 },
  { input: 'α/2σ²', same: 'α/(2*σ^2)', byHand: (v) => v('α').data[0] / (2 * v('σ').data[0] ** 2) },
  // e^x is the exponential unless e is declared or defined; eₖ stays a name of its own.
  { input: 'e^x', where: 'x: scalar', same: 'exp(x)', byHand: (v) => Math.exp(v('x').data[0]) },
  { input: String.raw`e^{-x^2/2}`, where: 'x: scalar', same: 'exp(-x^2/2)', byHand: (v) => Math.exp(-(v('x').data[0] ** 2) / 2) },
  { input: 'log 𝟙ᵀe^z', same: 'logsumexp(z)', byHand: (v) => logSumExp(Array.from(v('z').data)) },
  { input: '∑ᵢ e^{zᵢ}', same: 'sum(exp(z))', byHand: (v) => v('z').data.reduce((s, x) => s + Math.exp(x), 0) },
  { input: 'e**(2x)', where: 'x: scalar', same: 'exp(2*x)', byHand: (v) => Math.exp(2 * v('x').data[0]) },
  { input: 'e^x', where: 'e, x: scalar', same: 'exp(x*log(e))', byHand: (v) => v('e').data[0] ** v('x').data[0] },
  { input: 'e = 2\ne^x', where: 'x: scalar', same: '2^x', byHand: (v) => 2 ** v('x').data[0] },
  { input: 'eₖᵀx + e_k^T y', same: 'e_kᵀ(x + y)' },
  // log_softmax(z) is one function (x − logsumexp(x)𝟙), row by row for a matrix.
  { input: '−yᵀlog_softmax(Wx)', same: '−yᵀ(Wx − logsumexp(Wx)𝟙)' },
  { input: String.raw`-y^\top \operatorname{log\_softmax}(z)`, same: '−yᵀlog(softmax(z))', byHand: (v) => -v('y').data.reduce((s, y, i) => s + y * (v('z').data[i] - logSumExp(Array.from(v('z').data))), 0) },
  { input: '−sum(T .* logsoftmax(X*W))', same: '−tr(Tᵀlog(softmax(XW)))' },
  // MATLAB and NumPy ASCII: @, .T, A\b (solve), norm2, .^ and ./ (entrywise).
  { input: 'x.T @ A @ x', same: 'xᵀAx' },
  { input: "b'*(A\\b)", where: 'A: 3×3', same: 'bᵀA⁻¹b', byHand: (v) => { const A = v('A'); const b = v('b'); return dot(b.data, solve3(A, b.data)); } },
  { input: "c'*(A \\ b) + 2\\α", where: 'A: 3×3', same: 'cᵀA⁻¹b + α/2', byHand: (v) => dot(v('c').data, solve3(v('A'), v('b').data)) + v('α').data[0] / 2 },
  { input: 'sum(A\\B)', where: 'A: n×n', same: '𝟙ᵀA⁻¹B𝟙' },
  { input: 'norm2(W*x - y)^2', same: '‖Wx − y‖²' },
  { input: 'sum(x.^3) + sum(x ./ y)', same: '𝟙ᵀ(x ⊙ x ⊙ x) + 𝟙ᵀ(x ⊙ y^∘⁻¹)', byHand: (v) => v('x').data.reduce((s, x, i) => s + x ** 3 + x / v('y').data[i], 0) },
  { input: "ones'*(y - X*w).^2", same: '‖y − Xw‖²' },
  { input: 'sum(X.T.^2 @ u)', where: 'X: 2×3', same: '𝟙ᵀ(X ⊙ X)ᵀu' },
];

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** A⁻¹b for a 3×3 A by Cramer's rule: shares no code with chainrule's solver. */
function solve3(A: Tensor, b: ArrayLike<number>): number[] {
  const m = (r: number, c: number) => at(A, r, c);
  const det3 = (col: number, rhs?: ArrayLike<number>) => {
    const e = (r: number, c: number) => (c === col && rhs ? rhs[r] : m(r, c));
    return e(0, 0) * (e(1, 1) * e(2, 2) - e(1, 2) * e(2, 1)) - e(0, 1) * (e(1, 0) * e(2, 2) - e(1, 2) * e(2, 0)) + e(0, 2) * (e(1, 0) * e(2, 1) - e(1, 1) * e(2, 0));
  };
  const d = det3(-1);
  return [0, 1, 2].map((c) => det3(c, b) / d);
}

interface Refusal {
  readonly input: string;
  readonly where?: string;
  readonly message: RegExp;
  /** The text the caret starts under. */
  readonly at: string;
  readonly hint: RegExp;
}

const REFUSALS: Refusal[] = [
  // log of a row of ones is never accepted silently.
  { input: 'log(𝟙ᵀ)', message: /log\(𝟙ᵀ\) applies log to a row of ones, a constant/, at: 'log(𝟙ᵀ)', hint: /log\(𝟙ᵀexp\(z\)\)/ },
  { input: 'log 𝟙ᵀ exp z', message: /log\(𝟙ᵀ\) applies log to a row of ones/, at: 'log 𝟙ᵀ', hint: /parentheses/ },
  { input: 'exp(ones)', message: /exp\(𝟙\) applies exp to a vector of ones/, at: 'exp(ones)', hint: /parentheses/ },
  // A delimited argument followed by a parenthesized call reads two ways.
  { input: 'log|A| tr(A)', message: /ambiguous: log \|A\| tr\(A\) could be log\(\|A\| tr\(A\)\) or log\(\|A\|\)·tr\(A\)/, at: '|A| tr(A)', hint: /add parentheses/ },
  { input: String.raw`\log \|x\| \exp(y)`, message: /ambiguous: log/, at: String.raw`\|x\|`, hint: /add parentheses/ },
  // Unknown function words are not products of letters.
  { input: 'huber(r)', message: /^unknown function "huber"$/, at: 'huber', hint: /one-letter name, as h\(x\) = …, or declare h: elementwise; the built-in functions are log, exp/ },
  { input: 'logit(p)', message: /^unknown function "logit"$/, at: 'logit', hint: /one-letter name/ },
  { input: 'logsumexpp(x)', message: /unknown function "logsumexpp"/, at: 'logsumexpp', hint: /did you mean logsumexp\?/ },
  { input: 'sofmax(x)', message: /unknown function "sofmax"/, at: 'sofmax', hint: /did you mean softmax\?/ },
  { input: '2 + xlog(x)', message: /unknown function "xlog"/, at: 'xlog', hint: /for a product write x·log\(…\)/ },
  // Indexed names whose two readings both type-check.
  { input: '∑ᵢ xᵢᵀxᵢ', message: /xᵢ could be entry i of a vector x or row i of a matrix X/, at: 'xᵢ', hint: /--where 'x: n' for entries, or --where 'X: n×d \(rows xᵢᵀ\)' for rows/ },
  // Per-term outer products are not scalars.
  { input: '∑ᵢ xᵢ wᵀ', where: 'w: m; X: n×m', message: /cannot vectorize this product over i/, at: 'xᵢ wᵀ', hint: /scalar/ },
  // A fraction of numbers written against a factor: ½σ² or the textbook's 1/(2σ²)? (#18)
  { input: '1/2σ²', message: /^ambiguous: 1\/2σ² could be \(1\/2\)·σ² or 1\/\(2σ²\)$/, at: '1/2σ²', hint: /^write \(1\/2\)σ² or 1\/\(2σ²\)$/ },
  { input: 'x + 1/2‖w‖²', message: /^ambiguous: 1\/2‖w‖² could be \(1\/2\)·‖w‖² or 1\/\(2‖w‖²\)$/, at: '1/2‖w‖²', hint: /write \(1\/2\)‖w‖²/ },
  { input: '3/4(x + y)', message: /could be \(3\/4\)·\(x \+ y\) or 3\/\(4\(x \+ y\)\)/, at: '3/4(x', hint: /write \(3\/4\)\(x \+ y\) or 3\/\(4\(x \+ y\)\)/ },
  // Literals a double cannot hold are refused, not read as Infinity or 0 (#18).
  { input: `x + ${'9'.repeat(400)}`, message: /^the number 999999999999…99999999 \(400 characters\) is too large/, at: '9', hint: /double precision/ },
  { input: `x + 0.${'0'.repeat(400)}1`, message: /^the number 0\.0000000000…00000001 \(403 characters\) is too small: it rounds to 0 in double precision$/, at: '0.', hint: /^non-zero numbers must be above 5·10⁻³²⁴/ },
  { input: '1e400·x', message: /^the number 1e400 is too large/, at: '1e400', hint: /double precision/ },
  { input: 'x − 2.5e-400', message: /^the number 2\.5e-400 is too small/, at: '2.5e', hint: /rescale the problem or use a symbol/ },
  // e on its own beside e^x would be read two ways; e^X of a matrix is the matrix exponential.
  { input: 'eᵀx + e^y', message: /^e is used on its own and as the base of a power/, at: 'eᵀx', hint: /write exp\(…\) for the exponential, or declare e/ },
  // MATLAB's A\b needs a square matrix on the left; a ./ by an indexed term is not vectorized.
  { input: 'x\\b', where: 'x, b: n', message: /^x\\b needs a square matrix on the left, but x is a vector of n$/, at: 'x\\b', hint: /A⁻¹b/ },
  // A partial derivative names an argument the function has.
  { input: '∂₃f(a, b)', where: 'f: function; a, b: scalar', message: /^∂₃f: f has 2 arguments$/, at: '∂₃f', hint: /numbered by argument, from 1/ },
  { input: "norm2(x, 'fro')", message: /^norm2 is the 2-norm/, at: 'norm2', hint: /norm\(x, …\)/ },
  { input: 'e^X', where: 'X: n×n', message: /^e\^X of a matrix is the matrix exponential, which chainrule does not support$/, at: 'e^X', hint: /exp\(X\)/ },
];

/** A model's variables at random, and the same values bound to another model by name. */
function sameValues(a: Model, b: Model, seed: number): { values: Map<string, Tensor>; dimsA: Record<string, number>; dimsB: Record<string, number> } {
  const random = rng(seed);
  const dimsA = randomDims(a, random);
  const values = randomValues(a.variables, dimsA, random);
  // Positive entries keep log x y and friends real.
  // Positive entries, and a heavy diagonal on square matrices, keep log x y and log det X real.
  for (const [key, t] of values) {
    const data = t.data.map((x) => Math.abs(x) + 0.1);
    if (t.rows === t.cols) for (let i = 0; i < t.rows; i++) data[i * t.cols + i] += 2 * t.rows;
    values.set(key, { ...t, data });
  }
  expect(b.variables.map((v) => v.key).sort()).toEqual(a.variables.map((v) => v.key).sort());
  return { values, dimsA, dimsB: inferDims(b.variables, values) };
}

function refusal(input: string, where?: string): ChainruleError {
  try {
    parse(input, { where });
  } catch (e) {
    if (e instanceof ChainruleError) return e;
    throw e;
  }
  throw new Error(`${input} was accepted`);
}

describe('ambiguous spellings: the textbook reading', () => {
  for (const c of READINGS) {
    it(`${c.input}${c.where ? ` where ${c.where}` : ''} means ${c.same}`, () => {
      const model = parse(c.input, { where: c.where });
      const explicit = parse(c.same, { where: c.sameWhere ?? c.where });
      for (let seed = 1; seed <= 3; seed++) {
        const { values, dimsA, dimsB } = sameValues(model, explicit, seed);
        const value = evaluate(model.output.node, values, dimsA).data[0];
        expect(value).toBeCloseTo(evaluate(explicit.output.node, values, dimsB).data[0], 9);
        if (c.byHand) {
          const byName = (key: string): Tensor => values.get(key) ?? (() => { throw new Error(`no variable ${key}`); })();
          expect(value).toBeCloseTo(c.byHand(byName), 9);
        }
      }
      const result = differentiate(model, model.variables.map((v) => v.key));
      const checks = checkGradients(model, result.derivatives, { points: 3, seed: 5 });
      for (const check of checks) {
        expect(check.points, check.variable).toBeGreaterThan(0);
        expect(check.relativeError, `∂/∂${check.variable}`).toBeLessThan(1e-5);
      }
    });
  }
});

describe('ambiguous spellings: refused, naming the readings', () => {
  for (const c of REFUSALS) {
    it(`${c.input} is refused`, () => {
      const error = refusal(c.input, c.where);
      expect(error.kind).toBe('input');
      expect(error.message).toMatch(c.message);
      expect(error.hint ?? '').toMatch(c.hint);
      expect(error.span?.start).toBe(c.input.indexOf(c.at));
      const shown = formatError(error, c.input).split('\n');
      expect(shown).toHaveLength(4); // message, line, caret, hint
      expect(shown[2].trimEnd().endsWith('^')).toBe(true);
    });
  }
});
