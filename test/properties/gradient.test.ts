// Property: for random well-typed scalar expressions over every op, the symbolic gradient (raw and
// simplified) agrees with central finite differences of the reference evaluator, away from kinks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { print } from '../../src/print/index.ts';
import { checkAwayFromKinks, gradientsOf, irModel } from '../check/support.ts';
import { scalarExpression } from './arbitrary.ts';

const RUNS = Number(process.env.RUNS ?? 300);

describe('symbolic gradients of random expressions', () => {
  it('agree with finite differences, before and after simplification', () => {
    fc.assert(
      fc.property(scalarExpression(4), fc.integer({ min: 1, max: 1e6 }), (expr, seed) => {
        const model = irModel(expr);
        // A declared-symmetric variable's gradient convention differs (see the report); differentiate the others.
        const wrt = model.variables.filter((v) => !(v.node.op === 'var' && v.node.attr.symmetric));
        const gradients = gradientsOf(model, wrt);
        for (const form of ['raw', 'simplified'] as const) {
          const result = checkAwayFromKinks(model, gradients.map((g) => ({ variable: g.variable, node: g[form] })), { seed, points: 2 });
          if (result.error > 1e-6) {
            throw new Error(`${form} gradient of ${print(expr, 'unicode')} is off by ${result.error}: ${result.detail}\n` + gradients.map((g) => `  ∂/∂${g.variable.display} = ${print(g[form], 'unicode')}`).join('\n'));
          }
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.SEED ?? 20261101) },
    );
  });
});
