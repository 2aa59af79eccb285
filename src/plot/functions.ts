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
  readonly points: { readonly x: number; readonly y: number }[];
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
    series.push({ label: shown, kind: 'function', expression, points: finitePoints(xs, sampleAt(model.output.node, v?.key, xs)) });
    if (options.derivative) {
      if (!v) throw new ChainruleError(`${source.trim()} does not depend on a variable; its derivative is 0`);
      const d = differentiate(model, [v.key]).derivatives[0];
      series.push({ label: `d/d${variable} ${shown} = ${d.unicode}`, kind: 'derivative', expression, points: finitePoints(xs, sampleAt(d.node, v.key, xs)) });
    }
  });
  return series;
}

/** Points where the function is defined (log x for x ≤ 0 is left out, not drawn as a wall). */
const finitePoints = (xs: Float64Array, ys: number[]): { x: number; y: number }[] =>
  Array.from(xs, (x, i) => ({ x, y: ys[i] })).filter((p) => Number.isFinite(p.y));

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

export interface FunctionPlotOptions {
  readonly title?: string;
}

/** One line per series; a function and its derivative share a color, the derivative dashed. */
export function functionPlotSpec(series: readonly FunctionSeries[], options: FunctionPlotOptions = {}): TopLevelSpec {
  const rows = series.flatMap((s) => s.points.map((p) => ({ x: p.x, y: p.y, series: s.label, kind: s.kind })));
  const color: ColorDef<Field> = {
    field: 'series',
    type: 'nominal',
    title: null,
    sort: null,
    scale: { domain: series.map((s) => s.label), range: series.map((s) => PALETTE[s.expression % PALETTE.length]) },
    legend: { orient: 'bottom', direction: 'vertical', symbolType: 'stroke', labelLimit: 0 },
  };
  const x: PositionDef<Field> = { field: 'x', type: 'quantitative', title: 'x', scale: { nice: false } };
  const y: PositionDef<Field> = { field: 'y', type: 'quantitative', title: null };
  const hasDerivatives = series.some((s) => s.kind === 'derivative');
  return {
    width: 560,
    height: 340,
    title: { text: options.title ?? (hasDerivatives ? 'Functions and their derivatives' : 'Functions'), subtitle: hasDerivatives ? 'solid: the function; dashed: its derivative, as chainrule differentiates it' : undefined },
    data: { name: 'series', values: rows },
    layer: [
      { mark: { type: 'rule', color: '#999999', strokeWidth: 0.8 }, encoding: { y: { datum: 0, type: 'quantitative' } } },
      {
        mark: { type: 'line', strokeWidth: 2.4 },
        encoding: {
          x,
          y,
          color,
          // On the same field as the color, so the one legend shows the dashes too.
          strokeDash: { field: 'series', type: 'nominal', sort: null, scale: { domain: series.map((s) => s.label), range: series.map((s) => (s.kind === 'derivative' ? [7, 4] : [1, 0])) } },
        },
      },
    ],
  };
}
