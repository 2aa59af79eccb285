// `npm run bench:second-order`: (1) how often a Jacobian or Hessian of a random expression comes out
// in matrix form (or, for matrix outputs, with a Kronecker/vec form), over the property tests'
// arbitraries; (2) the generated hessian and hvp of logistic regression (N = 1000, d = 100) timed
// against finite differences of the generated gradient and against TF.js (tf.grad of tf.grad, CPU
// backend), medians of interleaved rounds. Correctness is the tests' business (test/jacobian, test/codegen).
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { compile } from '../src/compile.ts';
import type { Shape } from '../src/ir/shape.ts';
import { isColumn, shape, SCALAR } from '../src/ir/shape.ts';
import { hessian, jacobian } from '../src/jacobian/index.ts';
import { irModel } from '../test/check/support.ts';
import { expression } from '../test/properties/arbitrary.ts';

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

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};

/** Milliseconds per call, the median of rounds that call each function in turn (so they share the machine's state). */
function timePerCall(fns: Record<string, () => unknown>, rounds: number): Record<string, number> {
  const names = Object.keys(fns);
  for (const n of names) for (let k = 0; k < 3; k++) fns[n]();
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const n of names) {
      const t0 = performance.now();
      fns[n]();
      samples[n].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]));
}

const N = 1000;
const D = 100;
const random = fc.sample(fc.double({ min: -1, max: 1, noNaN: true }), { numRuns: N * D + N + 2 * D, seed: SEED });
const Xdata = Float64Array.from(random.slice(0, N * D));
const ydata = Float64Array.from(random.slice(N * D, N * D + N), (u) => (u > 0 ? 1 : -1));
const wdata = Float64Array.from(random.slice(N * D + N, N * D + N + D), (u) => 0.1 * u);
const vdata = Float64Array.from(random.slice(N * D + N + D));
const logistic = compile('𝟙ᵀlog(𝟙 + exp(−y ⊙ (Xw)))', { wrt: ['w'], where: 'X: N×d', hessian: true });
const input = { X: Xdata, y: ydata, w: wdata };
const hessianOf = logistic.hessian as NonNullable<typeof logistic.hessian>;
const hvpOf = logistic.hvp as NonNullable<typeof logistic.hvp>;
const H = 1e-5;
const gradientAt = (w: Float64Array) => Float64Array.from(logistic.valueAndGrad({ ...input, w }).grad.w as Float64Array);
/** Central differences of the generated gradient: 2d gradients for the Hessian, 2 for an HVP. */
const fdHessian = () => {
  const out = new Float64Array(D * D);
  for (let j = 0; j < D; j++) {
    const plus = Float64Array.from(wdata);
    const minus = Float64Array.from(wdata);
    plus[j] += H;
    minus[j] -= H;
    const gp = gradientAt(plus);
    const gm = gradientAt(minus);
    for (let i = 0; i < D; i++) out[i * D + j] = (gp[i] - gm[i]) / (2 * H);
  }
  return out;
};
const fdHvp = () => {
  const gp = gradientAt(wdata.map((x, i) => x + H * vdata[i]));
  const gm = gradientAt(wdata.map((x, i) => x - H * vdata[i]));
  return gp.map((x, i) => (x - gm[i]) / (2 * H));
};

await tf.setBackend('cpu');
const tX = tf.tensor2d(Float32Array.from(Xdata), [N, D]);
const ty = tf.tensor2d(Float32Array.from(ydata), [N, 1]);
const tw = tf.tensor2d(Float32Array.from(wdata), [D, 1]);
const tv = tf.tensor2d(Float32Array.from(vdata), [D, 1]);
const loss = (w: tf.Tensor) => tf.sum(tf.softplus(tf.neg(tf.mul(ty, tf.matMul(tX, w)))));
const grad = tf.grad(loss);
const tfHvp = (v: tf.Tensor) => tf.grad((w: tf.Tensor) => tf.sum(tf.mul(grad(w), v)))(tw);
const tfHvpOnce = () => tf.tidy(() => tfHvp(tv)).dataSync();
/** TF.js has no Jacobian: the Hessian is d HVPs along the unit vectors. */
const tfHessian = () => {
  const out = new Float32Array(D * D);
  for (let j = 0; j < D; j++) {
    const column = tf.tidy(() => tfHvp(tf.oneHot([j], D).reshape([D, 1]).cast('float32'))).dataSync();
    for (let i = 0; i < D; i++) out[i * D + j] = column[i];
  }
  return out;
};

const hvpTimes = timePerCall({ generated: () => hvpOf(input, { w: vdata }), fd: fdHvp, tfjs: tfHvpOnce }, 30);
const hessianTimes = timePerCall({ generated: () => hessianOf(input), fd: fdHessian, tfjs: tfHessian }, 5);
const ms = (x: number) => (x < 1 ? x.toFixed(3) : x.toFixed(1));
console.log(`\nLogistic-regression Hessian and HVP, N = ${N}, d = ${D} (median ms per call; ratio = other ÷ generated):`);
console.log('| | generated | finite differences of the generated gradient | TF.js CPU (tf.grad of tf.grad) |');
console.log('|---|---|---|---|');
for (const [label, t] of [['hvp(input, v)', hvpTimes], ['hessian(input)', hessianTimes]] as const) {
  console.log(`| ${label} | ${ms(t.generated)} | ${ms(t.fd)} (${(t.fd / t.generated).toFixed(1)}×) | ${ms(t.tfjs)} (${(t.tfjs / t.generated).toFixed(1)}×) |`);
}
