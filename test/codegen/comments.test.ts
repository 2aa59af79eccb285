// The comments of a generated module name what they have already written: a gradient whose formula
// is long becomes a name, (∂L/∂b₁), and later formulas use it, so the module of an L-layer network
// grows like L (it grew like L², each formula spelling out all the layers above it); a long value used
// more than once that the user did not name is listed as u₁, u₂, …. Every formula as
// the comments write it, names expanded, is checked against central differences.
import { describe, expect, it } from 'vitest';
import { differentiate, findVariable, parse } from '../../src/api.ts';
import { generate, namedGradients } from '../../src/compile.ts';
import { substitute } from '../../src/ir/fold.ts';
import type { Node } from '../../src/ir/node.ts';
import { mlpLoss, sigmoidSum } from '../../bench/compile.ts';
import { checkAwayFromKinks } from '../check/support.ts';
import { COOKBOOK, seedCases } from './cases.ts';

const bytes = (c: { source: string; where: string; wrt: string[] }): number => Buffer.byteLength(generate(c.source, { wrt: c.wrt, where: c.where }));

/** The same network as mlpLoss, written as one nested expression: no names of the user's. */
function nestedLoss(layers: number): { source: string; where: string; wrt: string[] } {
  let e = 'x';
  for (let l = 1; l <= layers; l++) e = `relu(W${l}${l === 1 ? 'x' : `(${e})`} + b${l})`;
  const { where, wrt } = mlpLoss(layers);
  return { source: `L = ½‖${e} − y‖²`, where, wrt };
}

describe('generated module size', () => {
  it('grows linearly with the depth of a ReLU network', () => {
    const [s50, s100, s200] = [50, 100, 200].map((k) => bytes(mlpLoss(k)));
    expect(s100 / s50).toBeLessThan(2.3);
    expect(s200 / s100).toBeLessThan(2.3);
  }, 120_000);

  it('grows linearly with the depth of a network written as one nested expression', () => {
    const [s25, s50, s100] = [25, 50, 100].map((k) => bytes(nestedLoss(k)));
    expect(s50 / s25).toBeLessThan(2.3);
    expect(s100 / s50).toBeLessThan(2.3);
  }, 120_000);

  it('grows linearly with the number of terms of a sum of sigmoids', () => {
    const [s80, s160] = [80, 160].map((k) => bytes(sigmoidSum(k)));
    expect(s160 / s80).toBeLessThan(2.3);
  }, 120_000);
});

describe('gradient formulas in the comments', () => {
  it('refer to the gradients they contain, a layer at a time', () => {
    const c = mlpLoss(3);
    const text = generate(c.source, { wrt: c.wrt, where: c.where });
    expect(text).toContain(
      [
        '//   grad.W1 = ∂L/∂W₁ = (∂L/∂b₁)xᵀ',
        '//   grad.b1 = ∂L/∂b₁ = W₂ᵀ(∂L/∂b₂) ⊙ 𝟙[W₁x + b₁ > 0]',
        '//   grad.W2 = ∂L/∂W₂ = (∂L/∂b₂)h₁ᵀ',
        '//   grad.b2 = ∂L/∂b₂ = W₃ᵀ(∂L/∂b₃) ⊙ 𝟙[W₂h₁ + b₂ > 0]',
        '//   grad.W3 = ∂L/∂W₃ = (∂L/∂b₃)h₂ᵀ',
        '//   grad.b3 = ∂L/∂b₃ = (h₃ − y) ⊙ 𝟙[W₃h₂ + b₃ > 0]',
      ].join('\n'),
    );
    // The loop that computes W₂ᵀ(∂L/∂b₂) says so, rather than spelling ∂L/∂b₂ out.
    expect(text).toMatch(/\/\/ t\d+ = W₂ᵀ\(∂L\/∂b₂\)\n/);
  });

  it('name long values used more than once that the user did not name, and list them', () => {
    const c = nestedLoss(4);
    const text = generate(c.source, { wrt: c.wrt, where: c.where });
    expect(text).toContain(
      [
        '// Values the formulas below name:',
        '//   u₁ = relu(W₂ relu(W₁x + b₁) + b₂)',
        '//   u₂ = relu(W₄ relu(W₃u₁ + b₃) + b₄) − y',
        '//',
        '// value(input) = L = ½‖u₂‖²',
      ].join('\n'),
    );
    expect(text).toContain('//   grad.b3 = ∂L/∂b₃ = W₄ᵀ(∂L/∂b₄) ⊙ 𝟙[W₃u₁ + b₃ > 0]\n');
  });

  it('leave short gradients written out, and name no value in a small module', () => {
    const text = generate('h = relu(W₁x + b₁); ŷ = W₂h + b₂; L = ½‖ŷ − y‖²', { wrt: ['W₂', 'b₂', 'W₁', 'b₁'], where: 'y: k; W₁: m×n' });
    expect(text).toContain('//   grad.W2 = ∂L/∂W₂ = (ŷ − y)hᵀ\n');
    expect(text).toContain('//   grad.b2 = ∂L/∂b₂ = ŷ − y\n');
    expect(text).toContain('//   grad.W1 = ∂L/∂W₁ = (∂L/∂b₁)xᵀ\n');
    expect(text).toContain('//   grad.b1 = ∂L/∂b₁ = W₂ᵀ(ŷ − y) ⊙ 𝟙[W₁x + b₁ > 0]\n');
    expect(text).not.toContain('Values the formulas below name');
    expect(generate('−γ/2·log|αAAᵀ+β⁻¹I|', { wrt: 'A', where: 'A: n×n' })).toContain('∂f/∂A = −αγ(αAAᵀ + β⁻¹I)⁻¹A\n');
  });

  const cases = [
    ...seedCases(),
    ...COOKBOOK,
    { name: '4-layer MLP', ...mlpLoss(4) },
    { name: '6-layer MLP as one expression', ...nestedLoss(6) },
    { name: 'sum of 6 sigmoids', ...sigmoidSum(6) },
    { name: 'two tanh layers', source: 'ℓ = ½‖W⁽²⁾tanh(W⁽¹⁾x + b) − y‖²', where: 'W⁽¹⁾, W⁽²⁾: d×d; x, b, y: d', wrt: ['x', 'W⁽¹⁾', 'b', 'W⁽²⁾'] },
  ];
  it.each(cases.map((c) => [c.name, c] as const))('%s: each formula, names expanded, agrees with central differences', (_, c) => {
    const model = parse(c.source, { where: c.where });
    // A case that lists separate expressions names variables of all of them.
    const wrt = c.wrt.filter((w) => {
      try {
        return findVariable(model, w) !== undefined;
      } catch {
        return false;
      }
    });
    const derivatives = differentiate(model, wrt).derivatives;
    const { folding, formulas } = namedGradients(model, derivatives, { intermediates: true });
    // A name stands for its node: the definitions', the values' and the gradients' alike.
    const meaning = new Map<Node, Node>(folding.definitions.map((d) => [d.symbol, d.node]));
    const written = derivatives.map((d) => ({ variable: d.variable, node: substitute((formulas.get(d) as { expr: Node }).expr, meaning) }));
    const check = checkAwayFromKinks(model, written, { points: 2, seed: 3 });
    expect(check.points).toBeGreaterThan(0);
    expect(check.error, check.detail).toBeLessThan(1e-6);
  });
});
