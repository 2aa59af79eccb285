// The built-in elementwise functions, one test per table entry (a new function is covered the day
// it is added): its derivative against central differences of its own evaluation, its printing in
// Unicode, ASCII and LaTeX read back to the same node, and the spellings a user types.
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/api.ts';
import * as C from '../../src/ir/construct.ts';
import { ELEMENTWISE } from '../../src/ir/functions.ts';
import type { ElementwiseBuiltin } from '../../src/ir/node.ts';
import { ELEMENTWISE_BUILTINS } from '../../src/ir/node.ts';
import { SCALAR } from '../../src/ir/shape.ts';
import { evaluate, erf, tensor } from '../../src/eval/index.ts';
import { print } from '../../src/print/index.ts';

/** Points inside each function's domain and away from its kinks. */
const POINTS: Record<ElementwiseBuiltin, readonly number[]> = {
  exp: [-2, 0.3, 1.7], log: [0.2, 1, 3.5], sqrt: [0.1, 1, 4.2], σ: [-3, 0.2, 2.5], tanh: [-1.5, 0.1, 2],
  relu: [-1, 0.7, 3], softplus: [-4, 0.1, 3], abs: [-2, 0.4, 1.1], sign: [-2, 0.5], sin: [-2, 0.3, 2.9],
  cos: [-1.2, 0.4, 3], tan: [-1.2, 0.2, 1.3], arctan: [-3, 0.5, 10], sinh: [-2, 0.1, 1.5], cosh: [-2, 0.3, 1.9],
  log1p: [-0.9, 1e-3, 5], expm1: [-3, 1e-4, 2], erf: [-2.5, 0.01, 0.8, 3.1],
};

/** How a user types each function, in every spelling the grammar accepts for it. */
const SPELLINGS: Record<ElementwiseBuiltin, readonly string[]> = {
  exp: ['exp(x)', '\\exp x', 'exp x'], log: ['log(x)', 'ln x', '\\log x', '\\ln(x)'], sqrt: ['√x', 'sqrt(x)', '\\sqrt{x}'],
  σ: ['σ(x)', 'sigmoid(x)', '\\sigma(x)'], tanh: ['tanh(x)', '\\tanh x'], relu: ['relu(x)', 'ReLU(x)', '\\operatorname{relu}(x)'],
  softplus: ['softplus(x)', '\\operatorname{softplus}(x)'], abs: ['|x|', 'abs(x)', '\\lvert x \\rvert'],
  sign: ['sign(x)', 'sgn(x)', '\\operatorname{sign}(x)', '\\sgn x'], sin: ['sin(x)', 'sin x', '\\sin x', '\\sin(x)'],
  cos: ['cos(x)', '\\cos x'], tan: ['tan(x)', '\\tan x'], arctan: ['arctan(x)', 'atan(x)', '\\arctan x'],
  sinh: ['sinh(x)', '\\sinh x'], cosh: ['cosh(x)', '\\cosh x'], log1p: ['log1p(x)', '\\operatorname{log1p}(x)'],
  expm1: ['expm1(x)', '\\operatorname{expm1}(x)', '\\mathrm{expm1}(x)'], erf: ['erf(x)', '\\operatorname{erf}(x)', '\\mathrm{erf}\\,x'],
};

const x = C.variable({ key: 'x', name: { base: 'x' }, symmetric: false }, SCALAR);
const at = (node: ReturnType<typeof C.builtin>, value: number): number => evaluate(node, new Map([['x', tensor(1, 1, [value])]]), {}).data[0];

describe('built-in elementwise functions', () => {
  for (const name of ELEMENTWISE_BUILTINS) {
    describe(name, () => {
      const fx = C.builtin(name, x);

      it('its derivative matches central differences', () => {
        const derivative = ELEMENTWISE[name].derivative(x, fx);
        for (const point of POINTS[name]) {
          const h = 1e-5 * Math.max(1, Math.abs(point));
          const numeric = (at(fx, point + h) - at(fx, point - h)) / (2 * h);
          const symbolic = at(derivative, point);
          expect(Math.abs(symbolic - numeric), `${name}′(${point}) = ${symbolic}, numerically ${numeric}`).toBeLessThan(1e-7 * Math.max(1, Math.abs(numeric)));
        }
      });

      it('prints in Unicode, ASCII and LaTeX, and each reads back as the same function', () => {
        for (const format of ['unicode', 'ascii', 'latex'] as const) {
          const text = print(fx, format);
          expect(parse(text, { where: 'x: scalar' }).output.node, `${format}: ${text}`).toBe(fx);
        }
      });

      it('reads every spelling a user types', () => {
        for (const spelling of SPELLINGS[name]) expect(parse(spelling, { where: 'x: scalar' }).output.node, spelling).toBe(fx);
      });
    });
  }

  it('erf agrees with tabulated values to 1e-15', () => {
    // Abramowitz & Stegun, table 7.1, and erf(x) → 1.
    const table: [number, number][] = [[0, 0], [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [3, 0.9999779095030014], [-1, -0.8427007929497149], [7, 1]];
    for (const [input, value] of table) expect(Math.abs(erf(input) - value), `erf(${input})`).toBeLessThan(1e-15);
  });
});
