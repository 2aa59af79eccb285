// Generated modules against the oracle: for every seed problem with an answer, a list of Matrix
// Cookbook identities and random expressions, the generated value() and valueAndGrad() agree with
// the reference evaluator on the value and on the simplified symbolic gradient (relative error
// < 1e-10), with sizes read from the inputs and with sizes fixed at generation. Plus numerical
// stability at ±1000, singular matrices, shape checks on entry, and clear errors for Φ.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import { randomDims, rng } from '../../src/check/index.ts';
import type { Compiled, GeneratedDerivative } from '../../src/compile.ts';
import { compile, compileSpec, moduleSpecFor } from '../../src/compile.ts';
import { ChainruleError } from '../../src/errors.ts';
import { print } from '../../src/print/index.ts';
import { gradientsOf, irModel } from '../check/support.ts';
import { scalarExpression } from '../properties/arbitrary.ts';
import type { Case } from './cases.ts';
import { COOKBOOK, seedCases } from './cases.ts';
import { compareWithReference } from './support.ts';

const TOLERANCE = 1e-10;
function check(c: Case, specialized: boolean, seed: number): void {
  const model = parse(c.source, { where: c.where });
  // A list of separate expressions differentiates each with respect to the variables it has.
  const diff = differentiate(model, c.wrt.filter((w) => model.variables.some((v) => v.display === w)));
  const dims = specialized ? randomDims(model, rng(seed)) : {};
  const compiled = compileSpec(moduleSpecFor(model, diff.derivatives, { where: c.where, dims }));
  const result = compareWithReference(model, diff.derivatives, compiled, { points: 3, seed, dims: specialized ? dims : undefined });
  expect(result.points, `no point with a finite value for ${c.source}`).toBeGreaterThan(0);
  expect(result.value, `value of ${c.source}`).toBeLessThan(TOLERANCE);
  for (const d of diff.derivatives) {
    const key = Object.keys(result.gradients).find((k) => compiled.inputs[k]?.name === d.variable.display) as string;
    expect(result.gradients[key], `∂/∂${d.variable.display} = ${d.unicode}`).toBeLessThan(TOLERANCE);
  }
}

describe('generated code agrees with the reference evaluator', () => {
  describe.each(seedCases().map((c) => [c.name, c] as const))('seed %s', (_, c) => {
    it('with sizes from the inputs', () => check(c, false, 11));
    it('with sizes fixed at generation', () => check(c, true, 12));
  });
  describe.each(COOKBOOK.map((c) => [c.name, c] as const))('cookbook %s', (_, c) => {
    it('with sizes from the inputs', () => check(c, false, 21));
    it('with sizes fixed at generation', () => check(c, true, 22));
  });

  it('on random expressions over every op', () => {
    fc.assert(
      fc.property(scalarExpression(3, { abstract: false }), fc.integer({ min: 1, max: 1e6 }), fc.boolean(), (expr, seed, specialized) => {
        const model = irModel(expr);
        const wrt = model.variables.filter((v) => !(v.node.op === 'var' && v.node.attr.symmetric));
        const derivatives: GeneratedDerivative[] = gradientsOf(model, wrt).map((g) => ({ variable: g.variable, node: g.simplified, unicode: print(g.simplified, 'unicode') }));
        const dims = specialized ? randomDims(model, rng(seed)) : {};
        const compiled = compileSpec(moduleSpecFor(model, derivatives, { dims }));
        const result = compareWithReference(model, derivatives, compiled, { points: 2, seed, dims: specialized ? dims : undefined, passDims: true });
        const worst = Math.max(result.value, ...Object.values(result.gradients));
        if (worst >= TOLERANCE) {
          throw new Error(`generated code for ${print(expr, 'unicode')} is off by ${worst} (${JSON.stringify(result)})\n` + derivatives.map((d) => `  ∂/∂${d.variable.display} = ${d.unicode}`).join('\n'));
        }
      }),
      { numRuns: 150, seed: 20261122 },
    );
  });
});

describe('numerical stability at ±1000', () => {
  const at = (c: Compiled, input: Record<string, number | Float64Array>) => c.valueAndGrad(input);

  it('σ, log σ and softplus stay finite and exact', () => {
    const c = compile('softplus(a) + log(σ(b)) + σ(c)', { wrt: ['a', 'b', 'c'], where: 'a, b, c: scalar' });
    for (const [a, b, x] of [[1000, -1000, -1000], [-1000, 1000, 1000]]) {
      const { value, grad } = at(c, { a, b, c: x });
      const expected = (a > 0 ? a : 0) + (b < 0 ? b : 0) + (x > 0 ? 1 : 0);
      expect(value).toBeCloseTo(expected, 9);
      expect(grad.a).toBe(a > 0 ? 1 : 0); // softplus′ = σ
      expect(grad.b).toBe(b < 0 ? 1 : 0); // (log σ)′ = 1 − σ
      expect(grad.c).toBe(0); // σ′ = σ(1 − σ) underflows to exactly 0
    }
  });

  it('relu and its mask (branch-free) are exact at ±1000, ±0 and the extremes, and never give −0', () => {
    const c = compile('yᵀrelu(x)', { wrt: ['y', 'x'], where: 'x, y: n' }); // ∂/∂y = relu(x), ∂/∂x = y ⊙ 𝟙[x > 0]
    const x = Float64Array.of(1000, -1000, 0, -0, 5e-324, -5e-324, 1.7e308, -1.7e308);
    const { grad } = at(c, { x, y: new Float64Array(x.length).fill(1) });
    expect([...(grad.y as Float64Array)]).toEqual([1000, 0, 0, 0, 5e-324, 0, 1.7e308, 0]);
    for (const g of grad.y as Float64Array) expect(Object.is(g, -0)).toBe(false);
    expect([...(grad.x as Float64Array)]).toEqual([1, 0, 0, 0, 1, 0, 1, 0]);
  });

  it('log-sum-exp and softmax stay finite', () => {
    const c = compile('logsumexp(x) + yᵀsoftmax(x)', { wrt: ['x', 'y'], where: 'x, y: n' });
    const x = Float64Array.of(1000, 999, -1000);
    const y = Float64Array.of(1, 0, 0);
    const { value, grad } = c.valueAndGrad({ x, y });
    const s0 = 1 / (1 + Math.exp(-1));
    expect(value).toBeCloseTo(1000 + Math.log(1 + Math.exp(-1)) + s0, 9);
    const gx = grad.x as Float64Array;
    expect([...gx].every(Number.isFinite)).toBe(true);
    // ∂/∂x logsumexp = softmax; ∂/∂x yᵀsoftmax(x) = s ⊙ y − (sᵀy)s
    const s = [s0, 1 - s0, 0];
    const expected = s.map((si, i) => si + si * y[i] - s0 * si);
    for (let i = 0; i < 3; i++) expect(gx[i]).toBeCloseTo(expected[i], 12);
    expect([...(grad.y as Float64Array)]).toEqual(s.map((v) => expect.closeTo(v, 12)));
  });

  it('log_softmax stays finite where softmax underflows, and its gradient is (𝟙ᵀy)softmax(x) − y', () => {
    const c = compile('−yᵀlog_softmax(x) + 𝟙ᵀlog_softmax(Xᵀ)u', { wrt: ['x', 'y', 'X'], where: 'x, y: n; X: n×m' });
    const x = Float64Array.of(1000, -1000, 0);
    const y = Float64Array.of(0.5, 2, 0);
    const X = Float64Array.of(1000, 0, -1000, 0, 0, 1); // 3×2, row-major: Xᵀ's rows are (1000, −1000, 0) and (0, 0, 1)
    const u = Float64Array.of(1, 1, 1);
    const { value, grad } = c.valueAndGrad({ x, y, X, u });
    // log softmax(x) = x − 1000 − log(1 + e⁻¹⁰⁰⁰ + e⁻¹⁰⁰⁰) = (0, −2000, −1000); of the row (0, 0, 1): (0, 0, 1) − log(2 + e).
    const l = Math.log(2 + Math.E);
    expect(value).toBeCloseTo(-(0.5 * 0 + 2 * -2000) + (0 - 2000 - 1000) + (-l - l + 1 - l), 9);
    const gx = grad.x as Float64Array;
    expect([...gx]).toEqual([2.5 * 1 - 0.5, 2.5 * 0 - 2, 2.5 * 0 - 0].map((v) => expect.closeTo(v, 12)));
    expect([...(grad.y as Float64Array)]).toEqual([0, -2000, -1000].map((v) => expect.closeTo(-v, 9)));
    expect([...(grad.X as Float64Array)].every(Number.isFinite)).toBe(true);
  });

  it('the logistic loss at margins of ±1000 is finite', () => {
    // −log σ(z) lowers to softplus(−z): σ(−1000) underflows to 0, its log does not.
    const c = compile('−yᵀlog(σ(Xw))', { wrt: ['w'], where: 'X: n×d; w: d; y: n' });
    expect(c.value({ X: Float64Array.of(1000, 0, -1000, 0), w: Float64Array.of(1, 0), y: Float64Array.of(1, 1) })).toBeCloseTo(1000, 9);
    // In the softplus form the gradient −y σ(−y wᵀx) x is finite too.
    const s = compile('softplus(−y·wᵀx)', { wrt: ['w'], where: 'w, x: d; y: scalar' });
    for (const y of [1, -1]) {
      const { value, grad } = s.valueAndGrad({ w: Float64Array.of(1, 0), x: Float64Array.of(1000, 3), y });
      expect(value).toBeCloseTo(y > 0 ? 0 : 1000, 9);
      expect([...(grad.w as Float64Array)]).toEqual(y > 0 ? [-0, -0] : [1000, 3]);
    }
  });
});

describe('singular matrices', () => {
  const singular = Float64Array.of(1, 2, 2, 4);

  it('a solve with a singular matrix throws a RangeError that names it', () => {
    const c = compile('tr(A⁻¹B)', { wrt: ['B'], where: 'A, B: n×n' });
    expect(() => c.valueAndGrad({ A: singular, B: Float64Array.of(1, 0, 0, 1) })).toThrow(/A is singular/);
    expect(() => c.value({ A: singular, B: Float64Array.of(1, 0, 0, 1) })).toThrow(RangeError);
  });

  it('log|A| of a singular A is −∞ and its gradient A⁻ᵀ throws', () => {
    const c = compile('log|A|', { wrt: ['A'], where: 'A: n×n' });
    expect(c.value({ A: singular })).toBe(-Infinity);
    expect(() => c.valueAndGrad({ A: singular })).toThrow(/singular/);
  });

  it('|A| of a singular A is 0; of an indefinite symmetric matrix, LU takes over from Cholesky', () => {
    const det = compile('|A|', { wrt: ['A'], where: 'A: n×n' });
    expect(det.value({ A: singular })).toBe(0);
    const sym = compile('log|S| + tr(S⁻¹B)', { wrt: ['B'], where: 'S: n×n symmetric; B: n×n' });
    // S = [[0, 1], [1, 0]]: symmetric, det −1 (log is NaN, as Math.log of a negative number), invertible.
    const { value, grad } = sym.valueAndGrad({ S: Float64Array.of(0, 1, 1, 0), B: Float64Array.of(1, 2, 3, 4) });
    expect(value).toBeNaN();
    expect([...(grad.B as Float64Array)]).toEqual([0, 1, 1, 0]); // S⁻ᵀ = S
  });
});

describe('module entry', () => {
  const c = compile('‖Wx − y‖²', { wrt: ['W'], where: 'W: n×m; x: m; y: n' });

  it('checks input types and lengths with clear errors', () => {
    expect(() => c.value({ W: new Float64Array(6), x: [1, 2] as unknown as Float64Array, y: new Float64Array(2) })).toThrow(/input x \(x\) must be a Float64Array/);
    expect(() => c.value({ W: new Float64Array(5), x: new Float64Array(3), y: new Float64Array(2) })).toThrow(/input W \(W\) should be n×m = 6 numbers, but has 5/);
  });

  it('reads sizes from the inputs, or from dims when no input fixes them', () => {
    const W = Float64Array.from({ length: 6 }, (_, i) => i / 10);
    const x = Float64Array.of(1, -1, 2);
    const y = Float64Array.of(0.5, 0.25);
    expect(c.value({ W, x, y })).toBeCloseTo(c.valueAndGrad({ W, x, y }, { n: 2, m: 3 }).value, 12);
    const frobenius = compile('‖W‖_F²', { wrt: ['W'], where: 'W: h×m' });
    expect(() => frobenius.value({ W })).toThrow(/cannot tell the size h/);
    expect(frobenius.value({ W }, { h: 2 })).toBeCloseTo(0.55, 12);
    expect(frobenius.value({ W }, { h: 3 })).toBeCloseTo(0.55, 12);
  });

  it('sizes fixed at generation reject other sizes', () => {
    const fixed = compile('‖Wx − x‖²', { wrt: ['W'], where: 'W: n×n; x: n', dims: { n: 3 } });
    expect(fixed.sizes).toEqual({ n: 3 });
    expect(() => fixed.value({ W: new Float64Array(16), x: new Float64Array(4) })).toThrow(/should be n×n = 9/);
  });

  it('keys are ASCII: W⁽¹⁾ → W1, α → alpha, ŷ → y_hat', () => {
    const k = compile('α‖W⁽¹⁾x − ŷ‖²', { wrt: ['W⁽¹⁾', 'α', 'ŷ'], where: 'W⁽¹⁾: n×n; x, ŷ: n; α: scalar' });
    expect(Object.keys(k.inputs).sort()).toEqual(['W1', 'alpha', 'x', 'y_hat']);
    expect(k.inputs.alpha).toEqual({ name: 'α', shape: [] });
    const { grad } = k.valueAndGrad({ W1: Float64Array.of(1, 0, 0, 1), alpha: 2, x: Float64Array.of(1, 2), y_hat: Float64Array.of(0, 0) });
    expect(grad.alpha).toBe(5);
    expect([...(grad.y_hat as Float64Array)]).toEqual([-4, -8]);
  });

  it('abstract functions are not generatable, with a hint', () => {
    const run = () => compile('ℓ = ½‖W⁽²⁾Φ(W⁽¹⁾x + b) − y‖²', { wrt: ['b'], where: 'W⁽¹⁾, W⁽²⁾: d×d; x, b, y: d; Φ: elementwise' });
    expect(run).toThrow(ChainruleError);
    expect(run).toThrow(/Φ.*abstract function/);
  });
});
