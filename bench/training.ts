// The EECS 189 notebook's training, timed: 150 000 SGD steps of the 40-unit ReLU network on the
// piecewise-linear target (the notebook takes 5-10 minutes). Three trainers run the same loop on the
// same data, initialization and minibatches:
//   generated    — chainrule's generated gradient code (what `chainrule train` uses),
//   hand-written — plain Float64Array loops written for this network, the speed to match,
//   tfjs-cpu     — TensorFlow.js, CPU backend, gradients by tf's autodiff (bench/training-tfjs.ts).
// Call `runTrainingBenchmark()` (bench/run.ts does), or run this file: node --import tsx bench/training.ts
import { pathToFileURL } from 'node:url';
import type { LossKernel, NetworkInputs } from '../src/train/kernels.ts';
import { generatedKernel } from '../src/train/kernels.ts';
import { PARAMETER_NAMES } from '../src/train/network.ts';
import type { TrainingConfig } from '../src/train/sgd.ts';
import { train, trainingConfig } from '../src/train/sgd.ts';
import { trainWithTfjs } from './training-tfjs.ts';

/**
 * ½·mean((ŷ − y)²) and its gradient, by hand: per example, the forward pass through the units, then
 * r = (ŷ − y)/B pushed back: ∂b₂ += r, ∂W₂ᵢ += r·hᵢ, and for active units ∂b₁ᵢ += rW₂ᵢ, ∂W₁ᵢ += rW₂ᵢx.
 */
export function handwrittenKernel(h: number): LossKernel {
  const z = new Float64Array(h);
  const dW1 = new Float64Array(h);
  const db1 = new Float64Array(h);
  const dW2 = new Float64Array(h);
  const value = (p: NetworkInputs): number => {
    let sum = 0;
    for (let j = 0; j < p.X.length; j++) {
      let y = p.b2;
      for (let i = 0; i < h; i++) {
        const a = p.W1[i] * p.X[j] + p.b1[i];
        if (a > 0) y += p.W2[i] * a;
      }
      sum += (y - p.Y[j]) ** 2;
    }
    return sum / (2 * p.X.length);
  };
  return {
    wrt: PARAMETER_NAMES,
    value,
    valueAndGrad: (p) => {
      dW1.fill(0);
      db1.fill(0);
      dW2.fill(0);
      let db2 = 0;
      let sum = 0;
      const B = p.X.length;
      for (let j = 0; j < B; j++) {
        const x = p.X[j];
        let y = p.b2;
        for (let i = 0; i < h; i++) {
          const a = p.W1[i] * x + p.b1[i];
          z[i] = a;
          if (a > 0) y += p.W2[i] * a;
        }
        const e = y - p.Y[j];
        sum += e * e;
        const r = e / B;
        db2 += r;
        for (let i = 0; i < h; i++) {
          if (z[i] > 0) {
            dW2[i] += r * z[i];
            const d = r * p.W2[i];
            db1[i] += d;
            dW1[i] += d * x;
          }
        }
      }
      return { value: sum / (2 * B), grad: { W1: dW1, b1: db1, W2: dW2, b2: db2 } };
    },
  };
}

export interface TrainingBenchmarkOptions {
  /** Steps of the TF.js run (default: all 150 000; fewer are scaled up to the full run and say so). */
  readonly tfjsSteps?: number;
  readonly log?: (line: string) => void;
}

/** Wall times in seconds of the full training by each trainer, measured in this run. */
export async function runTrainingBenchmark(options: TrainingBenchmarkOptions = {}): Promise<Record<string, number>> {
  const log = options.log ?? (() => {});
  const config: TrainingConfig = trainingConfig({ units: 40, steps: 150_000 });
  const compileStarted = performance.now();
  const generated = generatedKernel(config.units, config.batchSize, PARAMETER_NAMES);
  const compileMs = performance.now() - compileStarted;

  const g = train(config, generated);
  log(`generated code:  ${g.seconds.toFixed(2)} s for ${config.steps} steps (code generated in ${compileMs.toFixed(0)} ms)`);
  const hand = train(config, handwrittenKernel(config.units));
  log(`hand-written:    ${hand.seconds.toFixed(2)} s`);

  const tfjsSteps = Math.min(options.tfjsSteps ?? config.steps, config.steps);
  const tfjs = await trainWithTfjs({ ...config, steps: tfjsSteps });
  const tfjsSeconds = (tfjs.seconds * config.steps) / tfjsSteps;
  log(`TF.js (cpu):     ${tfjsSeconds.toFixed(2)} s${tfjsSteps < config.steps ? ` (measured over ${tfjsSteps} steps, scaled to ${config.steps})` : ''}`);

  const last = (r: typeof g) => r.snapshots[r.snapshots.length - 1].testMse;
  return {
    'relu-sgd-40 steps': config.steps,
    'relu-sgd-40 generated s': g.seconds,
    'relu-sgd-40 generated compile ms': compileMs,
    'relu-sgd-40 hand-written s': hand.seconds,
    'relu-sgd-40 tfjs-cpu s': tfjsSeconds,
    'relu-sgd-40 tfjs-cpu steps measured': tfjsSteps,
    'relu-sgd-40 generated / hand-written': g.seconds / hand.seconds,
    'relu-sgd-40 tfjs-cpu / generated': tfjsSeconds / g.seconds,
    'relu-sgd-40 generated test MSE': last(g),
    'relu-sgd-40 hand-written test MSE': last(hand),
    'relu-sgd-40 tfjs-cpu test MSE': tfjs.testMse,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const results = await runTrainingBenchmark({ tfjsSteps: quick ? 10_000 : undefined, log: (line) => console.log(line) });
  console.log(JSON.stringify(results, null, 2));
}
