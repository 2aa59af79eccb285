// Every norm kind through every stage, against a reference written here by hand: how it is read, its
// value (evaluator), its gradient (adjoint rule, against central differences of the reference), its
// generated code for ‖x‖ and ‖x‖² (including lower's sum-of-squares case for the square), and its
// printing. Widening the kind to '1' when each stage still computed the 2-norm passed tsc; it fails here,
// and a kind added to NORM_KINDS without a row in these tables fails tsc.
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import { rng } from '../../src/check/index.ts';
import { compile } from '../../src/compile.ts';
import { evaluate, tensor } from '../../src/eval/index.ts';
import type { Node } from '../../src/ir/node.ts';
import { print } from '../../src/print/index.ts';
import type { NormKind } from '../../src/syntax/ast.ts';
import { NORM_KINDS } from '../../src/syntax/ast.ts';

/** The written norm of each kind, of a vector x (4) or, for F, a matrix X (3×2). */
const WRITTEN: { readonly [K in NormKind]: { source: string; where: string; name: string; rows: number; cols: number } } = {
  '2': { source: '‖x‖₂', where: 'x: n', name: 'x', rows: 4, cols: 1 },
  F: { source: '‖X‖_F', where: 'X: n×m', name: 'X', rows: 3, cols: 2 },
  '1': { source: '‖x‖₁', where: 'x: n', name: 'x', rows: 4, cols: 1 },
  '∞': { source: '‖x‖_∞', where: 'x: n', name: 'x', rows: 4, cols: 1 },
};

/** Each norm of the entries, by hand. */
const REFERENCE: { readonly [K in NormKind]: (xs: readonly number[]) => number } = {
  '2': (xs) => Math.hypot(...xs),
  F: (xs) => Math.hypot(...xs),
  '1': (xs) => xs.reduce((s, x) => s + Math.abs(x), 0),
  '∞': (xs) => Math.max(...xs.map(Math.abs)),
};

/** Entries away from 0 and with distinct |xᵢ|, where ℓ₁ and ℓ∞ are differentiable. */
function point(count: number, seed: number): number[] {
  const random = rng(seed);
  const magnitudes = Array.from({ length: count }, (_, i) => 0.3 + i * 0.4 + 0.3 * random());
  return magnitudes.map((m) => (random() < 0.5 ? -m : m)).sort(() => random() - 0.5);
}

function numericGradient(f: (xs: readonly number[]) => number, xs: readonly number[]): number[] {
  return xs.map((_, i) => {
    const h = 1e-6;
    const up = [...xs];
    const down = [...xs];
    up[i] += h;
    down[i] -= h;
    return (f(up) - f(down)) / (2 * h);
  });
}

const close = (actual: ArrayLike<number>, expected: readonly number[], what: string, tolerance = 1e-6): void => {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i]), `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`).toBeLessThan(tolerance * Math.max(1, Math.abs(expected[i])));
};

describe('every norm kind, in every stage', () => {
  for (const kind of NORM_KINDS) {
    describe(`‖·‖ of kind ${kind}`, () => {
      const w = WRITTEN[kind];
      const reference = REFERENCE[kind];
      const squared = (xs: readonly number[]) => reference(xs) ** 2;
      const model = parse(w.source, { where: w.where });
      const node = model.output.node;
      const xs = point(w.rows * w.cols, 14);
      const values = new Map([[w.name, tensor(w.rows, w.cols, xs)]]);
      const dims: Record<string, number> = w.cols === 1 ? { n: w.rows } : { n: w.rows, m: w.cols };

      it('is read as that kind', () => {
        expect(node.op).toBe('norm');
        expect(node.attr).toBe(kind);
      });

      it('evaluates to the reference', () => {
        close(evaluate(node, values, dims).data, [reference(xs)], 'value', 1e-12);
      });

      it('its gradient, and that of its square, match central differences of the reference', () => {
        for (const [source, f] of [[w.source, reference], [`${w.source}²`, squared]] as const) {
          const gradient = differentiate(parse(source, { where: w.where }), [w.name]).derivatives[0].node;
          close(evaluate(gradient, values, dims).data, numericGradient(f, xs), `∇ ${source}`);
        }
      });

      it('generated code computes it and its square, with their gradients', () => {
        for (const [source, f] of [[w.source, reference], [`${w.source}²`, squared]] as const) {
          const compiled = compile(source, { wrt: [w.name], where: w.where });
          const result = compiled.valueAndGrad({ [w.name]: Float64Array.from(xs) }, dims);
          close([compiled.value({ [w.name]: Float64Array.from(xs) }, dims)], [f(xs)], `value of ${source}`, 1e-12);
          close([result.value], [f(xs)], `valueAndGrad of ${source}`, 1e-12);
          close(result.grad[w.name] as Float64Array, numericGradient(f, xs), `generated ∇ ${source}`);
        }
      });

      it('prints in Unicode, ASCII and LaTeX, and each reads back as the same node', () => {
        for (const format of ['unicode', 'ascii', 'latex'] as const) {
          const text = print(node, format);
          const back: Node = parse(text, { where: w.where }).output.node;
          expect(back, `${format}: ${text}`).toBe(node);
        }
      });
    });
  }
});
