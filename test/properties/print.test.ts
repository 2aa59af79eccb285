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

const RUNS = Number(process.env.RUNS ?? 300);
const SEED = Number(process.env.SEED ?? 20261103);

/** Declarations of every variable and function the generator uses (see arbitrary.ts). */
const WHERE = 'α, β: scalar; x, y: n; u: m; A, B: n×n; S: n×n symmetric; P: n×m; Φ: elementwise; f: function';

/** Leaves left out of round trips: a free-standing 𝟙 or I has no size of its own, so in a chain
 * (𝟙ᵀ𝟙𝟙ᵀ, II) the parser may rightly pick another. Both still appear where a sum fixes their size
 * (2𝟙 + x ⊙ x, 6I + tanh(A)). */
const UNSPELLABLE: ReadonlySet<Op> = new Set<Op>(['ones', 'identity']);
const SPELLABLE = new Set(OPS.filter((op) => !UNSPELLABLE.has(op)));
/** Built-in elementwise functions with a spelling in the language: `sign` (the derivative of |x|) has none. */
const SPELLED_FUNCTIONS = ELEMENTWISE_BUILTINS.filter((f) => f !== 'sign');

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
