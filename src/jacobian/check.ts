// Numeric checks of Jacobians and Hessians, for `chainrule check --jacobian/--hessian`: every printed
// form (the matrix when there is one, else the differential) evaluated and compared with central
// differences, of the output for a Jacobian and of the gradient for a Hessian, at seeded random points.
import type { Model, VariableInfo } from '../build/index.ts';
import { randomDims, randomValues, rng } from '../check/index.ts';
import type { DimSizes, Tensor } from '../eval/index.ts';
import { evaluate, inferDims, tensor, transposeTensor } from '../eval/index.ts';
import type { Node } from '../ir/node.ts';
import { isColumn, isScalar } from '../ir/shape.ts';
import type { HessianResult, JacobianResult, LinearMap } from './index.ts';
import { linearMapTensor } from './index.ts';

export interface SecondOrderCheck {
  /** `x` for a Jacobian or a diagonal Hessian block, `x,y` for a mixed block. */
  readonly block: string;
  /** Worst relative error over the points tried. */
  readonly relativeError: number;
  readonly points: number;
}

/** ∂output/∂variable by central differences: output entries × variable entries, both row-major. */
export function numericJacobian(output: Node, variable: VariableInfo, values: ReadonlyMap<string, Tensor>, dims: DimSizes, step = 1e-6): Tensor {
  const x = values.get(variable.key) as Tensor;
  let out: Tensor | undefined;
  for (let j = 0; j < x.data.length; j++) {
    const h = step * Math.max(1, Math.abs(x.data[j]));
    const at = (delta: number) => {
      const data = Float64Array.from(x.data);
      data[j] += delta;
      return evaluate(output, new Map(values).set(variable.key, { rows: x.rows, cols: x.cols, data }), dims);
    };
    const plus = at(h);
    const minus = at(-h);
    out ??= tensor(plus.data.length, x.data.length);
    for (let i = 0; i < plus.data.length; i++) out.data[i * x.data.length + j] = (plus.data[i] - minus.data[i]) / (2 * h);
  }
  return out as Tensor;
}

/** ‖a − b‖ / max(‖a‖, ‖b‖, floor); Infinity for different lengths or NaN. */
export function relative(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): number {
  let diff = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  const e = Math.sqrt(diff) / Math.max(Math.sqrt(na), Math.sqrt(nb), floor);
  return a.length !== b.length || Number.isNaN(e) ? Infinity : e;
}

/** What is printed, as a dense array in entry order: the matrix (a matrix variable's numerator-layout
 * block transposed back), else the differential along each unit direction. */
function printedTensor(map: LinearMap, column: VariableInfo, bound: { values: Map<string, Tensor>; dims: DimSizes }, gradientLayout: boolean): Tensor {
  if (!map.matrix) return linearMapTensor(map.differential, map.direction, bound);
  const m = evaluate(map.matrix, bound.values, bound.dims);
  const matrixVariable = !isScalar(column.shape) && !isColumn(column.shape);
  return matrixVariable !== gradientLayout ? transposeTensor(m) : m;
}

function checkMaps(model: Model, maps: readonly { block: string; map: LinearMap; of: Node; column: VariableInfo }[], gradientLayout: boolean, options: { points?: number; seed?: number }): SecondOrderCheck[] {
  const random = rng(options.seed ?? 1);
  const worst = new Map<string, { error: number; points: number }>();
  const wanted = options.points ?? 3;
  for (let p = 0, attempts = 0; p < wanted && attempts < wanted * 20; attempts++) {
    const drawn = randomDims(model, random);
    const values = randomValues(model.variables, drawn, random);
    const value = evaluate(model.output.node, values, drawn);
    if (!value.data.every(Number.isFinite)) continue;
    p++;
    const bound = { values, dims: inferDims(model.variables, values, drawn) };
    for (const { block, map, of, column } of maps) {
      const numeric = numericJacobian(of, column, values, bound.dims);
      const floor = 1e-3 * Math.max(1, ...evaluate(of, values, bound.dims).data.map(Math.abs));
      const e = relative(printedTensor(map, column, bound, gradientLayout).data, numeric.data, floor);
      const w = worst.get(block) ?? { error: 0, points: 0 };
      worst.set(block, { error: Math.max(w.error, e), points: w.points + 1 });
    }
  }
  return maps.map(({ block }) => ({ block, relativeError: worst.get(block)?.error ?? NaN, points: worst.get(block)?.points ?? 0 }));
}

/** Each Jacobian against central differences of the output. */
export function checkJacobians(result: JacobianResult, options: { points?: number; seed?: number } = {}): SecondOrderCheck[] {
  const maps = result.jacobians.map((j) => ({ block: j.variable.display, map: j, of: result.model.output.node, column: j.variable }));
  return checkMaps(result.model, maps, result.layout === 'gradient', options);
}

/** Each Hessian block against central differences of the gradient. */
export function checkHessians(result: HessianResult, options: { points?: number; seed?: number } = {}): SecondOrderCheck[] {
  const maps = result.blocks.map((b) => ({ block: b.row === b.col ? b.row.display : `${b.row.display},${b.col.display}`, map: b, of: result.gradients.get(b.row) as Node, column: b.col }));
  return checkMaps(result.model, maps, false, options);
}
