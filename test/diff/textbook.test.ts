// Problems of the kind chainrule is judged on beyond the course sheets: ML losses, Gaussian-process
// likelihoods, textbook matrix calculus. Each derivative is checked against finite differences and
// its printed form is pinned to what a TA would write.
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import { checkGradients } from '../../src/check/index.ts';

const CASES: [source: string, where: string, wrt: string, printed: string][] = [
  ['yᵀlog(σ(Xw)) + (1 − y)ᵀlog(1 − σ(Xw))', 'X: n×d; y: n', 'w', 'Xᵀ(y − σ(Xw))'],
  ['logsumexp(Wx) − yᵀWx', 'W: k×d; y: k', 'W', '(softmax(Wx) − y)xᵀ'],
  ['logsumexp(Wx) − yᵀWx', 'W: k×d; y: k', 'x', 'Wᵀ(softmax(Wx) − y)'],
  ['½yᵀK⁻¹y + ½log|K| + (n/2)log(2π)', 'K: n×n symmetric; y: n', 'K', '½(K⁻¹ − K⁻¹yyᵀK⁻¹)'],
  ['(y − μ)ᵀΣ⁻¹(y − μ) + log|Σ|', 'Σ: n×n symmetric; y, μ: n', 'μ', '−2Σ⁻¹(y − μ)'],
  ['‖Xw − y‖² + λ‖w‖²', 'X: n×d; y: n; λ: scalar', 'w', '2(Xᵀ(Xw − y) + λw)'],
  ['‖A − BC‖_F²', 'A: n×m; B: n×k; C: k×m', 'B', '−2(A − BC)Cᵀ'],
  ['½θᵀAθ − bᵀθ', 'A: n×n symmetric; b, θ: n', 'θ', 'Aθ − b'],
  ['xᵀAx', 'A: n×n', 'x', '(A + Aᵀ)x'],
  ['tr(X⁻¹A)', 'X, A: n×n', 'X', '−X⁻ᵀAᵀX⁻ᵀ'],
  ['log(1 + exp(wᵀx))', 'w, x: n', 'w', 'σ(wᵀx)x'],
  ['log(1 + exp(−y wᵀx))', 'y: scalar; w, x: n', 'w', '−σ(−ywᵀx)yx'],
  ['tr(W diag(v) Wᵀ)', 'W: n×m; v: m', 'v', 'diag(WᵀW)'],
  ['−yᵀlog(σ(Xw))', 'X: n×d; y: n', 'w', '−Xᵀ(y ⊙ (𝟙 − σ(Xw)))'],
];

describe('textbook and ML derivatives', () => {
  for (const [source, where, wrt, printed] of CASES) {
    it(`∂/∂${wrt} ${source} = ${printed}`, () => {
      const model = parse(source, { where });
      const result = differentiate(model, [wrt]);
      expect(result.derivatives[0].unicode).toBe(printed);
      for (const c of checkGradients(model, result.derivatives, { points: 3, seed: 11 })) expect(c.relativeError).toBeLessThan(1e-6);
    });
  }
});
