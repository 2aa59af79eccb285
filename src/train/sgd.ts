// Minibatch SGD on the ReLU network, as in the EECS 189 notebook: 200 noisy points, batches of 40
// drawn without replacement (reshuffled every epoch), a fixed learning rate, a snapshot of the
// parameters and of the train/test error every 1 000 steps.
import { internalError } from '../errors.ts';
import type { Dataset, Target, TargetName } from './data.ts';
import { TARGETS, rng, sampleDataset, shuffle } from './data.ts';
import type { LossKernel } from './kernels.ts';
import { inputsOf } from './kernels.ts';
import type { ParameterName, Params } from './network.ts';
import { LAST_LAYER, PARAMETER_NAMES, copyParams, initialParams } from './network.ts';

export interface TrainingConfig {
  readonly units: number;
  readonly target: TargetName;
  readonly steps: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Train W₂ and b₂ only: the elbows stay where they were initialized (a linear model in fixed features). */
  readonly lastLayerOnly: boolean;
  readonly snapshotEvery: number;
  readonly trainPoints: number;
  /** Fresh points from the same distribution, never trained on. */
  readonly testPoints: number;
  /** Standard deviation of the Gaussian noise on y; σ² is the best MSE any model can reach. */
  readonly noise: number;
  readonly seed: number;
}

/** The notebook's learning rates: 0.02 when every layer trains, 0.2 for the last layer alone. */
export const learningRateFor = (lastLayerOnly: boolean): number => (lastLayerOnly ? 0.2 : 0.02);

export const DEFAULT_CONFIG: TrainingConfig = {
  units: 40,
  target: 'pwl',
  steps: 150_000,
  batchSize: 40,
  learningRate: learningRateFor(false),
  lastLayerOnly: false,
  snapshotEvery: 1_000,
  trainPoints: 200,
  testPoints: 1_000,
  noise: 0.1,
  seed: 189,
};

/** A config from partial settings; the learning rate follows `lastLayerOnly` unless given. */
export function trainingConfig(settings: Partial<TrainingConfig> = {}): TrainingConfig {
  const lastLayerOnly = settings.lastLayerOnly ?? DEFAULT_CONFIG.lastLayerOnly;
  return { ...DEFAULT_CONFIG, learningRate: learningRateFor(lastLayerOnly), ...settings };
}

export const trainedParameters = (config: TrainingConfig): readonly ParameterName[] => (config.lastLayerOnly ? LAST_LAYER : PARAMETER_NAMES);

export interface Snapshot {
  readonly step: number;
  readonly params: Params;
  /** Mean squared error on the training points and on the held-out points. */
  readonly trainMse: number;
  readonly testMse: number;
}

export interface TrainingData {
  readonly target: Target;
  readonly train: Dataset;
  readonly test: Dataset;
  readonly initial: Params;
}

export interface TrainingRun extends TrainingData {
  readonly config: TrainingConfig;
  /** Step 0 (the initialization), then every `snapshotEvery` steps, and the last step. */
  readonly snapshots: readonly Snapshot[];
  /** Wall time of the training loop, snapshots included, in seconds. */
  readonly seconds: number;
}

/**
 * The data and the initial parameters of a config. Each gets its own stream of the seed, so the data
 * are the same for 10, 20 and 40 units, and the batches the same with and without `lastLayerOnly`.
 */
export function trainingData(config: TrainingConfig): TrainingData {
  const dataRandom = rng(config.seed);
  const target = TARGETS[config.target];
  const train = sampleDataset(target, config.trainPoints, config.noise, dataRandom);
  const test = sampleDataset(target, config.testPoints, config.noise, dataRandom);
  return { target, train, test, initial: initialParams(config.units, rng(config.seed + 1)) };
}

/**
 * Fills X, Y with the next minibatch: epochs of the training points in a fresh random order, cut into
 * batches (a batch may straddle two epochs when the batch size does not divide the data).
 */
export function minibatches(config: TrainingConfig, train: Dataset): (X: Float64Array | Float32Array, Y: Float64Array | Float32Array) => void {
  const random = rng(config.seed + 2);
  const n = train.x.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let next = n;
  return (X, Y) => {
    for (let k = 0; k < X.length; k++) {
      if (next === n) {
        shuffle(order, random);
        next = 0;
      }
      const j = order[next++];
      X[k] = train.x[j];
      Y[k] = train.y[j];
    }
  };
}

export interface TrainOptions {
  /** Called at every snapshot; for progress bars. */
  readonly onSnapshot?: (snapshot: Snapshot) => void;
}

/** Runs SGD with the given loss kernel (the generated code in every real run). */
export function train(config: TrainingConfig, kernel: LossKernel, options: TrainOptions = {}): TrainingRun {
  const data = trainingData(config);
  const params = copyParams(data.initial);
  const wrt = trainedParameters(config);
  if (wrt.some((name) => !kernel.wrt.includes(name))) throw internalError(`the loss kernel does not differentiate ${wrt.join(', ')}`);

  // MSE = 2L, for L = ½·mean squared error.
  const mse = (set: Dataset): number => 2 * kernel.value(inputsOf(params, set.x, set.y));
  const snapshots: Snapshot[] = [];
  const snapshot = (step: number): void => {
    const s = { step, params: copyParams(params), trainMse: mse(data.train), testMse: mse(data.test) };
    snapshots.push(s);
    options.onSnapshot?.(s);
  };

  const X = new Float64Array(config.batchSize);
  const Y = new Float64Array(config.batchSize);
  const nextBatch = minibatches(config, data.train);
  const inputs = inputsOf(params, X, Y);
  const rate = config.learningRate;

  const started = performance.now();
  snapshot(0);
  for (let step = 1; step <= config.steps; step++) {
    nextBatch(X, Y);
    inputs.b2 = params.b2;
    const { grad } = kernel.valueAndGrad(inputs);
    for (const name of wrt) {
      const g = grad[name] as number | Float64Array;
      if (name === 'b2') params.b2 -= rate * (g as number);
      else {
        const w = params[name];
        const gw = g as Float64Array;
        for (let i = 0; i < w.length; i++) w[i] -= rate * gw[i];
      }
    }
    if (step % config.snapshotEvery === 0 || step === config.steps) {
      inputs.b2 = params.b2;
      snapshot(step);
    }
  }
  return { ...data, config, snapshots, seconds: (performance.now() - started) / 1000 };
}
