// Plots of scalar functions of one variable and of their symbolic derivatives (the DS 102 exercise:
// sketch σ′ and ReLU′ over σ and ReLU). Each expression goes through the whole pipeline: parsed,
// differentiated, simplified, printed for the legend, and sampled by the reference evaluator.
import { differentiate, parse } from '../api.ts';
import type { Model } from '../build/index.ts';
import { ChainruleError } from '../errors.ts';
import type { Node } from '../ir/node.ts';
import { isScalar } from '../ir/shape.ts';
import { evaluate, tensor } from '../eval/index.ts';
import { print } from '../print/index.ts';
import type { ColorDef, Field, PositionDef } from 'vega-lite/build/src/channeldef.js';
import type { TopLevelSpec } from './render.ts';

export interface FunctionSeries {
  /** The legend entry: `σ(x)`, or `d/dx σ(x) = σ(x)(1 − σ(x))`. */
  readonly label: string;
  readonly kind: 'function' | 'derivative';
  /** Which expression (0, 1, …) the series belongs to: functions and their derivatives share a color. */
  readonly expression: number;
  /** Samples where the curve is defined; `piece` counts the gaps (poles, log of x ≤ 0, jumps), so lines break there. */
  readonly points: { readonly x: number; readonly y: number; readonly piece: number }[];
  /** Where the curve jumps (ReLU′ at 0): a filled dot at the value taken there, a hollow one at the limit it is not. */
  readonly jumps: readonly Jump[];
}

export interface Jump {
  readonly x: number;
  /** The value at x, when a sample sits on the jump; undefined when the jump lies between samples. */
  readonly taken?: number;
  /** The one-sided limits, left and right. */
  readonly left: number;
  readonly right: number;
}

export interface SampleOptions {
  readonly range: readonly [number, number];
  readonly derivative: boolean;
  /** Samples per curve (default 601). */
  readonly points?: number;
  /** The variable, when it cannot be found from the expression alone (`x²` could be a matrix power). */
  readonly variable?: string;
}

/** The one variable of a scalar function: the one the expression names, or `x`. */
function variableOf(source: string, given: string | undefined): string {
  if (given) return given;
  try {
    const vars = parse(source).variables;
    if (vars.length === 1) return vars[0].display;
  } catch {
    // `x²` is ambiguous until x is declared: the usual name it is.
  }
  return 'x';
}

/** Parses EXPR as a scalar function of one scalar variable. */
export function scalarFunction(source: string, variable?: string): { model: Model; variable: string } {
  const name = variableOf(source, variable);
  const model = parse(source, { where: `${name}: scalar` });
  const others = model.variables.filter((v) => v.display !== name && v.key !== name);
  if (others.length) {
    throw new ChainruleError(`plot draws functions of one variable, but ${source.trim()} also depends on ${others.map((v) => v.display).join(', ')}`, {
      hint: 'replace the other variables by numbers, or name the variable with --var',
    });
  }
  if (!isScalar(model.output.node.shape)) throw new ChainruleError(`${source.trim()} is not a scalar function of ${name}`);
  return { model, variable: name };
}

const sampleAt = (node: Node, key: string | undefined, xs: Float64Array): number[] =>
  Array.from(xs, (x) => evaluate(node, new Map(key ? [[key, tensor(1, 1, [x])]] : []), {}).data[0]);

export function sampleFunctions(sources: readonly string[], options: SampleOptions): FunctionSeries[] {
  const [a, b] = options.range;
  if (!(a < b)) throw new ChainruleError(`the range ${a}:${b} is empty`, { hint: '--range -5:5' });
  const n = options.points ?? 601;
  // The samples include 0 when it is inside the range: kinks of relu, |x| and 𝟙[x > 0] sit there.
  const grid = new Set<number>(Array.from({ length: n }, (_, k) => a + ((b - a) * k) / (n - 1)));
  if (a < 0 && b > 0) grid.add(0);
  const xs = Float64Array.from([...grid].sort((p, q) => p - q));
  const series: FunctionSeries[] = [];
  sources.forEach((source, expression) => {
    const { model, variable } = scalarFunction(source, options.variable);
    const v = model.variables[0];
    const shown = print(model.output.node, 'unicode');
    const fx = sampleAt(model.output.node, v?.key, xs);
    series.push({ label: shown, kind: 'function', expression, ...definedPieces(xs, fx) });
    if (options.derivative) {
      if (!v) throw new ChainruleError(`${source.trim()} does not depend on a variable; its derivative is 0`);
      const d = differentiate(model, [v.key]).derivatives[0];
      // d/dx (x³ − 3x), but d/dx σ(x): parentheses when the function is a sum or a product.
      const operand = model.output.node.op === 'add' || model.output.node.op === 'mul' ? `(${shown})` : shown;
      series.push({ label: `d/d${variable} ${operand} = ${d.unicode}`, kind: 'derivative', expression, ...definedPieces(xs, sampleAt(d.node, v.key, xs).map((y, i) => (Number.isFinite(fx[i]) ? y : NaN))) });
    }
  });
  return series;
}

/**
 * The samples where the curve is defined (finite), in pieces separated by where it is not: log x is
 * not drawn for x ≤ 0, and 1/x is not joined across its pole. A derivative is drawn only where its
 * function is defined. A jump (a step more than ten times the steps beside it) also ends a piece,
 * so no vertical line is drawn where the function has no value: ReLU′ gets a filled dot at (0, 0)
 * and a hollow one at (0, 1), as a textbook draws a step.
 */
function definedPieces(xs: Float64Array, ys: number[]): { points: { x: number; y: number; piece: number }[]; jumps: Jump[] } {
  const points: { x: number; y: number; piece: number }[] = [];
  const jumps: Jump[] = [];
  let piece = 0;
  let gap = false;
  const finite = ys.map(Number.isFinite);
  const span = Math.max(...ys.filter((_, i) => finite[i])) - Math.min(...ys.filter((_, i) => finite[i])) || 1;
  const step = (i: number): number => (i > 0 && i < ys.length && finite[i] && finite[i - 1] ? Math.abs(ys[i] - ys[i - 1]) : 0);
  xs.forEach((x, i) => {
    if (!finite[i]) {
      gap = true;
      return;
    }
    if (gap && points.length) piece++;
    else if (i > 0 && finite[i - 1] && step(i) > 1e-6 * span && step(i) > 10 * Math.max(step(i - 1), step(i + 1))) {
      // The jump sits on the sample that the grid puts at a kink (0), else between the two samples.
      const left = ys[i - 1];
      const right = ys[i];
      const at = xs[i - 1] === 0 ? xs[i - 1] : x === 0 ? x : (xs[i - 1] + x) / 2;
      const taken = at === xs[i - 1] ? left : at === x ? right : undefined;
      jumps.push({ x: at, taken, left, right });
      if (at !== xs[i - 1]) points.push({ x: at, y: left, piece });
      piece++;
      if (at !== x) points.push({ x: at, y: right, piece });
    }
    gap = false;
    points.push({ x, y: ys[i], piece });
  });
  return { points, jumps };
}

/**
 * The y range: everything, unless a few samples near a pole dwarf the rest (then the central 96%
 * with a margin, and the chart clips the spikes).
 */
export function yRange(series: readonly FunctionSeries[]): [number, number] | undefined {
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).sort((a, b) => a - b);
  if (ys.length === 0) return undefined;
  const q = (t: number) => ys[Math.min(ys.length - 1, Math.floor(t * ys.length))];
  const [lo, hi] = [q(0.02), q(0.98)];
  const full = ys[ys.length - 1] - ys[0];
  if (full <= 10 * Math.max(hi - lo, 1e-12)) return undefined;
  const margin = 0.15 * (hi - lo || 1);
  return [lo - margin, hi + margin];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

export interface FunctionPlotOptions {
  readonly title?: string;
  /** The x interval drawn (default: the samples' extent). */
  readonly range?: readonly [number, number];
}

/**
 * One line per series; a function and its derivative share a color, the derivative dashed. With
 * derivatives, functions and derivatives get a panel each, with its own y scale: relu reaching 5
 * would otherwise squash σ′ (peak ¼) into the bottom of a shared axis. Jumps are dots, filled at
 * the value taken and hollow at the limit not taken.
 */
export function functionPlotSpec(series: readonly FunctionSeries[], options: FunctionPlotOptions = {}): TopLevelSpec {
  const hasDerivatives = series.some((s) => s.kind === 'derivative');
  const title = { text: options.title ?? (hasDerivatives ? 'Functions and their derivatives' : 'Functions'), subtitle: hasDerivatives ? 'top: the functions; bottom: their derivatives, as chainrule differentiates them (dashed)' : undefined };
  if (!hasDerivatives) return { ...panel(series, options, 340), title };
  return {
    title,
    vconcat: [
      { ...panel(series.filter((s) => s.kind === 'function'), options, 240), title: { text: 'f(x)', anchor: 'start', fontSize: 12 } },
      { ...panel(series.filter((s) => s.kind === 'derivative'), options, 200), title: { text: 'f′(x)', anchor: 'start', fontSize: 12 } },
    ],
    spacing: 22,
    resolve: { scale: { color: 'independent', strokeDash: 'independent', y: 'independent' } },
  };
}

function panel(series: readonly FunctionSeries[], options: FunctionPlotOptions, height: number) {
  const kind = series[0]?.kind ?? 'function';
  const rows = series.flatMap((s) => s.points.map((p) => ({ x: p.x, y: p.y, series: s.label, kind: s.kind, piece: p.piece })));
  const dots = series.flatMap((s) =>
    s.jumps.flatMap((j) => [
      ...(j.taken !== undefined ? [{ x: j.x, y: j.taken, series: s.label, filled: 'taken' }] : []),
      ...[j.left, j.right].filter((y) => y !== j.taken).map((y) => ({ x: j.x, y, series: s.label, filled: 'limit' })),
    ]),
  );
  const range = yRange(series);
  const labels = series.map((s) => s.label);
  const colors = series.map((s) => PALETTE[s.expression % PALETTE.length]);
  const color: ColorDef<Field> = {
    field: 'series',
    type: 'nominal',
    title: null,
    sort: null,
    scale: { domain: labels, range: colors },
    legend: { orient: 'bottom', direction: 'vertical', symbolType: 'stroke', labelLimit: 0 },
  };
  const x: PositionDef<Field> = { field: 'x', type: 'quantitative', title: 'x', scale: { nice: false, ...(options.range ? { domain: [...options.range] } : {}) } };
  // A few pixels of padding: a curve along the top of its range (ReLU′ = 1) stays inside the frame.
  const y: PositionDef<Field> = { field: 'y', type: 'quantitative', title: null, scale: range ? { domain: range, nice: true } : { padding: 6 } };
  return {
    width: 560,
    height,
    data: { name: `series-${kind}`, values: rows },
    layer: [
      { mark: { type: 'rule' as const, color: '#999999', strokeWidth: 0.8 }, encoding: { y: { datum: 0, type: 'quantitative' as const } } },
      {
        mark: { type: 'line' as const, strokeWidth: 2.4, clip: true },
        encoding: {
          x,
          y,
          color,
          detail: { field: 'piece', type: 'nominal' as const },
          // On the same field as the color, so the one legend shows the dashes too.
          strokeDash: { field: 'series', type: 'nominal' as const, sort: null, scale: { domain: labels, range: series.map((s) => (s.kind === 'derivative' ? [7, 4] : [1, 0])) } },
        },
      },
      ...(dots.length
        ? [
            {
              data: { name: `jumps-${kind}`, values: dots },
              mark: { type: 'point' as const, size: 70, strokeWidth: 2, opacity: 1, clip: true },
              encoding: {
                x: { field: 'x', type: 'quantitative' as const },
                y: { field: 'y', type: 'quantitative' as const },
                stroke: { field: 'series', type: 'nominal' as const, scale: { domain: labels, range: colors }, legend: null },
                fill: { condition: { test: "datum.filled === 'taken'", field: 'series', type: 'nominal' as const, scale: { domain: labels, range: colors }, legend: null }, value: 'white' },
              },
            },
          ]
        : []),
    ],
  };
}
