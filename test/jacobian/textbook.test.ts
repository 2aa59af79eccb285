// Golden: textbook Jacobians and Hessians, printed as the books write them, each also checked against
// central finite differences (of the output for Jacobians, of the gradient for Hessians).
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/api.ts';
import type { Node } from '../../src/ir/node.ts';
import { hessian, hessianVectorProduct, jacobian } from '../../src/jacobian/index.ts';
import { kroneckerInEntryOrder, linearMapTensor, matrixInEntryOrder, numericJacobian, relative, smoothPoints } from './support.ts';

interface Case {
  readonly source: string;
  readonly expr: string;
  readonly where?: string;
  readonly wrt: string;
  readonly printed: string;
}

const JACOBIANS: readonly Case[] = [
  { source: 'Matrix Cookbook §2.4.1 eq. 69', expr: 'Ax', where: 'A: m×n', wrt: 'x', printed: 'A' },
  { source: 'Matrix Cookbook §2.4.1 (elementwise square)', expr: 'x ⊙ x', where: 'x: n', wrt: 'x', printed: '2 diag(x)' },
  { source: 'Goodfellow et al., Deep Learning §6.5.4 (tanh layer)', expr: 'tanh(Wx)', where: 'W: m×n', wrt: 'x', printed: 'diag(𝟙 − tanh(Wx)^∘²)W' },
  { source: 'Bishop, PRML eq. 4.106 (softmax)', expr: 'softmax(z)', where: 'z: k', wrt: 'z', printed: 'diag(softmax(z)) − softmax(z) softmax(z)ᵀ' },
  { source: 'Bishop, PRML eq. 4.88 (logistic sigmoid)', expr: 'σ(x)', where: 'x: n', wrt: 'x', printed: 'diag(σ(x) ⊙ (𝟙 − σ(x)))' },
  { source: 'Matrix Cookbook eq. 131 (normalized vector)', expr: 'x/‖x‖', where: 'x: n', wrt: 'x', printed: '(I − ‖x‖⁻² xxᵀ)/‖x‖' },
  { source: 'Goodfellow et al., Deep Learning §6.5 (ReLU layer)', expr: 'z = Wx + b; h = relu(z)', where: 'W: m×n', wrt: 'x', printed: 'diag(𝟙[z > 0])W' },
  { source: 'Magnus & Neudecker, Matrix Differential Calculus, ch. 9 (AXB)', expr: 'AXB', where: 'A: m×n; X: n×p; B: p×q', wrt: 'X', printed: 'df = A(dX)B\nvec(df) = (Bᵀ ⊗ A) vec(dX)' },
  { source: 'Matrix Cookbook eq. 59 (inverse)', expr: 'X⁻¹', where: 'X: n×n', wrt: 'X', printed: 'df = −X⁻¹(dX)X⁻¹\nvec(df) = −(X⁻ᵀ ⊗ X⁻¹) vec(dX)' },
  { source: 'Magnus & Neudecker ch. 9 (a linear layer by its weights)', expr: 'Wx', where: 'W: m×n', wrt: 'W', printed: 'df = (dW)x\nvec(df) = (xᵀ ⊗ I) vec(dW)' },
  { source: 'Goodfellow et al., Deep Learning §6.5 (a sigmoid layer by its weights)', expr: 'σ(Wx + b)', where: 'W: m×n', wrt: 'W', printed: 'df = σ(Wx + b) ⊙ (𝟙 − σ(Wx + b)) ⊙ (dW)x\nvec(df) = (xᵀ ⊗ diag(σ(Wx + b) ⊙ (𝟙 − σ(Wx + b)))) vec(dW)' },
];

const HESSIANS: readonly Case[] = [
  { source: 'Boyd & Vandenberghe, Convex Optimization §A.4.1 (least squares)', expr: '‖Ax − b‖²', where: 'A: m×n', wrt: 'x', printed: '2AᵀA' },
  { source: 'Boyd & Vandenberghe §3.1.5 (sum of exponentials of affine functions)', expr: '𝟙ᵀexp(Ax)', where: 'A: m×n', wrt: 'x', printed: 'Aᵀ diag(exp(Ax))A' },
  { source: 'Matrix Cookbook eq. 81 (quadratic form)', expr: 'xᵀAx', where: 'A: n×n', wrt: 'x', printed: 'A + Aᵀ' },
  { source: 'Boyd & Vandenberghe §3.1.5 (log-sum-exp)', expr: 'logsumexp(x)', where: 'x: n', wrt: 'x', printed: 'diag(softmax(x)) − softmax(x) softmax(x)ᵀ' },
  { source: 'Bishop, PRML eq. 4.97 (logistic regression, H = ΦᵀRΦ)', expr: '−yᵀlog(σ(Xw)) − (𝟙 − y)ᵀlog(𝟙 − σ(Xw))', where: 'X: N×d', wrt: 'w', printed: 'Xᵀ diag(σ(Xw) ⊙ (𝟙 − σ(Xw)))X' },
  { source: 'Hastie, Tibshirani & Friedman, ESL eq. 3.44 (ridge regression)', expr: '‖Xw − y‖² + λ‖w‖²', where: 'X: N×d', wrt: 'w', printed: '2(XᵀX + λI)' },
  { source: 'Nocedal & Wright, Numerical Optimization §2.2 (quadratic model)', expr: '½xᵀAx − bᵀx', where: 'A: n×n', wrt: 'x', printed: '½(A + Aᵀ)' },
  { source: 'Boyd & Vandenberghe §3.1.5 (log-determinant, second differential)', expr: '−log|X|', where: 'X: n×n', wrt: 'X', printed: 'd²f[dX, dX] = tr(X⁻¹(dX)X⁻¹(dX))\nvec(d(∇f)) = (X⁻¹ ⊗ X⁻ᵀ)K vec(dX)' },
  { source: 'Matrix Cookbook eq. 95 (bilinear form, mixed block)', expr: 'yᵀAx', where: 'A: m×n', wrt: 'x,y', printed: '0|Aᵀ|0' },
];

/** Every block's dense form against finite differences. */
function checkJacobian(c: Case): void {
  const model = parse(c.expr, { where: c.where });
  const result = jacobian(model, c.wrt.split(','));
  for (const bound of smoothPoints(model, 11, 2)) {
    for (const j of result.jacobians) {
      const numeric = numericJacobian(model.output.node, j.variable, bound.values, bound.dims);
      expect(relative(linearMapTensor(j.differential, j.direction, bound).data, numeric.data)).toBeLessThan(1e-6);
      const matrix = matrixInEntryOrder(j, j.variable, bound);
      if (matrix) expect(relative(matrix.data, numeric.data)).toBeLessThan(1e-6);
      const kron = kroneckerInEntryOrder(j, model.output.node, bound);
      if (kron) expect(relative(kron.data, numeric.data)).toBeLessThan(1e-6);
    }
  }
}

describe('textbook Jacobians', () => {
  for (const c of JACOBIANS) {
    it(`${c.source}: ∂(${c.expr})/∂${c.wrt} = ${c.printed.replace('\n', '; ')}`, () => {
      const result = jacobian(parse(c.expr, { where: c.where }), [c.wrt]);
      expect(result.jacobians[0].unicode).toBe(c.printed);
      checkJacobian(c);
    });
  }
});

describe('textbook Hessians', () => {
  for (const c of HESSIANS) {
    it(`${c.source}: ∇²(${c.expr}) by ${c.wrt} = ${c.printed.replace('\n', '; ')}`, () => {
      const model = parse(c.expr, { where: c.where });
      const result = hessian(model, c.wrt.split(','));
      expect(result.blocks.map((b) => b.unicode).join('|')).toBe(c.printed);
      const hvp = hessianVectorProduct(model, c.wrt.split(','));
      let points = 0;
      for (const bound of smoothPoints(model, 5, 2)) {
        points++;
        for (const b of result.blocks) {
          const numeric = numericJacobian(result.gradients.get(b.row) as Node, b.col, bound.values, bound.dims);
          const dense = linearMapTensor(b.differential, b.direction, bound);
          expect(relative(dense.data, numeric.data)).toBeLessThan(1e-6);
          const matrix = matrixInEntryOrder(b, b.col, bound);
          if (matrix) expect(relative(matrix.data, numeric.data)).toBeLessThan(1e-6);
          const kron = kroneckerInEntryOrder(b, result.gradients.get(b.row) as Node, bound);
          if (kron) expect(relative(kron.data, numeric.data)).toBeLessThan(1e-6);
        }
        for (const p of hvp.products) expect(p.node.shape).toEqual(p.variable.shape);
      }
      expect(points).toBe(2);
    });
  }

  it('a Hessian-vector product is printed without forming the matrix: ∇²‖Ax − b‖²·v = 2AᵀAv', () => {
    const result = hessianVectorProduct(parse('‖Ax − b‖²', { where: 'A: m×n' }), ['x']);
    expect(result.products[0].unicode).toBe('2AᵀAv');
  });

  it('a vector output has no Hessian: the error says to take its Jacobian', () => {
    expect(() => hessian(parse('Ax', { where: 'A: m×n' }), ['x'])).toThrow(/not a scalar.*Hessian/);
  });
});
