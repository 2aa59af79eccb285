// The benchmark cases: each the expression as a user types it, its sizes, seeded inputs, and the
// same value + gradient written four other ways: by hand (Float64Array loops), in TensorFlow.js
// (tf.valueAndGrads over tf ops, float32: TF.js has no float64), and as mathjs evaluating the
// printed gradient formulas.
import type * as TF from '@tensorflow/tfjs';
import type { MathJsInstance, Matrix } from 'mathjs';
import { rng } from '../src/check/index.ts';
import type { Impl } from './handwritten.ts';
import * as hand from './handwritten.ts';

export type Inputs = Record<string, number | Float64Array>;

export interface BenchCase {
  readonly name: string;
  readonly source: string;
  readonly where: string;
  readonly wrt: readonly string[];
  readonly dims: Readonly<Record<string, number>>;
  /** Inputs keyed as the generated module names them. */
  readonly inputs: Inputs;
  /** Shapes of the inputs (rows, cols) for the other implementations. */
  readonly shapes: Readonly<Record<string, readonly [number, number]>>;
  handwritten(): Impl;
  /** A closure computing value and gradients with tf.valueAndGrads and reading them back. */
  tf(tf: typeof TF): () => void;
  /** A closure evaluating the value and the printed gradient formulas with mathjs. */
  mathjs(math: MathJsInstance): () => void;
}

function randomArray(length: number, random: () => number, scale = 1): Float64Array {
  return Float64Array.from({ length }, () => (2 * random() - 1) * scale);
}

/** tf tensors of the inputs (vectors as columns). */
function tensors(tf: typeof TF, c: { inputs: Inputs; shapes: BenchCase['shapes'] }): Record<string, TF.Tensor> {
  const out: Record<string, TF.Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) out[k] = typeof v === 'number' ? tf.scalar(v) : tf.tensor2d(Float32Array.from(v), [...c.shapes[k]]);
  return out;
}

/** Runs tf.valueAndGrads and reads every result back (the work must finish inside the timing). */
function tfRunner(tf: typeof TF, f: (...args: TF.Tensor[]) => TF.Scalar, args: TF.Tensor[]): () => void {
  const g = tf.valueAndGrads(f);
  return () => {
    const { value, grads } = g(args);
    value.dataSync();
    for (const t of grads) t.dataSync();
    value.dispose();
    for (const t of grads) t.dispose();
  };
}

/** mathjs matrices of the inputs (vectors as n×1 columns). */
function matrices(math: MathJsInstance, c: { inputs: Inputs; shapes: BenchCase['shapes'] }): Record<string, Matrix | number> {
  const out: Record<string, Matrix | number> = {};
  for (const [k, v] of Object.entries(c.inputs)) {
    if (typeof v === 'number') out[k] = v;
    else {
      const [rows, cols] = c.shapes[k];
      out[k] = math.matrix(Array.from({ length: rows }, (_, i) => Array.from(v.subarray(i * cols, (i + 1) * cols))));
    }
  }
  return out;
}

function mathRunner(math: MathJsInstance, c: { inputs: Inputs; shapes: BenchCase['shapes'] }, formulas: string[]): () => void {
  const scope = matrices(math, c);
  const compiled = formulas.map((f) => math.compile(f));
  return () => {
    const s = new Map(Object.entries(scope));
    for (const e of compiled) e.evaluate(s);
  };
}

/** Gauss–Jordan elimination without pivoting in tf ops (K is symmetric positive definite): returns
 * K⁻¹B and the pivots, whose logs sum to log|K|. TF.js has no differentiable solve, Cholesky or
 * determinant, so the K-cases compose them from differentiable ops, step by step. */
function tfEliminate(tf: typeof TF, K: TF.Tensor2D, B: TF.Tensor2D | undefined, n: number): { solution?: TF.Tensor2D; logDet: TF.Scalar } {
  let M = B ? tf.concat([K, B], 1) : K;
  const width = M.shape[1];
  const logs: TF.Scalar[] = [];
  for (let j = 0; j < n; j++) {
    const pivot = M.slice([j, j], [1, 1]).reshape([]) as TF.Scalar;
    logs.push(tf.log(pivot));
    const row = tf.div(M.slice([j, 0], [1, width]), pivot);
    const col = M.slice([0, j], [n, 1]);
    const unit = tf.oneHot(tf.tensor1d([j], 'int32'), n).reshape([n, 1]);
    M = tf.sub(M, tf.matMul(tf.sub(col, unit), row));
  }
  const logDet = tf.addN(logs) as TF.Scalar;
  return { solution: B ? (M.slice([0, n], [n, width - n]) as TF.Tensor2D) : undefined, logDet };
}

export function benchCases(): BenchCase[] {
  const random = rng(2026);
  const cases: BenchCase[] = [];

  for (const n of [64, 256, 1024]) {
    const inputs = { W: randomArray(n * n, random, 1 / Math.sqrt(n)), x: randomArray(n, random) };
    const shapes = { W: [n, n], x: [n, 1] } as const;
    cases.push({
      name: `‖Wx − x‖² (n = ${n})`, source: '‖Wx − x‖²', where: 'W: n×n; x: n', wrt: ['W'], dims: { n }, inputs, shapes,
      handwritten: () => hand.wxMinusX(n, inputs.W, inputs.x),
      tf: (tf) => {
        const t = tensors(tf, { inputs, shapes });
        return tfRunner(tf, (W) => tf.sum(tf.square(tf.sub(tf.matMul(W as TF.Tensor2D, t.x as TF.Tensor2D), t.x))) as TF.Scalar, [t.W]);
      },
      mathjs: (math) => mathRunner(math, { inputs, shapes }, ['r = W * x - x', 'sum(r .^ 2)', '2 * r * transpose(x)']),
    });
  }

  {
    const [n, m, k] = [256, 256, 10];
    const inputs = {
      x: randomArray(n, random), y: randomArray(k, random), W1: randomArray(m * n, random, 1 / Math.sqrt(n)), b1: randomArray(m, random, 0.1),
      W2: randomArray(k * m, random, 1 / Math.sqrt(m)), b2: randomArray(k, random, 0.1),
    };
    const shapes = { x: [n, 1], y: [k, 1], W1: [m, n], b1: [m, 1], W2: [k, m], b2: [k, 1] } as const;
    cases.push({
      name: 'MLP ½‖W₂relu(W₁x + b₁) + b₂ − y‖² (256→256→10)',
      source: 'h = relu(W₁x + b₁)\nŷ = W₂h + b₂\nL = ½‖ŷ − y‖²', where: 'x: n; y: k; W₁: m×n; b₁: m; W₂: k×m; b₂: k', wrt: ['W₂', 'b₂', 'W₁', 'b₁'], dims: { n, m, k }, inputs, shapes,
      handwritten: () => hand.regressionMlp(n, m, k, inputs),
      tf: (tf) => {
        const t = tensors(tf, { inputs, shapes });
        const f = (W1: TF.Tensor, b1: TF.Tensor, W2: TF.Tensor, b2: TF.Tensor) => {
          const h = tf.relu(tf.add(tf.matMul(W1 as TF.Tensor2D, t.x as TF.Tensor2D), b1));
          const e = tf.sub(tf.add(tf.matMul(W2 as TF.Tensor2D, h as TF.Tensor2D), b2), t.y);
          return tf.mul(0.5, tf.sum(tf.square(e))) as TF.Scalar;
        };
        return tfRunner(tf, f as (...a: TF.Tensor[]) => TF.Scalar, [t.W1, t.b1, t.W2, t.b2]);
      },
      mathjs: (math) => mathRunner(math, { inputs, shapes }, [
        'z = W1 * x + b1', 'h = map(z, f(t) = max(t, 0))', 'e = W2 * h + b2 - y', '0.5 * sum(e .^ 2)',
        'e * transpose(h)', 'e', 'g = map(z, f(t) = t > 0 ? 1 : 0) .* (transpose(W2) * e)', 'g * transpose(x)', 'g',
      ]),
    });
  }

  {
    const [h, m] = [256, 256];
    const inputs = { A: randomArray(h * m, random, 1 / Math.sqrt(m)), b: randomArray(h, random, 0.1), x: randomArray(m, random), y: 0.5 };
    const shapes = { A: [h, m], b: [h, 1], x: [m, 1], y: [1, 1] } as const;
    cases.push({
      name: '(y − bᵀσ(Ax))² (h = m = 256)', source: 'L = (y − bᵀσ(Ax))²', where: 'A: h×m; b: h; x: m; y: scalar', wrt: ['b', 'A'], dims: { h, m }, inputs, shapes,
      handwritten: () => hand.sigmoidTwoLayer(h, m, inputs),
      tf: (tf) => {
        const t = tensors(tf, { inputs, shapes });
        const f = (A: TF.Tensor, b: TF.Tensor) => tf.square(tf.sub(t.y, tf.sum(tf.mul(b, tf.sigmoid(tf.matMul(A as TF.Tensor2D, t.x as TF.Tensor2D)))))) as TF.Scalar;
        return tfRunner(tf, f as (...a: TF.Tensor[]) => TF.Scalar, [t.A, t.b]);
      },
      mathjs: (math) => mathRunner(math, { inputs, shapes }, [
        's = map(A * x, f(t) = 1 / (1 + exp(-t)))', 'r = y - sum(b .* s)', 'r ^ 2', '-2 * r * s', '-2 * r * (b .* s .* (1 - s)) * transpose(x)',
      ]),
    });
  }

  for (const n of [64, 128]) {
    const inputs = { A: randomArray(n * n, random, 1 / Math.sqrt(n)), alpha: 0.8, beta: 2, gamma: 1.5 };
    const shapes = { A: [n, n], alpha: [1, 1], beta: [1, 1], gamma: [1, 1] } as const;
    cases.push({
      name: `−γ/2·log|αAAᵀ + β⁻¹I| (n = ${n})`, source: 'L₁ = −γ/2 · log|αAAᵀ + β⁻¹I|', where: 'A: n×n; α, β, γ: scalar', wrt: ['A'], dims: { n }, inputs, shapes,
      handwritten: () => hand.logdet(n, inputs),
      tf: (tf) => {
        const t = tensors(tf, { inputs, shapes });
        const f = (A: TF.Tensor) => {
          const K = tf.add(tf.mul(inputs.alpha, tf.matMul(A as TF.Tensor2D, A as TF.Tensor2D, false, true)), tf.mul(1 / inputs.beta, tf.eye(n))) as TF.Tensor2D;
          return tf.mul(-inputs.gamma / 2, tfEliminate(tf, K, undefined, n).logDet) as TF.Scalar;
        };
        return tfRunner(tf, f as (...a: TF.Tensor[]) => TF.Scalar, [t.A]);
      },
      mathjs: (math) => mathRunner(math, { inputs, shapes }, [
        'K = alpha * A * transpose(A) + identity(size(A)) / beta', '-gamma / 2 * log(det(K))', '-gamma * alpha * inv(K) * A',
      ]),
    });
  }

  for (const n of [64, 128]) {
    const inputs = { A: randomArray(n * n, random, 1 / Math.sqrt(n)), B: randomArray(n * n, random, 1 / Math.sqrt(n)), alpha: 0.8, beta: 2 };
    const shapes = { A: [n, n], B: [n, n], alpha: [1, 1], beta: [1, 1] } as const;
    cases.push({
      name: `−½tr((αAAᵀ + β⁻¹I)⁻¹BBᵀ) (n = ${n})`, source: 'L₂ = −½ tr((αAAᵀ + β⁻¹I)⁻¹BBᵀ)', where: 'A, B: n×n; α, β: scalar', wrt: ['A', 'B'], dims: { n }, inputs, shapes,
      handwritten: () => hand.traceInverse(n, inputs),
      tf: (tf) => {
        const t = tensors(tf, { inputs, shapes });
        const f = (A: TF.Tensor, B: TF.Tensor) => {
          const K = tf.add(tf.mul(inputs.alpha, tf.matMul(A as TF.Tensor2D, A as TF.Tensor2D, false, true)), tf.mul(1 / inputs.beta, tf.eye(n))) as TF.Tensor2D;
          const Y = tfEliminate(tf, K, B as TF.Tensor2D, n).solution as TF.Tensor2D;
          return tf.mul(-0.5, tf.sum(tf.mul(Y, B))) as TF.Scalar;
        };
        return tfRunner(tf, f as (...a: TF.Tensor[]) => TF.Scalar, [t.A, t.B]);
      },
      mathjs: (math) => mathRunner(math, { inputs, shapes }, [
        'Ki = inv(alpha * A * transpose(A) + identity(size(A)) / beta)', '-0.5 * trace(Ki * B * transpose(B))', 'alpha * Ki * B * transpose(B) * Ki * A', '-Ki * B',
      ]),
    });
  }
  return cases;
}
