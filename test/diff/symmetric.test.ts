// A variable declared symmetric gets the gradient within symmetric matrices: ½(G + Gᵀ).
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import { checkGradients } from '../../src/check/index.ts';

const cases: [string, string, string][] = [
  ['aᵀSb', 'S: n×n symmetric', '½(abᵀ + baᵀ)'],
  ['xᵀSx + log|S|', 'S: n×n symmetric', 'xxᵀ + S⁻¹'],
  ['tr(SA)', 'S: n×n symmetric; A: n×n', '½(A + Aᵀ)'],
];

describe('symmetric variables', () => {
  for (const [source, where, printed] of cases) {
    it(`∂/∂S ${source} = ${printed}`, () => {
      const model = parse(source, { where });
      const result = differentiate(model, ['S']);
      expect(result.derivatives[0].unicode).toBe(printed);
      for (const c of checkGradients(model, result.derivatives, { points: 4, seed: 7 })) expect(c.relativeError).toBeLessThan(1e-6);
    });
  }
  it('a polynomial in several variables stays factored', () => {
    const model = parse('(wx + b − t)²', { where: 'w, x, b, t: scalar' });
    expect(differentiate(model, ['w']).derivatives[0].unicode).toBe('2(wx + b − t)x');
  });
});
