// Golden tests for the forms the compactness issue (#13) asks for: each input, typed as a new user
// would, prints exactly the textbook form (or one no longer than it), and that printed form is checked
// against finite differences of the input.
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import { checkGradients, randomDims, randomValues, rng } from '../../src/check/index.ts';
import { evaluate } from '../../src/eval/index.ts';

/** The printed form, read back in the program (it may name the program's definitions), has the derivative's value. */
function expectSameValue(expr: string, where: string, printed: string, derivative: Parameters<typeof evaluate>[0]): void {
  const model = parse(expr, { where });
  const back = parse(expr.includes('=') ? `${expr}; D_printed = ${printed}` : printed, { where });
  const random = rng(23);
  for (let p = 0; p < 3; p++) {
    const dims = randomDims(model, random);
    const values = randomValues(model.variables, dims, random);
    for (const t of values.values()) if (t.rows === t.cols && t.rows > 1) for (let i = 0; i < t.rows; i++) t.data[i * t.cols + i] += t.rows + 1;
    const [ours, theirs] = [evaluate(derivative, values, dims), evaluate(back.output.node, values, dims)];
    expect(theirs.data.length).toBe(ours.data.length);
    ours.data.forEach((value, i) => expect(Math.abs(theirs.data[i] - value)).toBeLessThan(1e-8 * Math.max(1, Math.abs(value))));
  }
}

const GOLDENS: readonly { readonly source: string; readonly expr: string; readonly where: string; readonly wrt: string; readonly printed: string }[] = [
  { source: 'Golub & Van Loan §8.2, the Rayleigh quotient', expr: '(xᵀAx)/(xᵀx)', where: 'x: n; A: n×n symmetric', wrt: 'x', printed: '2(Ax − (xᵀAx)x/(xᵀx))/(xᵀx)' },
  { source: 'a linear autoencoder', expr: '‖Wx − x‖²', where: 'x: n; W: n×n', wrt: 'x', printed: '2(Wᵀ − I)(Wx − x)' },
  { source: 'Ioffe & Szegedy 2015, batch norm', expr: 'μ = 𝟙ᵀx/n; v = ‖x − μ𝟙‖²/n; x̂ = (x − μ𝟙)/√(v + ε); L = wᵀx̂', where: 'x, w: n; ε: scalar', wrt: 'x', printed: '(w − (wᵀ𝟙)𝟙/n − (wᵀx̂)x̂/n)/√(v + ε)' },
  { source: 'CS229 notes, logistic regression through named intermediates', expr: 'h = σ(wᵀx); L = y log h + (1 − y) log(1 − h)', where: 'w, x: d; y: scalar', wrt: 'w', printed: '(y − h)x' },
  { source: 'TensorFlow sigmoid_cross_entropy_with_logits, the stable spelling', expr: 'max(x, 0) − xz + log(1 + exp(−|x|))', where: 'x, z: scalar', wrt: 'x', printed: 'σ(x) − z' },
  { source: 'Matrix Cookbook §2.1.1', expr: '|X³|', where: 'X: n×n', wrt: 'X', printed: '3|X³|X⁻ᵀ' },
  { source: 'Matrix Cookbook §2.1.1', expr: 'log|X³|', where: 'X: n×n', wrt: 'X', printed: '3X⁻ᵀ' },
  { source: 'Matrix Cookbook §2.5.2', expr: 'tr(X³)', where: 'X: n×n', wrt: 'X', printed: '3XᵀXᵀ' },
  { source: 'Matrix Cookbook §2.5.3', expr: 'tr((XᵀX)⁻¹)', where: 'X: n×m', wrt: 'X', printed: '−2X(XᵀX)⁻²' },
  { source: 'Vaswani et al. 2017, attention', expr: 'S = softmax(QKᵀ/√d); L = ‖SV − Y‖_F²', where: 'Q, K, V, Y: n×d', wrt: 'V', printed: '2Sᵀ(SV − Y)' },
  { source: 'the chain rule through |x|: |x|·sign(x) = x', expr: '½|x|²', where: 'x: scalar', wrt: 'x', printed: 'x' },
  { source: 'CS231n, batched softmax cross-entropy (one row per example)', expr: '−sum(T .* log_softmax(X @ W))', where: 'T: N×k; X: N×d; W: d×k', wrt: 'W', printed: 'Xᵀ(T𝟙𝟙ᵀ ⊙ softmax(XW) − T)' },
  { source: 'PRML §2.3, a Gaussian log-likelihood in its mean', expr: '−½(x − μ)ᵀΣ⁻¹(x − μ)', where: 'x, μ: n; Σ: n×n symmetric', wrt: 'μ', printed: 'Σ⁻¹(x − μ)' },
];

describe('textbook forms (#13)', () => {
  for (const g of GOLDENS) {
    it(`${g.source}: ∂/∂${g.wrt} ${g.expr} = ${g.printed}`, () => {
      const model = parse(g.expr, { where: g.where });
      const [d] = differentiate(model, [g.wrt]).derivatives;
      expect(d.unicode).toBe(g.printed);
      const [check] = checkGradients(model, [{ variable: d.variable, node: d.node }], { points: 3, seed: 11 });
      expect(check.relativeError, d.unicode).toBeLessThan(1e-6);
      expectSameValue(g.expr, g.where, d.unicode, d.node);
    });
  }
});
