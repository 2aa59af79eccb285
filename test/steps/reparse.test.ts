// The printed forward pass is itself a program: typed back in, it computes the same output; and
// each printed answer, typed after it, computes the derivative the numeric checks verified.
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/api.ts';
import { randomDims, randomValues, relativeError, rng } from '../../src/check/index.ts';
import { evaluate } from '../../src/eval/index.ts';
import { printName } from '../../src/print/names.ts';
import { printers } from '../../src/steps/index.ts';
import { deriveComputation, sampleComputations } from './support.ts';

describe('the printed forward pass, parsed again, computes the output', () => {
  for (const { label, computation } of sampleComputations()) {
    it(label, () => {
      const { model, d } = deriveComputation(computation);
      const p = printers(d);
      const program = d.forward.map((f) => `${printName(f.step.name, 'unicode')} = ${p.definition(f.step.expr, 'unicode')}`).join('\n');
      const again = parse(program, { where: computation.where });
      const random = rng(3);
      const dims = randomDims(model, random);
      const values = randomValues(model.variables, dims, random);
      expect(relativeError(evaluate(again.output.node, values, dims), evaluate(model.output.node, values, dims)), program).toBeLessThan(1e-12);
      // Each printed answer, over the forward names, means the derivative that was checked.
      for (const a of d.answers) {
        const withAnswer = `${program}\nG = ${p.expr(a.line.result, 'unicode')}`;
        const typed = parse(withAnswer, { where: computation.where });
        expect(relativeError(evaluate(typed.output.node, values, dims), evaluate(d.expand(a.line.result), values, dims)), withAnswer).toBeLessThan(1e-12);
      }
    });
  }
});
