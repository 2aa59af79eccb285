// The evaluator's own det and inv against mathjs (a dev dependency, the independent reference) on
// random matrices of every small order, on permuted and badly scaled ones, and on singular ones.
import fc from 'fast-check';
import { det as mathDet, inv as mathInv } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { determinant, inverse } from '../../src/eval/linalg.ts';
import { tensor, toRows } from '../../src/eval/index.ts';

const matrix = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: n * n, maxLength: n * n }).map((data) => tensor(n, n, data)),
);

const closeTo = (actual: number, expected: number, scale: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, scale));

describe('determinant and inverse', () => {
  it('det agrees with mathjs', () => {
    fc.assert(
      fc.property(matrix, (a) => {
        const expected = mathDet(toRows(a)) as number;
        closeTo(determinant(a), expected, Math.abs(expected) + a.data.reduce((s, x) => Math.max(s, Math.abs(x)), 0) ** a.rows);
      }),
      { numRuns: 300 },
    );
  });

  it('inv agrees with mathjs, and A·A⁻¹ = I, on well-conditioned matrices', () => {
    fc.assert(
      fc.property(matrix, (a) => {
        const n = a.rows;
        // Diagonally dominant: nonsingular, and well enough conditioned for a tight tolerance.
        const d = tensor(n, n, a.data.map((x, k) => (k % (n + 1) === 0 ? x + 10 * n * Math.sign(x || 1) : x)));
        const got = inverse(d);
        expect(got).toBeDefined();
        const expected = (mathInv(toRows(d)) as number[][]).flat();
        got!.data.forEach((x, k) => closeTo(x, expected[k], 1));
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let k = 0; k < n; k++) s += d.data[i * n + k] * got!.data[k * n + j];
            closeTo(s, i === j ? 1 : 0, 1);
          }
      }),
      { numRuns: 300 },
    );
  });

  it('needs row swaps: a zero leading entry', () => {
    const a = tensor(3, 3, [0, 2, 1, 1, 0, 0, 0, 0, 3]);
    expect(determinant(a)).toBe(-6); // swap rows 1, 2: −(1·2·3)
    expect(Array.from(inverse(a)!.data)).toEqual((mathInv(toRows(a)) as number[][]).flat());
  });

  it('singular: det is 0 and there is no inverse', () => {
    const a = tensor(3, 3, [1, 2, 3, 2, 4, 6, 0, 1, 1]);
    expect(determinant(a)).toBe(0);
    expect(inverse(a)).toBeUndefined();
    expect(inverse(tensor(2, 2, [0, 0, 0, 0]))).toBeUndefined();
  });

  it('order 0 and 1', () => {
    expect(determinant(tensor(1, 1, [-4]))).toBe(-4);
    expect(Array.from(inverse(tensor(1, 1, [4]))!.data)).toEqual([0.25]);
    expect(determinant(tensor(0, 0))).toBe(1);
  });

  it('refuses a matrix that is not square', () => {
    expect(() => determinant(tensor(2, 3))).toThrow(RangeError);
  });
});
