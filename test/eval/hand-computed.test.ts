// The reference evaluator against values computed by hand: the oracle every other check trusts must
// itself be right. Each case states the arithmetic.
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/api.ts';
import { bindValues, evaluateNode, parse } from '../../src/api.ts';

interface Case {
  readonly expression: string;
  readonly where?: string;
  readonly at: Record<string, JsonValue>;
  readonly value: JsonValue;
  /** The arithmetic, for the reader. */
  readonly why: string;
}

const A = [[1, 2], [3, 4]];
const CASES: readonly Case[] = [
  { expression: '|A|', where: 'A: 2×2', at: { A }, value: -2, why: '1·4 − 2·3' },
  { expression: 'det(A)', where: 'A: 3×3', at: { A: [[2, 0, 1], [1, 3, 2], [1, 1, 2]] }, value: 6, why: '2(6 − 2) − 0 + 1(1 − 3)' },
  { expression: 'A⁻¹', where: 'A: 2×2', at: { A: [[4, 7], [2, 6]] }, value: [[0.6, -0.7], [-0.2, 0.4]], why: '[[6, −7], [−2, 4]] / (24 − 14)' },
  { expression: 'tr(A)', where: 'A: 2×2', at: { A }, value: 5, why: '1 + 4' },
  { expression: 'tr(AB)', where: 'A, B: 2×2', at: { A, B: [[0, 1], [1, 0]] }, value: 5, why: 'AB = [[2, 1], [4, 3]], 2 + 3' },
  { expression: 'log|A|', where: 'A: 2×2', at: { A: [[2, 0], [0, 3]] }, value: Math.log(6), why: 'log(2·3)' },
  { expression: 'xᵀAx', where: 'A: 2×2; x: 2', at: { A, x: [1, 2] }, value: 27, why: 'Ax = (5, 11), 1·5 + 2·11' },
  { expression: '‖x‖', where: 'x: 2', at: { x: [3, 4] }, value: 5, why: '√(9 + 16)' },
  { expression: '‖x‖²', where: 'x: 2', at: { x: [3, 4] }, value: 25, why: '9 + 16' },
  { expression: '‖X‖_F', where: 'X: 2×2', at: { X: [[1, 2], [2, 4]] }, value: 5, why: '√(1 + 4 + 4 + 16)' },
  { expression: '½‖Wx − x‖²', where: 'W: 2×2; x: 2', at: { W: A, x: [1, 1] }, value: 20, why: 'Wx = (3, 7), Wx − x = (2, 6), ½(4 + 36)' },
  { expression: 'σ(a)', where: 'a: scalar', at: { a: Math.log(3) }, value: 0.75, why: '1/(1 + ⅓)' },
  { expression: 'σ(x)', where: 'x: 2', at: { x: [0, -Math.log(3)] }, value: [0.5, 0.25], why: '1/(1 + 1), 1/(1 + 3)' },
  { expression: 'softmax(x)', where: 'x: 3', at: { x: [0, Math.log(2), Math.log(3)] }, value: [1 / 6, 2 / 6, 3 / 6], why: '(1, 2, 3)/6' },
  { expression: 'log_softmax(x)', where: 'x: 3', at: { x: [0, Math.log(2), Math.log(3)] }, value: [-Math.log(6), Math.log(2 / 6), Math.log(3 / 6)], why: 'log((1, 2, 3)/6)' },
  { expression: 'log_softmax(X)', where: 'X: 2×2', at: { X: [[0, Math.log(3)], [Math.log(2), Math.log(2)]] }, value: [[-Math.log(4), Math.log(3 / 4)], [-Math.log(2), -Math.log(2)]], why: 'row by row: log((1, 3)/4), log((2, 2)/4)' },
  { expression: 'logsumexp(x)', where: 'x: 3', at: { x: [0, Math.log(2), Math.log(3)] }, value: Math.log(6), why: 'log(1 + 2 + 3)' },
  { expression: '𝟙[x > 0]', where: 'x: 3', at: { x: [-1, 0, 2] }, value: [0, 0, 1], why: 'strict: 0 is not > 0' },
  { expression: '𝟙[x ≥ y]', where: 'x, y: 3', at: { x: [-1, 0, 2], y: [0, 0, 0] }, value: [0, 1, 1], why: '0 ≥ 0 holds' },
  { expression: 'max(a, b)', where: 'a, b: scalar', at: { a: -2, b: 3 }, value: 3, why: 'the larger' },
  { expression: 'max(x, 0)', where: 'x: 3', at: { x: [-1, 0, 2] }, value: [0, 0, 2], why: 'elementwise, against the zero vector' },
  { expression: 'min(x, y)', where: 'x, y: 2', at: { x: [1, 5], y: [3, 2] }, value: [1, 2], why: 'elementwise' },
  { expression: 'relu(x)', where: 'x: 3', at: { x: [-1, 0, 2] }, value: [0, 0, 2], why: 'max(x, 0)' },
  { expression: 'softplus(a)', where: 'a: scalar', at: { a: 0 }, value: Math.log(2), why: 'log(1 + e⁰)' },
  { expression: '|a|', where: 'a: scalar', at: { a: -3 }, value: 3, why: 'bars around a scalar: absolute value' },
  { expression: '𝟙ᵀx', where: 'x: 3', at: { x: [1, 2, 3] }, value: 6, why: 'the sum of the entries' },
  { expression: 'diag(x)', where: 'x: 2', at: { x: [1, 2] }, value: [[1, 0], [0, 2]], why: 'vector → diagonal matrix' },
  { expression: 'diag(A)', where: 'A: 2×2', at: { A }, value: [1, 4], why: 'square matrix → its diagonal' },
  { expression: 'x ⊙ y', where: 'x, y: 2', at: { x: [1, 2], y: [3, 4] }, value: [3, 8], why: 'entrywise' },
  { expression: 'xyᵀ', where: 'x, y: 2', at: { x: [1, 2], y: [3, 4] }, value: [[3, 4], [6, 8]], why: 'outer product' },
  { expression: 'Aᵀ', where: 'A: 2×2', at: { A }, value: [[1, 3], [2, 4]], why: 'rows become columns' },
  { expression: '(n/2)·log(2π) + 𝟙ᵀx', where: 'x: n', at: { x: [0, 0, 0, 0] }, value: 2 * Math.log(2 * Math.PI), why: 'n = 4 from the size of x, 𝟙ᵀx = 0' },
  { expression: 'Φ(a)', where: 'a: scalar; Φ: elementwise', at: { a: 0.5 }, value: Math.tanh(0.5), why: 'abstract Φ evaluates as tanh' },
  { expression: 'αAAᵀ + β⁻¹I', where: 'A: 2×2; α, β: scalar', at: { A: [[1, 0], [1, 1]], α: 2, β: 0.5 }, value: [[4, 2], [2, 6]], why: '2[[1, 1], [1, 2]] + 2I' },
];

/** Entrywise closeness of two JSON values of the same structure. */
function expectClose(actual: JsonValue, expected: JsonValue, label: string): void {
  const flat = (v: JsonValue): number[] => (typeof v === 'number' ? [v] : (v as (number | number[])[]).flat());
  expect(Array.isArray(actual), `${label}: shape`).toBe(Array.isArray(expected));
  if (Array.isArray(expected)) {
    expect((actual as unknown[]).length, `${label}: rows`).toBe(expected.length);
    expect(Array.isArray((actual as unknown[])[0]), `${label}: matrix or vector`).toBe(Array.isArray(expected[0]));
  }
  const [a, e] = [flat(actual), flat(expected)];
  expect(a.length, label).toBe(e.length);
  a.forEach((x, i) => expect(x, `${label}[${i}]`).toBeCloseTo(e[i], 12));
}

describe('the reference evaluator agrees with values computed by hand', () => {
  it('covers at least a dozen expressions', () => expect(CASES.length).toBeGreaterThanOrEqual(12));
  for (const c of CASES) {
    it(`${c.expression} = ${JSON.stringify(c.value)} (${c.why})`, () => {
      const model = parse(c.expression, { where: c.where });
      expectClose(evaluateNode(model.output.node, bindValues(model, c.at)), c.value, c.expression);
    });
  }
});
