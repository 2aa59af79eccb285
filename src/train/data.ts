// The EECS 189 ReLU-SGD data: 1-D inputs x ~ U[0, 1], a target function, Gaussian noise. Everything
// is drawn from one seeded generator, so a run reproduces bit for bit.
import { rng } from '../check/index.ts';

export { rng };

/** Standard normal draws from a uniform generator (Box–Muller; the second variate is discarded for simplicity). */
export function gaussian(random: () => number): () => number {
  return () => {
    let u = random();
    while (u === 0) u = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

export type TargetName = 'pwl' | 'sin';
export const TARGET_NAMES: readonly TargetName[] = ['pwl', 'sin'];

export interface Target {
  readonly name: TargetName;
  /** For legends and titles. */
  readonly label: string;
  readonly f: (x: number) => number;
  /** Where the target bends (the piecewise-linear knots), for plots; empty for smooth targets. */
  readonly knots: readonly number[];
}

/** Knot k sits at x = k/10 with the value sin(12345·k): pseudo-random in [−1, 1], fixed forever. */
const KNOT_SPACING = 0.1;
const KNOT_COUNT = 11;
const knotValues = Array.from({ length: KNOT_COUNT }, (_, k) => Math.sin(12345 * k));

/** Linear interpolation between the knots; constant continuation outside [0, 1]. */
function piecewiseLinear(x: number): number {
  const s = Math.min(Math.max(x / KNOT_SPACING, 0), KNOT_COUNT - 1);
  const k = Math.min(Math.floor(s), KNOT_COUNT - 2);
  const t = s - k;
  return knotValues[k] * (1 - t) + knotValues[k + 1] * t;
}

export const TARGETS: Readonly<Record<TargetName, Target>> = {
  pwl: {
    name: 'pwl',
    label: 'piecewise linear, knots every 0.1',
    f: piecewiseLinear,
    knots: Array.from({ length: KNOT_COUNT }, (_, k) => k * KNOT_SPACING),
  },
  sin: { name: 'sin', label: 'sin(20x)', f: (x) => Math.sin(20 * x), knots: [] },
};

export interface Dataset {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/** n points x ~ U[0, 1], y = f(x) + N(0, noise²). */
export function sampleDataset(target: Target, n: number, noise: number, random: () => number): Dataset {
  const normal = gaussian(random);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = random();
    y[i] = target.f(x[i]) + noise * normal();
  }
  return { x, y };
}

/** Fisher–Yates shuffle of 0…n−1 in place: the minibatch order of one epoch. */
export function shuffle(order: Int32Array, random: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}
