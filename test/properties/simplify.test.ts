// Properties of the simplifier on random well-typed expressions and on their gradients: it never
// changes a value, it reaches a fixpoint well inside its rewrite cap, and simplifying twice gives
// the node simplifying once gave (the rules do not undo one another).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomDims, randomValues, rng } from '../../src/check/index.ts';
import type { Tensor } from '../../src/eval/index.ts';
import { evaluate } from '../../src/eval/index.ts';
import type { Node } from '../../src/ir/node.ts';
import { print } from '../../src/print/index.ts';
import { MAX_REWRITES_PER_NODE, Simplifier, simplify } from '../../src/simplify/index.ts';
import { gradientsOf, irModel } from '../check/support.ts';
import { anyExpression, scalarExpression } from './arbitrary.ts';

const RUNS = Number(process.env.RUNS ?? 300);
const SEED = Number(process.env.SEED ?? 20261102);

/** max |a − b| / max(1, |a|, |b|) entrywise; 0 when both are the same non-finite value. */
function discrepancy(a: Tensor, b: Tensor): number {
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) {
    const [x, y] = [a.data[i], b.data[i]];
    if (Object.is(x, y)) continue;
    worst = Math.max(worst, Math.abs(x - y) / Math.max(1, Math.abs(x), Math.abs(y)));
  }
  return Number.isNaN(worst) ? Infinity : worst;
}

/** Evaluates `before` and `after` at a few random points where `before` is finite; the worst discrepancy. */
function valueChange(before: Node, after: Node, seed: number): number {
  const model = irModel(before);
  const random = rng(seed);
  let worst = 0;
  for (let p = 0; p < 3; p++) {
    const dims = randomDims(model, random);
    // `after` may have lost variables (x − x → 0) but never gains any.
    const values = randomValues(model.variables, dims, random);
    const a = evaluate(before, values, dims);
    if (![...a.data].every(Number.isFinite)) continue;
    const b = evaluate(after, values, dims);
    expect([b.rows, b.cols]).toEqual([a.rows, a.cols]);
    worst = Math.max(worst, discrepancy(a, b));
  }
  return worst;
}

describe('the simplifier', () => {
  it('never changes a value (random expressions of every shape)', () => {
    fc.assert(
      fc.property(anyExpression(4), fc.integer({ min: 1, max: 1e6 }), (expr, seed) => {
        const after = simplify(expr);
        const change = valueChange(expr, after, seed);
        if (change > 1e-9) throw new Error(`${print(expr, 'unicode')} ⇒ ${print(after, 'unicode')} changes the value by ${change}`);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('never changes the value of a gradient', () => {
    fc.assert(
      fc.property(scalarExpression(4), fc.integer({ min: 1, max: 1e6 }), (expr, seed) => {
        for (const g of gradientsOf(irModel(expr))) {
          const change = valueChange(g.raw, g.simplified, seed);
          if (change > 1e-9) throw new Error(`${print(g.raw, 'unicode')} ⇒ ${print(g.simplified, 'unicode')} changes the value by ${change}`);
        }
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
  });

  it('reaches a fixpoint inside its rewrite cap, and is idempotent', () => {
    expect(MAX_REWRITES_PER_NODE).toBeGreaterThan(0);
    fc.assert(
      fc.property(scalarExpression(4), (expr) => {
        for (const node of [expr, ...gradientsOf(irModel(expr)).map((g) => g.raw)]) {
          const simplifier = new Simplifier();
          const once = simplifier.simplify(node);
          expect(simplifier.capped, `${print(node, 'unicode')} hit the cap of ${MAX_REWRITES_PER_NODE} rewrites`).toBe(false);
          const twice = simplify(once);
          expect(print(twice, 'unicode'), `simplifying ${print(node, 'unicode')} twice`).toBe(print(once, 'unicode'));
          expect(twice).toBe(once);
        }
      }),
      { numRuns: RUNS, seed: SEED + 2 },
    );
  });
});
