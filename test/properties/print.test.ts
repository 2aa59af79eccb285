// Printer properties over random well-typed expressions: every printed form parses back to the
// identical node (`===`, hash-consing makes that the structural test) in LaTeX, Unicode and ASCII,
// and every LaTeX output renders with KaTeX.
import fc from 'fast-check';
import katex from 'katex';
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/api.ts';
import type { Node, Op } from '../../src/ir/node.ts';
import { ELEMENTWISE_BUILTINS, OPS } from '../../src/ir/node.ts';
import type { Format } from '../../src/print/index.ts';
import { print } from '../../src/print/index.ts';
import { anyExpression, scalarExpression } from './arbitrary.ts';
import { randomValues, relativeError, rng } from '../../src/check/index.ts';
import { evaluate } from '../../src/eval/index.ts';
import { gradientsOf, irModel } from '../check/support.ts';

const RUNS = Number(process.env.RUNS ?? 300);
const SEED = Number(process.env.SEED ?? 20261103);

/** Declarations of every variable and function the generator uses (see arbitrary.ts). */
const WHERE = 'α, β: scalar; x, y: n; u: m; A, B: n×n; S: n×n symmetric; P: n×m; Φ: elementwise; f: function';

/** Leaves left out of round trips: a free-standing 𝟙 or I has no size of its own, so in a chain
 * (𝟙ᵀ𝟙𝟙ᵀ, II) the parser may rightly pick another. Both still appear where a sum fixes their size
 * (2𝟙 + x ⊙ x, 6I + tanh(A)). */
const UNSPELLABLE: ReadonlySet<Op> = new Set<Op>(['ones', 'identity']);
const SPELLABLE = new Set(OPS.filter((op) => !UNSPELLABLE.has(op)));
/** Built-in elementwise functions: every one has a spelling in the language (sign(x), the derivative of |x|, included). */
const SPELLED_FUNCTIONS = ELEMENTWISE_BUILTINS;

function roundTrip(expr: Node, format: Format): void {
  const text = print(expr, format);
  let back: Node;
  try {
    back = parse(text, { where: WHERE }).output.node;
  } catch (e) {
    throw new Error(`${format} ${JSON.stringify(text)} (from ${print(expr, 'unicode')}) does not parse: ${(e as Error).message}`);
  }
  if (back !== expr) throw new Error(`${format} ${JSON.stringify(text)} parses to ${print(back, 'unicode')}, not ${print(expr, 'unicode')}`);
}

describe('printers', () => {
  for (const format of ['unicode', 'latex', 'ascii'] as const) {
    it(`${format}: parse(print(e)) === e for random expressions`, () => {
      fc.assert(
        fc.property(anyExpression(3, { ops: SPELLABLE, functions: SPELLED_FUNCTIONS, spellable: true }), (expr) => roundTrip(expr, format)),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }

  // Derivatives are printed forms too: ∂₁f(a, b), sign(x), x^∘², log_softmax(z) and the rest read
  // back. Most come back as the identical node; where the parser may pick the size of a free 𝟙 or
  // I differently, they come back with the same values.
  for (const format of ['unicode', 'latex', 'ascii'] as const) {
    it(`${format}: printed derivatives parse back to the same derivative`, () => {
      const dims = { n: 3, m: 2 };
      let identical = 0;
      fc.assert(
        fc.property(scalarExpression(3, { ops: SPELLABLE, functions: SPELLED_FUNCTIONS, spellable: true }), (expr) => {
          const model = irModel(expr);
          for (const g of gradientsOf(model)) {
            const text = print(g.simplified, format);
            let back: Node;
            try {
              back = parse(text, { where: WHERE }).output.node;
            } catch (e) {
              throw new Error(`${format} ${JSON.stringify(text)} (∂/∂${g.variable.display} of ${print(expr, 'unicode')}) does not parse: ${(e as Error).message}`);
            }
            if (back === g.simplified) {
              identical++;
              continue;
            }
            const both = [...irModel(back).variables, ...model.variables];
            const values = randomValues(both, dims, rng(7));
            // A bare I or 𝟙 takes its size from what it is the derivative of (∂ tr(A)/∂A = I has A's shape).
            const sized: Record<string, number> = { ...dims };
            const size = (d: string | number): number => (typeof d === 'number' ? d : dims[d as keyof typeof dims]);
            if (typeof back.shape.rows === 'string' && !(back.shape.rows in sized)) sized[back.shape.rows] = size(g.simplified.shape.rows);
            if (typeof back.shape.cols === 'string' && !(back.shape.cols in sized)) sized[back.shape.cols] = size(g.simplified.shape.cols);
            let error: number;
            try {
              error = relativeError(evaluate(back, values, sized), evaluate(g.simplified, values, dims));
            } catch (e) {
              throw new Error(`${format} ${JSON.stringify(text)} parses to ${print(back, 'unicode')} (∂/∂${g.variable.display} of ${print(expr, 'unicode')}), which cannot be evaluated: ${(e as Error).message}`);
            }
            if (!(error < 1e-9)) throw new Error(`${format} ${JSON.stringify(text)} parses to ${print(back, 'unicode')}, which differs from ∂/∂${g.variable.display} by ${error}`);
          }
        }),
        { numRuns: Math.ceil(RUNS / 2), seed: SEED + 2 },
      );
      expect(identical).toBeGreaterThan(RUNS / 4);
    });
  }

  it('LaTeX renders with KaTeX (expressions and their gradients’ building blocks)', () => {
    fc.assert(
      fc.property(fc.oneof(anyExpression(4), scalarExpression(4)), (expr) => {
        const latex = print(expr, 'latex');
        expect(() => katex.renderToString(latex, { throwOnError: true }), latex).not.toThrow();
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
  });
});
