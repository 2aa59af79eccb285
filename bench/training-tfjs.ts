// The same SGD training of the ReLU network through TensorFlow.js (CPU backend): same data, same
// initial parameters, same minibatches, same loss ½·mean((ŷ − y)²), gradients from tf's autodiff.
// The comparison for the generated-code trainer in bench/training.ts.
import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '../src/train/sgd.ts';
import { minibatches, trainedParameters, trainingData } from '../src/train/sgd.ts';

export interface TfjsRun {
  readonly seconds: number;
  readonly steps: number;
  readonly testMse: number;
}

export async function trainWithTfjs(config: TrainingConfig): Promise<TfjsRun> {
  await tf.setBackend('cpu');
  await tf.ready();
  const data = trainingData(config);
  const h = config.units;
  const B = config.batchSize;
  const W1 = tf.variable(tf.tensor2d(Float32Array.from(data.initial.W1), [h, 1]), true, 'W1');
  const b1 = tf.variable(tf.tensor2d(Float32Array.from(data.initial.b1), [h, 1]), true, 'b1');
  const W2 = tf.variable(tf.tensor2d(Float32Array.from(data.initial.W2), [1, h]), true, 'W2');
  const b2 = tf.variable(tf.scalar(data.initial.b2), true, 'b2');
  const all = { W1, b1, W2, b2 };
  const trained = trainedParameters(config).map((name) => all[name]);
  const optimizer = tf.train.sgd(config.learningRate);
  const nextBatch = minibatches(config, data.train);
  // TF.js takes Float32Array (its CPU backend computes in float32).
  const X = new Float32Array(B);
  const Y = new Float32Array(B);
  const predict = (x: tf.Tensor2D) => tf.add(tf.matMul(W2, tf.relu(tf.add(tf.matMul(W1, x), b1))), b2);
  const loss = (x: tf.Tensor2D, y: tf.Tensor2D) => tf.mul(0.5, tf.mean(tf.square(tf.sub(predict(x), y)))) as tf.Scalar;

  const started = performance.now();
  for (let step = 1; step <= config.steps; step++) {
    nextBatch(X, Y);
    tf.tidy(() => {
      const x = tf.tensor2d(X, [1, B]);
      const y = tf.tensor2d(Y, [1, B]);
      optimizer.minimize(() => loss(x, y), false, trained);
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const testMse = tf.tidy(() => 2 * (loss(tf.tensor2d(Float32Array.from(data.test.x), [1, data.test.x.length]), tf.tensor2d(Float32Array.from(data.test.y), [1, data.test.y.length])).dataSync()[0]));
  tf.dispose([W1, b1, W2, b2]);
  optimizer.dispose();
  return { seconds, steps: config.steps, testMse };
}
