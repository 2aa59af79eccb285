// Test support for Jacobians and Hessians: central finite differences of an output of any shape,
// and the comparisons every printed Jacobian and Hessian goes through.
import type { Model, VariableInfo } from '../../src/build/index.ts';
import type { Bound } from '../../src/api.ts';
import { randomDims, randomValues, rng } from '../../src/check/index.ts';
import type { DimSizes, Tensor } from '../../src/eval/index.ts';
import { evaluate, evaluateAll, inferDims, tensor, transposeTensor } from '../../src/eval/index.ts';
import type { Node } from '../../src/ir/node.ts';
import { isColumn, isScalar } from '../../src/ir/shape.ts';
import type { LinearMap } from '../../src/jacobian/index.ts';
import { linearMapTensor } from '../../src/jacobian/index.ts';
import { kroneckerTensor } from '../../src/jacobian/kronecker.ts';
import { relative as relativeBetween } from '../../src/jacobian/check.ts';
import { kinkDistance } from '../check/support.ts';

/** ∂output/∂variable by central differences (the one `chainrule check --jacobian` uses). */
export { numericJacobian } from '../../src/jacobian/check.ts';

/** ‖a − b‖ / max(‖a‖, ‖b‖, floor), as `chainrule check --jacobian` measures it. */
export const relative = (a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number => relativeBetween(a, b, floor);

/** Random points (values and sizes) where the model is finite and away from kinks. */
export function* smoothPoints(model: Model, seed: number, wanted: number, fixed: DimSizes = {}): Generator<Bound> {
  const random = rng(seed);
  let found = 0;
  for (let attempt = 0; attempt < wanted * 10 && found < wanted; attempt++) {
    const dims = randomDims(model, random, fixed);
    const values = randomValues(model.variables, dims, random);
    const all = evaluateAll([model.output.node], values, dims);
    const value = all.get(model.output.node) as Tensor;
    if (!value.data.every((x) => Number.isFinite(x) && Math.abs(x) < 1e8) || kinkDistance(all) < 1e-3) continue;
    found++;
    yield { values, dims: inferDims(model.variables, values, dims) };
  }
}

/** The matrix form evaluated with entries in the order of the dense Jacobian (output entries × variable
 * entries, row-major): a matrix variable's numerator-layout form is transposed back. */
export function matrixInEntryOrder(map: LinearMap, variable: VariableInfo, bound: Bound): Tensor | undefined {
  if (!map.matrix) return undefined;
  const m = evaluate(map.matrix, bound.values, bound.dims);
  const matrixVariable = !isScalar(variable.shape) && !isColumn(variable.shape);
  return matrixVariable ? transposeTensor(m) : m;
}

/** The Kronecker form evaluated, reordered from vec (column-stacked) to row-major entries. */
export function kroneckerInEntryOrder(map: LinearMap, output: Node, bound: Bound): Tensor | undefined {
  if (!map.kronecker) return undefined;
  const k = kroneckerTensor(map.kronecker, map.direction, bound.values, bound.dims);
  const f = evaluate(output, bound.values, bound.dims);
  const rows = Number(sizeOfDim(map.direction.shape.rows, bound));
  const cols = Number(sizeOfDim(map.direction.shape.cols, bound));
  const out = tensor(f.data.length, rows * cols);
  for (let fr = 0; fr < f.rows; fr++)
    for (let fc = 0; fc < f.cols; fc++)
      for (let xr = 0; xr < rows; xr++)
        for (let xc = 0; xc < cols; xc++) out.data[(fr * f.cols + fc) * rows * cols + xr * cols + xc] = k.data[(fr + fc * f.rows) * rows * cols + xr + xc * rows];
  return out;
}

function sizeOfDim(d: number | string, bound: Bound): number {
  return typeof d === 'number' ? d : (bound.dims[d] as number);
}

export { linearMapTensor };
