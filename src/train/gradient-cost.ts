// The finite-difference vs backprop question of EECS 189 DIS7 2(e), measured: one SGD step of the
// ReLU network with the gradient from backprop (the generated valueAndGrad: one forward and one
// backward pass, O(P) for P parameters) and from finite differences ((ℓ(θ + εeₖ) − ℓ(θ))/ε for each
// of the P parameters: P + 1 forward passes, O(P²)). Both steps start from the same parameters and
// batch; their gradients are compared, and each is timed at growing sizes.
import { rng } from './data.ts';
import type { LossKernel, NetworkInputs } from './kernels.ts';
import { inputsOf } from './kernels.ts';
import type { ParameterName } from './network.ts';
import { PARAMETER_NAMES, copyParams, initialParams } from './network.ts';
import type { TrainingConfig } from './sgd.ts';
import { minibatches, trainingData } from './sgd.ts';

export type GradientMethod = 'backprop' | 'finite differences';

export interface CostRow {
  readonly units: number;
  /** 3h + 1 */
  readonly parameters: number;
  readonly method: GradientMethod;
  /** Median wall time of one SGD step (gradient and update), in seconds. */
  readonly secondsPerStep: number;
}

export interface CostMeasurement {
  readonly rows: readonly CostRow[];
  /** Per size, ‖g_fd − g_backprop‖/‖g_backprop‖ at the first step: the two steps are the same step. */
  readonly agreement: readonly { readonly units: number; readonly relativeError: number }[];
}

type Gradient = Record<ParameterName, Float64Array>;

/** The backprop gradient, copied out of the kernel's buffers, as flat arrays per parameter. */
function backpropGradient(kernel: LossKernel, inputs: NetworkInputs): Gradient {
  const { grad } = kernel.valueAndGrad(inputs);
  const flat = (name: ParameterName): Float64Array => {
    const g = grad[name] as number | Float64Array;
    return typeof g === 'number' ? Float64Array.of(g) : Float64Array.from(g);
  };
  return { W1: flat('W1'), b1: flat('b1'), W2: flat('W2'), b2: flat('b2') };
}

/** Forward differences, one parameter at a time, as the discussion sheet writes them. */
function finiteDifferenceGradient(kernel: LossKernel, inputs: NetworkInputs, epsilon = 1e-7): Gradient {
  const base = kernel.value(inputs);
  const nudged = (read: () => number, write: (v: number) => void): number => {
    const original = read();
    const h = epsilon * Math.max(1, Math.abs(original));
    write(original + h);
    const d = (kernel.value(inputs) - base) / h;
    write(original);
    return d;
  };
  const arrays = (name: 'W1' | 'b1' | 'W2'): Float64Array => {
    const w = inputs[name];
    return Float64Array.from(w, (_, i) => nudged(() => w[i], (v) => (w[i] = v)));
  };
  return { W1: arrays('W1'), b1: arrays('b1'), W2: arrays('W2'), b2: Float64Array.of(nudged(() => inputs.b2, (v) => (inputs.b2 = v))) };
}

function sgdUpdate(inputs: NetworkInputs, g: Gradient, rate: number): void {
  for (const name of ['W1', 'b1', 'W2'] as const) {
    const w = inputs[name];
    for (let i = 0; i < w.length; i++) w[i] -= rate * g[name][i];
  }
  inputs.b2 -= rate * g.b2[0];
}

function relativeError(a: Gradient, b: Gradient): number {
  let diff = 0;
  let norm = 0;
  for (const name of PARAMETER_NAMES) {
    for (let i = 0; i < a[name].length; i++) {
      diff += (a[name][i] - b[name][i]) ** 2;
      norm += b[name][i] ** 2;
    }
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-300);
}

/**
 * Median time of `step`, repeated until `budget` seconds have passed (at least 3 times), after a
 * warm-up of a third of the budget so that V8 has optimized the generated code before it is timed.
 */
function medianSeconds(step: () => void, budget: number): number {
  const warm = performance.now();
  for (let n = 0; n < 3 || (performance.now() - warm) / 1000 < budget / 3; n++) step();
  const times: number[] = [];
  const started = performance.now();
  while (times.length < 3 || (performance.now() - started) / 1000 < budget) {
    const t = performance.now();
    step();
    times.push((performance.now() - t) / 1000);
    if (times.length >= 10_000) break;
  }
  times.sort((p, q) => p - q);
  return times[Math.floor(times.length / 2)];
}

export interface CostOptions {
  /** Hidden-layer sizes to time. */
  readonly sizes: readonly number[];
  /** The data, batch size and learning rate of the step (units are taken from `sizes`). */
  readonly config: TrainingConfig;
  /** The loss kernel for h units (generated code, specialized to h and the batch size). */
  readonly kernelFor: (units: number) => LossKernel;
  /** Seconds of timing per size and method (default 0.3). */
  readonly budget?: number;
  readonly onSize?: (units: number) => void;
}

export function measureGradientCost(options: CostOptions): CostMeasurement {
  const rows: CostRow[] = [];
  const agreement: { units: number; relativeError: number }[] = [];
  const budget = options.budget ?? 0.3;
  for (const units of options.sizes) {
    const config = { ...options.config, units };
    const data = trainingData(config);
    const kernel = options.kernelFor(units);
    const X = new Float64Array(config.batchSize);
    const Y = new Float64Array(config.batchSize);
    minibatches(config, data.train)(X, Y);
    const start = initialParams(units, rng(config.seed + 1));
    const fresh = (): NetworkInputs => inputsOf(copyParams(start), X, Y);

    agreement.push({ units, relativeError: relativeError(finiteDifferenceGradient(kernel, fresh()), backpropGradient(kernel, fresh())) });
    for (const method of ['backprop', 'finite differences'] as const) {
      const gradient = method === 'backprop' ? backpropGradient : finiteDifferenceGradient;
      // Steps continue from one another, as in training; the step size keeps them small.
      const inputs = fresh();
      const secondsPerStep = medianSeconds(() => sgdUpdate(inputs, gradient(kernel, inputs), config.learningRate), budget);
      rows.push({ units, parameters: 3 * units + 1, method, secondsPerStep });
    }
    options.onSize?.(units);
  }
  return { rows, agreement };
}

/** Least-squares slope of log(time) against log(P): the exponent of the growth, time ∝ Pᵏ. */
export function growthExponent(rows: readonly CostRow[], method: GradientMethod): number {
  const points = rows.filter((r) => r.method === method).map((r) => [Math.log(r.parameters), Math.log(r.secondsPerStep)] as const);
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const sxy = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return sxy / sxx;
}
