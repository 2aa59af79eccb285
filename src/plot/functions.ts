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
  /** Samples where the curve is defined; `piece` counts the gaps (poles, log of x ≤ 0), so lines break there. */
  readonly points: { readonly x: number; readonly y: number; readonly piece: number }[];
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
    series.push({ label: shown, kind: 'function', expression, points: definedPieces(xs, fx) });
    if (options.derivative) {
      if (!v) throw new ChainruleError(`${source.trim()} does not depend on a variable; its derivative is 0`);
      const d = differentiate(model, [v.key]).derivatives[0];
      // d/dx (x³ − 3x), but d/dx σ(x): parentheses when the function is a sum or a product.
      const operand = model.output.node.op === 'add' || model.output.node.op === 'mul' ? `(${shown})` : shown;
      series.push({ label: `d/d${variable} ${operand} = ${d.unicode}`, kind: 'derivative', expression, points: definedPieces(xs, sampleAt(d.node, v.key, xs).map((y, i) => (Number.isFinite(fx[i]) ? y : NaN))) });
    }
  });
  return series;
}

/**
 * The samples where the curve is defined (finite), in pieces separated by where it is not: log x is
 * not drawn for x ≤ 0, and 1/x is not joined across its pole. A derivative is drawn only where its
 * function is defined.
 */
function definedPieces(xs: Float64Array, ys: number[]): { x: number; y: number; piece: number }[] {
  const out: { x: number; y: number; piece: number }[] = [];
  let piece = 0;
  let gap = false;
  xs.forEach((x, i) => {
    if (!Number.isFinite(ys[i])) {
      gap = true;
      return;
    }
    if (gap && out.length) piece++;
    gap = false;
    out.push({ x, y: ys[i], piece });
  });
  return out;
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

/** One line per series; a function and its derivative share a color, the derivative dashed. */
export function functionPlotSpec(series: readonly FunctionSeries[], options: FunctionPlotOptions = {}): TopLevelSpec {
  const rows = series.flatMap((s) => s.points.map((p) => ({ x: p.x, y: p.y, series: s.label, kind: s.kind, piece: p.piece })));
  const range = yRange(series);
  const color: ColorDef<Field> = {
    field: 'series',
    type: 'nominal',
    title: null,
    sort: null,
    scale: { domain: series.map((s) => s.label), range: series.map((s) => PALETTE[s.expression % PALETTE.length]) },
    legend: { orient: 'bottom', direction: 'vertical', symbolType: 'stroke', labelLimit: 0 },
  };
  const x: PositionDef<Field> = { field: 'x', type: 'quantitative', title: 'x', scale: { nice: false, ...(options.range ? { domain: [...options.range] } : {}) } };
  const y: PositionDef<Field> = { field: 'y', type: 'quantitative', title: null, ...(range ? { scale: { domain: range, nice: true } } : {}) };
  const hasDerivatives = series.some((s) => s.kind === 'derivative');
  return {
    width: 560,
    height: 340,
    title: { text: options.title ?? (hasDerivatives ? 'Functions and their derivatives' : 'Functions'), subtitle: hasDerivatives ? 'solid: the function; dashed: its derivative, as chainrule differentiates it' : undefined },
    data: { name: 'series', values: rows },
    layer: [
      { mark: { type: 'rule', color: '#999999', strokeWidth: 0.8 }, encoding: { y: { datum: 0, type: 'quantitative' } } },
      {
        mark: { type: 'line', strokeWidth: 2.4, clip: true },
        encoding: {
          x,
          y,
          color,
          detail: { field: 'piece', type: 'nominal' },
          // On the same field as the color, so the one legend shows the dashes too.
          strokeDash: { field: 'series', type: 'nominal', sort: null, scale: { domain: series.map((s) => s.label), range: series.map((s) => (s.kind === 'derivative' ? [7, 4] : [1, 0])) } },
        },
      },
    ],
  };
}
