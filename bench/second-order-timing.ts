// The second-order timing of `npm run bench` (and of `npm run bench:second-order`): the generated
// hessian and hvp of logistic regression (N = 1000, d = 100) against central differences of the
// generated gradient and against TF.js (tf.grad of tf.grad, CPU backend), medians of interleaved
// rounds, as ratios to the generated code. Correctness is the tests' business (test/codegen/hessian.test.ts).
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { compile } from '../src/compile.ts';

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

export interface SecondOrderTimes {
  readonly n: number;
  readonly d: number;
  /** Median ms per call of the generated code, central differences of the generated gradient, TF.js CPU. */
  readonly hvp: { readonly generated: number; readonly fd: number; readonly tfjs: number; readonly rounds: number };
  readonly hessian: { readonly generated: number; readonly fd: number; readonly tfjs: number; readonly rounds: number };
  /** Worst relative difference of the three Hessians and the three HVPs from the generated ones (a sanity check, not a test). */
  readonly agreement: { readonly hessianFd: number; readonly hessianTfjs: number; readonly hvpFd: number; readonly hvpTfjs: number };
}

const relative = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += a[i] ** 2;
  }
  return Math.sqrt(diff / Math.max(norm, 1e-300));
};

export async function timeSecondOrder(options: { n?: number; d?: number; hvpRounds?: number; hessianRounds?: number; seed?: number } = {}): Promise<SecondOrderTimes> {
  const N = options.n ?? 1000;
  const D = options.d ?? 100;
  const SEED = options.seed ?? 42;
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

  const generatedHessian = Float64Array.from(hessianOf(input).w as Float64Array);
  const generatedHvp = Float64Array.from(hvpOf(input, { w: vdata }).w as Float64Array);
  const agreement = {
    hessianFd: relative(generatedHessian, fdHessian()),
    hessianTfjs: relative(generatedHessian, tfHessian()),
    hvpFd: relative(generatedHvp, fdHvp()),
    hvpTfjs: relative(generatedHvp, tfHvpOnce()),
  };
  const hvpRounds = options.hvpRounds ?? 30;
  const hessianRounds = options.hessianRounds ?? 5;
  const hvpTimes = timePerCall({ generated: () => hvpOf(input, { w: vdata }), fd: fdHvp, tfjs: tfHvpOnce }, hvpRounds);
  const hessianTimes = timePerCall({ generated: () => hessianOf(input), fd: fdHessian, tfjs: tfHessian }, hessianRounds);
  return {
    n: N,
    d: D,
    hvp: { generated: hvpTimes.generated, fd: hvpTimes.fd, tfjs: hvpTimes.tfjs, rounds: hvpRounds },
    hessian: { generated: hessianTimes.generated, fd: hessianTimes.fd, tfjs: hessianTimes.tfjs, rounds: hessianRounds },
    agreement,
  };
}

/** The Markdown table of a run, ratios = other ÷ generated. */
export function secondOrderTable(t: SecondOrderTimes): string[] {
  const ms = (x: number) => (x < 1 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : x.toFixed(0));
  const ratio = (x: number, g: number) => `${(x / g).toFixed(1)}×`;
  return [
    `Logistic-regression Hessian and HVP, N = ${t.n}, d = ${t.d} (median ms per call of interleaved rounds; ratio = other ÷ generated):`,
    '',
    '| | generated | central differences of the generated gradient | TF.js CPU (tf.grad of tf.grad) |',
    '|---|---:|---:|---:|',
    `| hvp(input, v) | ${ms(t.hvp.generated)} | ${ms(t.hvp.fd)} (${ratio(t.hvp.fd, t.hvp.generated)}) | ${ms(t.hvp.tfjs)} (${ratio(t.hvp.tfjs, t.hvp.generated)}) |`,
    `| hessian(input) | ${ms(t.hessian.generated)} | ${ms(t.hessian.fd)} (${ratio(t.hessian.fd, t.hessian.generated)}) | ${ms(t.hessian.tfjs)} (${ratio(t.hessian.tfjs, t.hessian.generated)}, d HVPs: TF.js has no Jacobian) |`,
    '',
    `Agreement with the generated code (relative): Hessian FD ${t.agreement.hessianFd.toExponential(1)}, TF.js ${t.agreement.hessianTfjs.toExponential(1)} (float32); HVP FD ${t.agreement.hvpFd.toExponential(1)}, TF.js ${t.agreement.hvpTfjs.toExponential(1)}.`,
  ];
}
