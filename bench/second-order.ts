// `npm run bench:second-order`: (1) how often a Jacobian or Hessian of a random expression comes out
// in matrix form (or, for matrix outputs, with a Kronecker/vec form), over the property tests'
// arbitraries; (2) the generated hessian and hvp of logistic regression (N = 1000, d = 100) timed
// against finite differences of the generated gradient and against TF.js (tf.grad of tf.grad, CPU
// backend), medians of interleaved rounds (bench/second-order-timing.ts, also a section of npm run bench).
// Correctness is the tests' business (test/jacobian, test/codegen).
import fc from 'fast-check';
import type { Shape } from '../src/ir/shape.ts';
import { isColumn, shape, SCALAR } from '../src/ir/shape.ts';
import { hessian, jacobian } from '../src/jacobian/index.ts';
import { irModel } from '../test/check/support.ts';
import { expression } from '../test/properties/arbitrary.ts';
import { secondOrderTable, timeSecondOrder } from './second-order-timing.ts';

const RUNS = Number(process.env.RUNS ?? 1000);
const SEED = 42;
const vectorLike = (s: Shape) => isColumn(s) || (s.rows === 1 && s.cols === 1);
const percent = (a: number, b: number) => `${a}/${b} (${((100 * a) / Math.max(b, 1)).toFixed(1)}%)`;

for (const [label, target] of [['vector', shape('n', 1)], ['matrix', shape('n', 'm')]] as const) {
  let vectorCases = 0;
  let matrixForms = 0;
  let otherCases = 0;
  let kronecker = 0;
  for (const e of fc.sample(expression(target, 3), { numRuns: RUNS, seed: SEED })) {
    const model = irModel(e);
    const wrt = model.variables.filter((v) => !(v.node.op === 'var' && v.node.attr.symmetric));
    if (!wrt.length) continue;
    for (const j of jacobian(model, wrt.map((v) => v.display), { expand: true }).jacobians) {
      if (vectorLike(target) && vectorLike(j.variable.shape)) {
        vectorCases++;
        if (j.matrix) matrixForms++;
      } else if (!j.matrix) {
        otherCases++;
        if (j.kronecker) kronecker++;
      }
    }
  }
  if (vectorCases) console.log(`Jacobians of ${label} outputs by vectors and scalars in matrix form: ${percent(matrixForms, vectorCases)}`);
  if (otherCases) console.log(`Jacobians of ${label} outputs with no matrix form, printed with a Kronecker/vec form: ${percent(kronecker, otherCases)}`);
}

let blocks = 0;
let matrices = 0;
let others = 0;
let kron = 0;
for (const e of fc.sample(expression(SCALAR, 3), { numRuns: RUNS, seed: SEED })) {
  const model = irModel(e);
  const wrt = model.variables.filter((v) => !(v.node.op === 'var' && v.node.attr.symmetric));
  if (!wrt.length) continue;
  for (const b of hessian(model, wrt.map((v) => v.display), { expand: true }).blocks) {
    if (vectorLike(b.row.shape) && vectorLike(b.col.shape)) {
      blocks++;
      if (b.matrix) matrices++;
    } else if (!b.matrix) {
      others++;
      if (b.kronecker) kron++;
    }
  }
}
console.log(`Hessian blocks by vectors and scalars in matrix form: ${percent(matrices, blocks)}`);
console.log(`Hessian blocks by matrices (second differential) with a Kronecker/vec form: ${percent(kron, others)}`);

// ---- timing (skipped with --counts) -------------------------------------------------------------

if (process.argv.includes('--counts')) process.exit(0);
console.log('');
console.log(secondOrderTable(await timeSecondOrder()).join('\n'));
