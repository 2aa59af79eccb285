// Test support for generated code: random inputs in the module's ASCII keys, and the comparison of a
// compiled module's value and gradients with the reference evaluator on the symbolic derivatives.
import type { Model } from '../../src/build/index.ts';
import { randomDims, randomValues, rng } from '../../src/check/index.ts';
import type { Compiled, GeneratedDerivative } from '../../src/compile.ts';
import type { DimSizes, Tensor } from '../../src/eval/index.ts';
import { evaluate } from '../../src/eval/index.ts';
import { identifierFor } from '../../src/print/names.ts';

/** ‖a − b‖ / max(‖a‖, ‖b‖) over the finite entries; 0 when equal; Infinity when a non-finite entry differs. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    // The same non-finite result (0/0 in the formula itself) is agreement.
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (a[i] === b[i]) {
      if (Number.isFinite(a[i])) {
        na += a[i] * a[i];
        nb += b[i] * b[i];
      }
      continue;
    }
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) return Infinity;
    diff += (a[i] - b[i]) ** 2;
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (a.length !== b.length) return Infinity;
  const scale = Math.sqrt(Math.max(na, nb));
  return diff === 0 ? 0 : Math.sqrt(diff) / scale;
}

/** Inputs for a module, keyed as it names them. */
export function moduleInputs(model: Model, values: ReadonlyMap<string, Tensor>): Record<string, number | Float64Array> {
  const out: Record<string, number | Float64Array> = {};
  for (const v of model.variables) {
    const t = values.get(v.key) as Tensor;
    out[identifierFor(v.name)] = t.rows === 1 && t.cols === 1 ? t.data[0] : Float64Array.from(t.data);
  }
  return out;
}

export interface Comparison {
  readonly points: number;
  /** Worst relative error of value() and of valueAndGrad().value. */
  readonly value: number;
  /** Worst relative error per gradient key. */
  readonly gradients: Record<string, number>;
}

/** Compares at `points` random points (sizes drawn 2-5 unless `dims` fixes them). Points where the
 * reference value is not finite (log of a negative determinant, say) are skipped, like `check`. */
export function compareWithReference(
  model: Model,
  derivatives: readonly GeneratedDerivative[],
  compiled: Compiled,
  options: { points?: number; seed?: number; dims?: DimSizes; passDims?: boolean } = {},
): Comparison {
  const random = rng(options.seed ?? 7);
  const gradients: Record<string, number> = {};
  let worstValue = 0;
  let points = 0;
  for (let attempt = 0; points < (options.points ?? 3) && attempt < 60; attempt++) {
    const dims = randomDims(model, random, options.dims);
    const values = randomValues(model.variables, dims, random);
    const reference = evaluate(model.output.node, values, dims).data[0];
    if (!Number.isFinite(reference)) continue;
    points++;
    const input = moduleInputs(model, values);
    // Sizes come from the inputs; where they cannot (tr(XA) with X: n×m, A: m×n fixes only nm), from dims.
    let given = options.passDims ? dims : undefined;
    try {
      compiled.value(input, given);
    } catch (e) {
      if (!(e instanceof RangeError && /cannot tell the size/.test(e.message))) throw e;
      given = dims;
    }
    const value = compiled.value(input, given);
    const both = compiled.valueAndGrad(input, given);
    worstValue = Math.max(worstValue, relativeError([value], [reference]), relativeError([both.value], [reference]));
    for (const d of derivatives) {
      const key = identifierFor(d.variable.name);
      const expected = evaluate(d.node, values, dims).data;
      const got = both.grad[key];
      const actual = typeof got === 'number' ? [got] : got;
      gradients[key] = Math.max(gradients[key] ?? 0, relativeError(actual, expected));
    }
  }
  return { points, value: worstValue, gradients };
}
