// The cases every generated-code target is checked on: the seed problems with an answer (as their
// notes write them, with Φ made concrete) and Matrix Cookbook identities. Shared by the JS and
// Python tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const seeds = JSON.parse(readFileSync(path.resolve(repoRoot, 'test/fixtures/seeds.json'), 'utf8')) as {
  problems: { id: string; source?: string; where?: string; wrt?: string[]; expected?: Record<string, string> }[];
};

/** Φ and φ are abstract in the notes; code needs a concrete function, so the tests use tanh (the
 * reference evaluator's stand-in for Φ is tanh too). */
const concrete = (text: string): string => text.replace(/[Φφ](?=\s*\()/g, 'tanh');
const concreteWhere = (where: string | undefined): string | undefined => where?.replace(/;?\s*[Φφ]: elementwise/g, '');
/** Seeds whose notes treat their letters as scalars (the expected answers are scalar derivatives),
 * though no `where` says so; under the naming defaults lower-case letters would be vectors. */
const SCALAR_LETTERS: Record<string, string> = { 'activation-derivatives': 'x: scalar', 'building-blocks': 'a, b: scalar' };

export interface Case {
  readonly name: string;
  readonly source: string;
  readonly where?: string;
  readonly wrt: readonly string[];
}

export function seedCases(): Case[] {
  const cases: Case[] = [];
  for (const p of seeds.problems) {
    if (!p.source || !p.wrt || !p.expected) continue;
    const source = concrete(p.source);
    const where = concreteWhere(p.where) ?? SCALAR_LETTERS[p.id];
    // A list of separate expressions ("σ(x); relu(x)") is one case per expression.
    const parts = !source.includes('=') && source.includes(';') ? source.split(';').map((s) => s.trim()) : [source];
    for (const part of parts) cases.push({ name: `${p.id}: ${part.split('\n').join('; ')}`, source: part, where, wrt: p.wrt });
  }
  return cases;
}

/** Matrix Cookbook identities (numbers from the Cookbook, 2012 edition) and course staples. */
export const COOKBOOK: Case[] = [
  { name: '(69) ∂aᵀXb/∂X = abᵀ', source: 'aᵀXb', where: 'X: n×m; a: n; b: m', wrt: ['X'] },
  { name: '(70) ∂aᵀXᵀb/∂X = baᵀ', source: 'aᵀXᵀb', where: 'X: n×m; a: m; b: n', wrt: ['X'] },
  { name: '(81) ∂xᵀBx/∂x = (B + Bᵀ)x', source: 'xᵀBx', where: 'B: n×n; x: n', wrt: ['x', 'B'] },
  { name: '(84) ∂aᵀXᵀXb/∂X', source: 'aᵀXᵀXb', where: 'X: n×m; a, b: m', wrt: ['X'] },
  { name: '(100) ∂tr(X)/∂X = I', source: 'tr(X) + tr(AX)', where: 'X, A: n×n', wrt: ['X'] },
  { name: '(101) ∂tr(XA)/∂X = Aᵀ', source: 'tr(XA)', where: 'X: n×m; A: m×n', wrt: ['X', 'A'] },
  { name: '(102) ∂tr(AXB)/∂X = AᵀBᵀ', source: 'tr(AXB)', where: 'A: k×n; X: n×m; B: m×k', wrt: ['X'] },
  { name: '(103) ∂tr(AXᵀB)/∂X = BA', source: 'tr(AXᵀB)', where: 'A: k×m; X: n×m; B: n×k', wrt: ['X'] },
  { name: '(108) ∂tr(XᵀX)/∂X = 2X', source: 'tr(XᵀX)', where: 'X: n×m', wrt: ['X'] },
  { name: '(111) ∂tr(XᵀBX)/∂X', source: 'tr(XᵀBX)', where: 'X: n×m; B: n×n', wrt: ['X', 'B'] },
  { name: '(117) ∂tr(AXBX)/∂X', source: 'tr(AXBX)', where: 'A, X, B: n×n', wrt: ['X'] },
  { name: '(57) ∂log|X|/∂X = X⁻ᵀ', source: 'log|XXᵀ + I|', where: 'X: n×n', wrt: ['X'] },
  { name: '(49) ∂|X|/∂X = |X|X⁻ᵀ', source: '|X|', where: 'X: n×n', wrt: ['X'] },
  { name: '(61) ∂aᵀX⁻¹b/∂X = −X⁻ᵀabᵀX⁻ᵀ', source: 'aᵀ(X + 4I)⁻¹b', where: 'X: n×n; a, b: n', wrt: ['X', 'a', 'b'] },
  { name: '(124) ∂tr(AX⁻¹B)/∂X', source: 'tr(A(X + 4I)⁻¹B)', where: 'X, A, B: n×n', wrt: ['X', 'A'] },
  { name: '‖Ax − b‖² (least squares)', source: '‖Ax − b‖²', where: 'A: m×n; x: n; b: m', wrt: ['x', 'A', 'b'] },
  { name: '‖X‖_F² and ‖x‖', source: '‖X‖_F² + ‖Xy‖', where: 'X: n×m; y: m', wrt: ['X', 'y'] },
  { name: 'ridge', source: '‖Xw − y‖² + λ‖w‖²', where: 'X: n×d; w: d; y: n; λ: scalar', wrt: ['w', 'λ'] },
  { name: 'logistic loss', source: '−yᵀlog(σ(Xw)) − (𝟙 − y)ᵀlog(𝟙 − σ(Xw))', where: 'X: n×d; w: d; y: n', wrt: ['w'] },
  { name: 'softmax cross-entropy', source: 'logsumexp(Wx) − yᵀWx', where: 'W: k×d; x: d; y: k', wrt: ['W', 'x'] },
  { name: 'softmax', source: 'yᵀsoftmax(Wx)', where: 'W: k×d; x: d; y: k', wrt: ['W'] },
  { name: 'softplus, exp, tanh, √, abs', source: '𝟙ᵀsoftplus(x) + 𝟙ᵀexp(Ax) + tanh(aᵀx) + √(xᵀx + 1) + |α|', where: 'A: n×n; x, a: n; α: scalar', wrt: ['x', 'A', 'α'] },
  { name: 'Gaussian log-likelihood', source: '−½ log|S + 2I| − ½(x − μ)ᵀ(S + 2I)⁻¹(x − μ)', where: 'S: n×n symmetric; x, μ: n', wrt: ['μ', 'x'] },
  { name: 'diag', source: 'xᵀdiag(v)x + 𝟙ᵀdiag(A)', where: 'x, v: n; A: n×n', wrt: ['v', 'x', 'A'] },
  { name: 'row and column sums X𝟙, 𝟙ᵀX and the broadcast x𝟙ᵀ', source: '‖X𝟙 − u‖² + ‖𝟙ᵀX − vᵀ‖² + ‖x𝟙ᵀ − X‖²', where: 'X: n×m; u, x: n; v: m', wrt: ['X', 'x', 'u'] },
  { name: 'batched MLP (bias gradients (…)𝟙, fused layers)', source: 'H = relu(W₁X + b₁𝟙ᵀ)\nŶ = W₂H + b₂𝟙ᵀ\nL = ½‖Ŷ − Y‖²/B', where: 'X: n×B; Y: k×B; W₁: m×n; b₁: m; W₂: k×m; b₂: k', wrt: ['W₁', 'b₁', 'W₂', 'b₂'] },
  { name: 'batched tanh layer, one input unit', source: 'H = tanh(w₁X + b₁𝟙ᵀ)\nL = ‖W₂H − Y‖²', where: 'w₁, b₁: h; X: 1×B; W₂: 1×h; Y: 1×B', wrt: ['w₁', 'b₁', 'W₂'] },
  { name: 'products heading fused loops (ABᵀ element by element, AᵀD row by row)', source: '‖ABᵀ − C‖² + 𝟙ᵀrelu(AᵀD + E)𝟙', where: 'A, B: n×m; C: n×n; D: n×k; E: m×k', wrt: ['A', 'B', 'C', 'D', 'E'] },
  { name: 'max, min, hadamard', source: '𝟙ᵀmax(x, y) + 𝟙ᵀmin(x ⊙ y, z)', where: 'x, y, z: n', wrt: ['x', 'y', 'z'] },
  { name: 'ℓ₁ and ℓ∞ norms (lasso)', source: '½‖Xw − y‖² + λ‖w‖₁ + μ‖w‖_∞', where: 'X: n×d; w: d; y: n; λ, μ: scalar', wrt: ['w', 'λ'] },
  { name: 'squares of ℓ₁ and ℓ∞ norms are not sums of squares', source: '‖w‖₁² + ‖w‖_∞² + ‖Xw‖²', where: 'X: n×d; w: d', wrt: ['w', 'X'] },
  { name: 'sum of a solve: sum(A⁻¹y)', source: 'sum((A + 4I)⁻¹y)', where: 'y: n; A: n×n', wrt: ['y', 'A'] },
  { name: 'sums of solves and products: sum(A⁻ᵀy) + sum(Ay) + sum(A⁻¹B)', source: 'sum((A + 4I)⁻ᵀy) + sum(Ay) + sum((A + 4I)⁻¹B) + 𝟙ᵀ(B + 4I)⁻¹y', where: 'y: n; A, B: n×n', wrt: ['y', 'A', 'B'] },
  { name: 'attention: softmax of a matrix, row by row', source: '‖softmax(QKᵀ/√d)V − Y‖_F²', where: 'Q: n×d; K: m×d; V: m×p; Y: n×p', wrt: ['Q', 'K', 'V'] },
  { name: 'batched softmax cross-entropy', source: '−sum(T ⊙ log(softmax(XW)))', where: 'X: n×d; W: d×k; T: n×k', wrt: ['W'] },
  { name: 'softmax of a row vector', source: 'softmax(xᵀ)y', where: 'x, y: n', wrt: ['x'] },
  { name: 'sin, cos, tan, arctan, sinh, cosh, log1p, expm1, erf, sign', source: '𝟙ᵀ(sin(Ax) ⊙ cos(x) + tan(x/4) + arctan(Ax) + sinh(x) ⊙ cosh(x) + log1p(x ⊙ x) + expm1(x) + erf(Ax)) + sign(aᵀx)·aᵀx', where: 'A: n×n; x, a: n', wrt: ['x', 'A', 'a'] },
  { name: 'lse', source: 'lse(Wx) − yᵀWx', where: 'W: k×d; x: d; y: k', wrt: ['W'] },
  { name: 'log_softmax cross-entropy', source: '−yᵀlog_softmax(Wx + b)', where: 'W: k×d; x: d; y, b: k', wrt: ['W', 'x', 'b'] },
  { name: 'batched log_softmax cross-entropy, row by row', source: '−sum(T ⊙ logsoftmax(XW))', where: 'X: n×d; W: d×k; T: n×k', wrt: ['W', 'X'] },
  { name: 'log_softmax of a row vector', source: 'log_softmax(xᵀ)y', where: 'x, y: n', wrt: ['x', 'y'] },
];


/** Textbook second-order problems: Hessians and Hessian-vector products of scalar, vector and matrix variables. */
export const SECOND_ORDER: readonly { expr: string; where: string; wrt: string }[] = [
  { expr: '‖Ax − b‖²', where: 'A: m×n', wrt: 'x' },
  { expr: '𝟙ᵀexp(Ax)', where: 'A: m×n', wrt: 'x' },
  { expr: '−yᵀlog(σ(Xw)) − (𝟙 − y)ᵀlog(𝟙 − σ(Xw))', where: 'X: N×d', wrt: 'w' },
  { expr: 'logsumexp(x)', where: 'x: n', wrt: 'x' },
  { expr: 'yᵀAx + α‖x‖²', where: 'A: m×n', wrt: 'x,y,α' },
  { expr: '−log|X| + tr(SX)', where: 'X: n×n; S: n×n', wrt: 'X' },
  { expr: 'log(1 + exp(−y·wᵀx)) + λ/2·‖w‖² + α·tr(XᵀX)', where: 'x: d; y: scalar; X: n×k', wrt: 'w,λ,X,α' },
];
