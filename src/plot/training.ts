// What a student watches while the ReLU network trains: the learned function over the data and the
// ground truth, every unit's output with its elbow, the elbows and slopes moving over training, and
// the train/test error. Data first (plain rows, testable), then Vega-Lite specs over those rows.
import type { ColorDef, Field, PositionDef } from 'vega-lite/build/src/channeldef.js';
import type { LayerSpec, NonNormalizedSpec, UnitSpec } from 'vega-lite/build/src/spec/index.js';
import type { Network, Params } from '../train/network.ts';
import { elbow, facesRight, slope, units } from '../train/network.ts';
import type { Snapshot, TrainingRun } from '../train/sgd.ts';
import type { TopLevelSpec } from './render.ts';

// ---- rows ------------------------------------------------------------------------------------

export interface CurvePoint {
  readonly x: number;
  readonly y: number;
}

export interface UnitPoint extends CurvePoint {
  readonly unit: number;
  readonly side: UnitSide;
}

/** Which side of its elbow a unit is active on (the sign of W₁ᵢ). */
export type UnitSide = 'active right of its elbow' | 'active left of its elbow';
const sideOf = (p: Params, i: number): UnitSide => (facesRight(p, i) ? 'active right of its elbow' : 'active left of its elbow');

export interface Elbow {
  readonly unit: number;
  readonly x: number;
  /** ŷ at the elbow: where the learned function bends. */
  readonly yHat: number;
  readonly side: UnitSide;
}

export interface FrameData {
  readonly step: number;
  readonly trainMse: number;
  readonly testMse: number;
  readonly learned: CurvePoint[];
  readonly unitOutputs: UnitPoint[];
  readonly elbows: Elbow[];
}

const X_MIN = 0;
const X_MAX = 1;

/**
 * The x positions that draw the network exactly: ŷ and every unit output are linear between
 * consecutive elbows, so the ends, the elbows inside [0, 1] and a coarse grid (for hovering and
 * sampling) are all the points a polyline needs.
 */
export function networkGrid(p: Params, coarse = 20): Float64Array {
  const xs = new Set<number>();
  for (let k = 0; k <= coarse; k++) xs.add(X_MIN + ((X_MAX - X_MIN) * k) / coarse);
  for (let i = 0; i < units(p); i++) {
    const e = elbow(p, i);
    if (e > X_MIN && e < X_MAX) xs.add(e);
  }
  return Float64Array.from([...xs].sort((a, b) => a - b));
}

/** Everything one frame shows, read off the network program by the reference evaluator. */
export function frameData(network: Network, snapshot: Snapshot): FrameData {
  const p = snapshot.params;
  const grid = networkGrid(p);
  const { yHat, unitOutputs } = network.readout(p, grid);
  const learned = Array.from(grid, (x, j) => ({ x, y: yHat[j] }));
  // Unit i is linear on either side of its own elbow: the ends and that elbow draw it exactly.
  const rows: UnitPoint[] = [];
  unitOutputs.forEach((values, unit) => {
    const side = sideOf(p, unit);
    const own = elbow(p, unit);
    grid.forEach((x, j) => {
      if (j === 0 || j === grid.length - 1 || x === own) rows.push({ x, y: values[j], unit, side });
    });
  });
  const inside = Array.from({ length: units(p) }, (_, unit) => unit).filter((i) => elbow(p, i) >= X_MIN && elbow(p, i) <= X_MAX);
  const atElbows = network.readout(p, Float64Array.from(inside, (i) => elbow(p, i))).yHat;
  const elbows = inside.map((unit, k) => ({ unit, x: elbow(p, unit), yHat: atElbows[k], side: sideOf(p, unit) }));
  return { step: snapshot.step, trainMse: snapshot.trainMse, testMse: snapshot.testMse, learned, unitOutputs: rows, elbows };
}

export interface TrajectoryRow {
  readonly step: number;
  readonly unit: number;
  /** −b₁ᵢ/W₁ᵢ */
  readonly elbow: number;
  /** W₂ᵢW₁ᵢ: the change of slope of ŷ at the elbow. */
  readonly slope: number;
  /** Where the unit's elbow started: the color key that follows a unit through training. */
  readonly initialElbow: number;
}

export function trajectories(run: TrainingRun): TrajectoryRow[] {
  const rows: TrajectoryRow[] = [];
  for (const s of run.snapshots) {
    for (let unit = 0; unit < units(s.params); unit++) {
      rows.push({ step: s.step, unit, elbow: elbow(s.params, unit), slope: slope(s.params, unit), initialElbow: elbow(run.initial, unit) });
    }
  }
  return rows;
}

export interface ErrorRow {
  readonly step: number;
  readonly mse: number;
  readonly set: 'train' | 'test';
}

export function errorCurves(run: TrainingRun): ErrorRow[] {
  return run.snapshots.flatMap((s) => [
    { step: s.step, mse: s.trainMse, set: 'train' as const },
    { step: s.step, mse: s.testMse, set: 'test' as const },
  ]);
}

export function truthCurve(run: TrainingRun, points = 400): CurvePoint[] {
  const xs = new Set<number>(run.target.knots);
  for (let k = 0; k <= points; k++) xs.add(X_MIN + ((X_MAX - X_MIN) * k) / points);
  return [...xs].sort((a, b) => a - b).map((x) => ({ x, y: run.target.f(x) }));
}

export const dataPoints = (run: TrainingRun): CurvePoint[] => Array.from(run.train.x, (x, i) => ({ x, y: run.train.y[i] }));

// ---- specs -----------------------------------------------------------------------------------

const WIDTH = 440;
const HEIGHT = 270;
const SERIES = ['training data', 'ground truth', 'network ŷ', 'elbows (where ŷ bends)'];
const SERIES_COLORS = ['#a6a6a6', '#222222', '#d62728', '#1f77b4'];
const SIDES: UnitSide[] = ['active right of its elbow', 'active left of its elbow'];
const SIDE_COLORS = ['#1f77b4', '#ff7f0e'];
const stepFormat = (n: number): string => n.toLocaleString('en-US').replace(/,/g, ' ');
/** 0, 500, 1k, 1.5k, …, 150k: steps on an axis. */
const stepAxis = { labelExpr: "datum.value >= 1000 ? format(datum.value / 1000, '~g') + 'k' : format(datum.value, '~g')" };
/** σ² as typed (0.01), not as floating point computes it (0.010000000000000002). */
const noiseFloor = (noise: number): string => String(Number((noise * noise).toPrecision(6)));

type Position = PositionDef<Field>;
type Color = ColorDef<Field>;

const xAxis: Position = { field: 'x', type: 'quantitative', title: 'x', scale: { domain: [X_MIN, X_MAX], nice: false } };

/** Fixed y ranges for every frame, so that the animation does not jump. */
export interface FrameScales {
  readonly fit: [number, number];
  readonly units: [number, number];
}

export function frameScales(run: TrainingRun, frames: readonly FrameData[]): FrameScales {
  const span = (values: number[], pad: number): [number, number] => {
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const margin = pad * (hi - lo || 1);
    return [lo - margin, hi + margin];
  };
  const fit = span([...run.train.y, ...truthCurve(run, 100).map((p) => p.y)], 0.08);
  // Units can swing far early in training; the range holds 98% of what they do over all frames.
  const unitValues = frames.flatMap((f) => f.unitOutputs.map((u) => u.y)).sort((a, b) => a - b);
  const q = (t: number) => unitValues[Math.min(unitValues.length - 1, Math.floor(t * unitValues.length))] ?? 0;
  return { fit, units: span([q(0.01), q(0.99), 0], 0.1) };
}

/** The learned function over the training data and the ground truth, with the elbows on ŷ. */
export function fitSpec(run: TrainingRun, frame: FrameData, yDomain?: [number, number]): NonNormalizedSpec {
  const color: Color = { field: 'series', type: 'nominal', title: null, scale: { domain: SERIES, range: SERIES_COLORS }, legend: { orient: 'bottom', columns: 2 } };
  const y: Position = { field: 'y', type: 'quantitative', title: 'y', scale: yDomain ? { domain: yDomain, nice: false } : { zero: false } };
  return {
    width: WIDTH,
    height: HEIGHT,
    title: { text: 'The learned function', subtitle: `train MSE ${frame.trainMse.toFixed(4)} · test MSE ${frame.testMse.toFixed(4)} · noise floor σ² = ${noiseFloor(run.config.noise)}` },
    layer: [
      {
        data: { name: 'data', values: dataPoints(run).map((p) => ({ ...p, series: SERIES[0] })) },
        mark: { type: 'point', filled: true, size: 14, opacity: 0.7, clip: true },
        encoding: { x: xAxis, y, color },
      },
      {
        data: { name: 'truth', values: truthCurve(run).map((p) => ({ ...p, series: SERIES[1] })) },
        mark: { type: 'line', strokeDash: [6, 4], strokeWidth: 1.6, clip: true },
        encoding: { x: xAxis, y, color },
      },
      {
        data: { name: 'learned', values: frame.learned.map((p) => ({ ...p, series: SERIES[2] })) },
        mark: { type: 'line', strokeWidth: 2.6, clip: true },
        encoding: { x: xAxis, y, color },
      },
      {
        data: { name: 'elbows', values: frame.elbows.map((e) => ({ x: e.x, y: e.yHat, unit: e.unit, series: SERIES[3] })) },
        mark: { type: 'point', filled: false, size: 36, strokeWidth: 1.5, clip: true },
        encoding: { x: xAxis, y, color },
      },
    ],
  };
}

/** Each unit's contribution W₂ᵢ·relu(W₁ᵢx + b₁ᵢ) to ŷ, with its elbow −b₁ᵢ/W₁ᵢ marked on the axis. */
export function unitsSpec(frame: FrameData, yDomain?: [number, number]): NonNormalizedSpec {
  const color: Color = { field: 'side', type: 'nominal', title: null, scale: { domain: SIDES, range: SIDE_COLORS }, legend: { orient: 'bottom' } };
  const y: Position = { field: 'y', type: 'quantitative', title: 'W₂ᵢ · relu(W₁ᵢx + b₁ᵢ)', scale: yDomain ? { domain: yDomain, nice: false } : {} };
  return {
    width: WIDTH,
    height: HEIGHT,
    title: { text: 'Each unit’s output', subtitle: `${frame.elbows.length} of the elbows −b₁ᵢ/W₁ᵢ (dots) lie in [0, 1]; ŷ = b₂ + the sum of these lines` },
    layer: [
      {
        data: { name: 'units', values: frame.unitOutputs },
        mark: { type: 'line', strokeWidth: 1.3, opacity: 0.85, clip: true },
        encoding: { x: xAxis, y, color, detail: { field: 'unit', type: 'nominal' } },
      },
      {
        data: { name: 'unit-elbows', values: frame.elbows.map((e) => ({ x: e.x, y: 0, unit: e.unit, side: e.side })) },
        mark: { type: 'point', filled: true, size: 30, stroke: 'white', strokeWidth: 0.8, clip: true },
        encoding: { x: xAxis, y, color },
      },
    ],
  };
}

/** One snapshot: the fit and the units side by side, titled with the step. */
export function frameSpec(run: TrainingRun, frame: FrameData, scales?: FrameScales): TopLevelSpec {
  // The page around the frame names the run; the frame says only where in training it is.
  return {
    title: { text: `Step ${stepFormat(frame.step)} of ${stepFormat(run.config.steps)}`, fontSize: 16 },
    hconcat: [fitSpec(run, frame, scales?.fit), unitsSpec(frame, scales?.units)],
    // The two panels color different things (series, the side a unit is active on).
    resolve: { scale: { color: 'independent' } },
    spacing: 36,
  };
}

/** Elbow positions and slopes of every unit over training, colored by where each elbow started. */
export function trajectorySpec(run: TrainingRun): TopLevelSpec {
  const rows = trajectories(run);
  const step: Position = { field: 'step', type: 'quantitative', title: 'SGD step', axis: stepAxis, scale: { domain: [0, run.config.steps], nice: false } };
  const color: Color = { field: 'initialElbow', type: 'quantitative', title: 'initial elbow', scale: { scheme: 'viridis', domain: [0, 1] } };
  const detail = { field: 'unit', type: 'nominal' } as const;
  const knots = run.target.knots.map((k) => ({ knot: k }));
  const knotRules: (LayerSpec<Field> | UnitSpec<Field>)[] = knots.length
    ? [{ data: { name: 'knots', values: knots }, mark: { type: 'rule', strokeDash: [4, 4], color: '#bbbbbb' }, encoding: { y: { field: 'knot', type: 'quantitative' } } }]
    : [];
  const elbowPanel: NonNormalizedSpec = {
    width: 620,
    height: 300,
    title: { text: 'Elbow positions −b₁ᵢ/W₁ᵢ', subtitle: [run.config.lastLayerOnly ? 'flat: only W₂ and b₂ train, so every elbow stays where it started' : 'one line per unit', ...(knots.length ? ['dashed: the knots of the target, where ŷ needs a bend'] : [])] },
    layer: [
      ...knotRules,
      {
        data: { name: 'elbow-trajectories', values: rows },
        mark: { type: 'line', strokeWidth: 1.4, clip: true },
        encoding: { x: step, y: { field: 'elbow', type: 'quantitative', title: 'elbow position (x)', scale: { domain: [-0.2, 1.2], nice: false } }, color, detail },
      },
    ],
  };
  const slopePanel: NonNormalizedSpec = {
    width: 620,
    height: 220,
    title: { text: 'Slopes W₂ᵢW₁ᵢ', subtitle: 'how much ŷ’s slope changes at each elbow' },
    data: { name: 'slope-trajectories', values: rows },
    // Symmetric log: one unit running to −17 does not flatten the other 39 into a band around 0.
    mark: { type: 'line', strokeWidth: 1.4, clip: true },
    encoding: { x: step, y: { field: 'slope', type: 'quantitative', title: 'slope change W₂ᵢW₁ᵢ (symmetric log scale)', scale: { type: 'symlog' } }, color, detail },
  };
  return {
    title: { text: 'How the units move during training', fontSize: 16 },
    vconcat: [elbowPanel, slopePanel],
    spacing: 28,
  };
}

/** Train and test MSE on a log scale, with the noise floor σ² that no model can beat on average. */
export function errorSpec(run: TrainingRun): TopLevelSpec {
  const floor = run.config.noise ** 2;
  const y: Position = { field: 'mse', type: 'quantitative', title: 'mean squared error (log scale)', scale: { type: 'log' } };
  return {
    width: 620,
    height: 300,
    title: { text: 'Training and test error', subtitle: `MSE every ${stepFormat(run.config.snapshotEvery)} steps; the test set is ${stepFormat(run.config.testPoints)} fresh points` },
    layer: [
      {
        data: { name: 'errors', values: errorCurves(run) },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'SGD step', axis: stepAxis, scale: { domain: [0, run.config.steps], nice: false } },
          y,
          color: { field: 'set', type: 'nominal', title: null, scale: { domain: ['train', 'test'], range: ['#1f77b4', '#d62728'] }, legend: { orient: 'top-right' } },
        },
      },
      {
        data: { name: 'noise-floor', values: [{ mse: floor, label: `noise floor σ² = ${noiseFloor(run.config.noise)}` }] },
        layer: [
          { mark: { type: 'rule', strokeDash: [6, 4], color: '#555555' }, encoding: { y } },
          { mark: { type: 'text', align: 'left', dx: 6, dy: -7, color: '#555555', fontSize: 11 }, encoding: { y, x: { datum: 0, type: 'quantitative' }, text: { field: 'label' } } },
        ],
      },
    ],
  };
}
