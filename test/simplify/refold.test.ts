// Results over scaled definitions (src/simplify/refold.ts): after d = s·u, a result holding u with
// powers of s is written over d when that is shorter, and means the same thing.
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import { checkGradients, randomDims, randomValues, rng } from '../../src/check/index.ts';
import { evaluate } from '../../src/eval/index.ts';

const BATCH_NORM = 'μ = 𝟙ᵀx/n; v = ‖x − μ𝟙‖²/n; x̂ = (x − μ𝟙)/√(v + ε); L = wᵀx̂';

describe('refolding scaled definitions', () => {
  it('writes the batch-norm backward pass over x̂, as Ioffe and Szegedy do, and it checks numerically', () => {
    const model = parse(BATCH_NORM, { where: 'x, w: n; ε: scalar' });
    const [d] = differentiate(model, ['x']).derivatives;
    expect(d.unicode).toBe('(w − (wᵀ𝟙)𝟙/n − (wᵀx̂)x̂/n)/√(v + ε)');
    const [check] = checkGradients(model, [{ variable: d.variable, node: d.node }], { points: 3, seed: 5 });
    expect(check.relativeError).toBeLessThan(1e-6);
    // The printed form, read back in the program, has the derivative's value.
    const back = parse(`${BATCH_NORM}; D = ${d.unicode}`, { where: 'x, w: n; ε: scalar' });
    const random = rng(7);
    for (let p = 0; p < 3; p++) {
      const dims = randomDims(model, random);
      const values = randomValues(model.variables, dims, random);
      const [ours, printed] = [evaluate(d.node, values, dims), evaluate(back.output.node, values, dims)];
      expect(printed.data.length).toBe(ours.data.length);
      ours.data.forEach((value, i) => expect(printed.data[i]).toBeCloseTo(value, 9));
    }
  });

  it('leaves a result alone when the definition does not make it shorter', () => {
    const model = parse('z = (x − m)/s; L = ½‖z‖²', { where: 'x, m: n; s: scalar' });
    const derivatives = differentiate(model, ['x', 's']).derivatives;
    expect(derivatives.map((d) => d.unicode)).toEqual(['s⁻¹z', '−zᵀz/s']);
  });

  it('keeps the expanded form with --expand', () => {
    const model = parse(BATCH_NORM, { where: 'x, w: n; ε: scalar' });
    const [d] = differentiate(model, ['x'], { expand: true }).derivatives;
    expect(d.unicode).not.toContain('x̂');
  });
});
