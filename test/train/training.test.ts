// The ReLU-SGD experiment: data as specified, gradients of the generated code equal to the reference
// pipeline's, and training that actually learns the piecewise-linear target.
import { describe, expect, it } from 'vitest';
import { TARGETS, rng, sampleDataset } from '../../src/train/data.ts';
import type { LossKernel, NetworkInputs } from '../../src/train/kernels.ts';
import { generatedKernel, inputsOf, referenceKernel } from '../../src/train/kernels.ts';
import type { ParameterName, Params } from '../../src/train/network.ts';
import { LAST_LAYER, Network, PARAMETER_NAMES, elbow, initialParams } from '../../src/train/network.ts';
import { minibatches, train, trainingConfig, trainingData } from '../../src/train/sgd.ts';

const network = new Network();

describe('data', () => {
  it('the piecewise-linear target passes through sin(12345·k) at x = k/10 and is linear between', () => {
    const f = TARGETS.pwl.f;
    for (let k = 0; k <= 10; k++) expect(f(k / 10)).toBeCloseTo(Math.sin(12345 * k), 12);
    expect(f(0.25)).toBeCloseTo((Math.sin(12345 * 2) + Math.sin(12345 * 3)) / 2, 12);
    expect(TARGETS.sin.f(0.3)).toBeCloseTo(Math.sin(6), 12);
  });

  it('draws x ~ U[0, 1] with Gaussian noise of σ = 0.1, reproducibly from the seed', () => {
    const a = sampleDataset(TARGETS.pwl, 2000, 0.1, rng(7));
    const b = sampleDataset(TARGETS.pwl, 2000, 0.1, rng(7));
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    expect(Math.min(...a.x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.x)).toBeLessThanOrEqual(1);
    const residuals = Array.from(a.x, (x, i) => a.y[i] - TARGETS.pwl.f(x));
    const mean = residuals.reduce((s, r) => s + r, 0) / residuals.length;
    const sd = Math.sqrt(residuals.reduce((s, r) => s + (r - mean) ** 2, 0) / residuals.length);
    // 2000 draws: the sample sd is within ±0.005 of σ with overwhelming probability.
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(sd).toBeGreaterThan(0.095);
    expect(sd).toBeLessThan(0.105);
  });

  it('initializes every elbow −b₁ᵢ/W₁ᵢ inside [0, 1]', () => {
    for (const h of [10, 20, 40]) {
      const p = initialParams(h, rng(3));
      for (let i = 0; i < h; i++) {
        expect(elbow(p, i)).toBeGreaterThanOrEqual(0);
        expect(elbow(p, i)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('cuts epochs of the 200 points into batches of 40 without repeats inside an epoch', () => {
    const config = trainingConfig();
    const data = trainingData(config);
    const next = minibatches(config, data.train);
    const X = new Float64Array(40);
    const Y = new Float64Array(40);
    const seen = new Set<number>();
    for (let b = 0; b < 5; b++) {
      next(X, Y);
      for (const x of X) seen.add(x);
    }
    expect(seen.size).toBe(200);
  });
});

/** ‖a − b‖/‖b‖ over every parameter. */
function gradientError(a: LossKernel, b: LossKernel, inputs: NetworkInputs, wrt: readonly ParameterName[]): number {
  const ga = a.valueAndGrad(inputs).grad;
  // Copy: the generated module owns its gradient buffers.
  const copy = Object.fromEntries(wrt.map((n) => [n, typeof ga[n] === 'number' ? ga[n] : Float64Array.from(ga[n] as Float64Array)]));
  const gb = b.valueAndGrad(inputs).grad;
  let diff = 0;
  let norm = 0;
  for (const n of wrt) {
    const x = copy[n] as number | Float64Array;
    const y = gb[n] as number | Float64Array;
    const xs = typeof x === 'number' ? [x] : Array.from(x);
    const ys = typeof y === 'number' ? [y] : Array.from(y);
    expect(xs.length).toBe(ys.length);
    xs.forEach((v, i) => {
      diff += (v - ys[i]) ** 2;
      norm += ys[i] ** 2;
    });
  }
  return Math.sqrt(diff) / Math.sqrt(norm);
}

describe('the gradients used in training', () => {
  for (const wrt of [PARAMETER_NAMES, LAST_LAYER]) {
    it(`agree with the reference evaluator (∂L/∂${wrt.join(', ∂L/∂')}) along a training run`, () => {
      const config = trainingConfig({ units: 20, steps: 3000, snapshotEvery: 1000, lastLayerOnly: wrt === LAST_LAYER });
      const generated = generatedKernel(config.units, config.batchSize, wrt);
      const reference = referenceKernel(network, wrt);
      // The parameters training actually visits, not only the initial ones.
      const run = train(config, generated);
      const data = trainingData(config);
      const X = new Float64Array(config.batchSize);
      const Y = new Float64Array(config.batchSize);
      const next = minibatches(config, data.train);
      for (const s of run.snapshots) {
        next(X, Y);
        const inputs = inputsOf(s.params, X, Y);
        expect(gradientError(generated, reference, inputs, wrt)).toBeLessThan(1e-12);
        expect(generated.valueAndGrad(inputs).value).toBeCloseTo(reference.value(inputs), 13);
        // The loss of a whole set (any batch size), used for the MSE curves.
        const all = inputsOf(s.params, data.test.x, data.test.y);
        expect(generated.value(all)).toBeCloseTo(reference.value(all), 12);
      }
    });
  }

  it('are the gradient of ½·mean squared error written out by hand', () => {
    const p: Params = initialParams(5, rng(11));
    const X = Float64Array.from([0.1, 0.5, 0.9]);
    const Y = Float64Array.from([0.3, -0.2, 0.7]);
    const { value, grad } = generatedKernel(5, 3, PARAMETER_NAMES).valueAndGrad(inputsOf(p, X, Y));
    // ŷⱼ = b₂ + Σᵢ W₂ᵢ relu(W₁ᵢxⱼ + b₁ᵢ);  L = (1/2B) Σⱼ (ŷⱼ − yⱼ)²;  ∂L/∂b₂ = (1/B) Σⱼ (ŷⱼ − yⱼ)
    const yHat = Array.from(X, (x) => p.b2 + Array.from(p.W1, (w, i) => p.W2[i] * Math.max(0, w * x + p.b1[i])).reduce((s, v) => s + v, 0));
    const r = yHat.map((y, j) => y - Y[j]);
    expect(value).toBeCloseTo(r.reduce((s, v) => s + v * v, 0) / 6, 14);
    expect(grad.b2 as number).toBeCloseTo(r.reduce((s, v) => s + v, 0) / 3, 14);
  });
});

describe('SGD on the piecewise-linear target', () => {
  // The noise floor is σ² = 0.01 (the test MSE of the true function); the untrained network's test
  // MSE is ≈ 0.43 (the target's variance plus noise). After 60 000 of the notebook's 150 000 steps the
  // error curve of this seed is past its steep descent (0.0225 here; 0.019 at 150 000), so we require
  // test MSE < 0.04 = 4σ² — the network explains > 92% of the target's variance — and 10× below the
  // untrained network. A broken gradient, sign or learning rate leaves the MSE near 0.2-0.4 or NaN.
  it('40 units, all layers: test MSE below 4σ² and 10× below the untrained network', () => {
    const run = train(trainingConfig({ units: 40, steps: 60_000 }), generatedKernel(40, 40, PARAMETER_NAMES));
    const untrained = run.snapshots[0].testMse;
    const trained = run.snapshots[run.snapshots.length - 1].testMse;
    expect(untrained).toBeGreaterThan(0.3);
    expect(trained).toBeLessThan(0.04);
    expect(trained).toBeLessThan(untrained / 10);
    expect(run.snapshots.length).toBe(61);
    expect(run.snapshots.map((s) => s.step).slice(0, 3)).toEqual([0, 1000, 2000]);
  });

  it('last layer only: the elbows never move, and the fit still improves 10×', () => {
    const config = trainingConfig({ units: 40, steps: 60_000, lastLayerOnly: true });
    expect(config.learningRate).toBe(0.2);
    const run = train(config, generatedKernel(40, 40, LAST_LAYER));
    const first = run.snapshots[0];
    const last = run.snapshots[run.snapshots.length - 1];
    expect(Array.from(last.params.W1)).toEqual(Array.from(first.params.W1));
    expect(Array.from(last.params.b1)).toEqual(Array.from(first.params.b1));
    expect(last.testMse).toBeLessThan(first.testMse / 10);
  });

  it('reproduces a run bit for bit from its seed', () => {
    const kernel = generatedKernel(10, 40, PARAMETER_NAMES);
    const a = train(trainingConfig({ units: 10, steps: 2000 }), kernel);
    const b = train(trainingConfig({ units: 10, steps: 2000 }), kernel);
    expect(Array.from(a.snapshots[2].params.W1)).toEqual(Array.from(b.snapshots[2].params.W1));
  });
});
