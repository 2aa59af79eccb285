// Values as JSON: numbers, vectors as arrays, matrices as arrays of rows, to and from the
// evaluator's tensors. `--at` files, `diff --at --format json`, the graph's node values and the
// library's bindValues all convert here.
import { ChainruleError } from '../errors.ts';
import type { Node } from '../ir/node.ts';
import { isColumn, isScalar } from '../ir/shape.ts';
import type { DimSizes, Tensor } from './index.ts';
import { tensor } from './index.ts';

/** A value as written in JSON: a number, a vector, or a matrix as an array of rows. */
export type JsonValue = number | number[] | number[][];

export function toTensor(name: string, value: unknown): Tensor {
  const t = tensorOf(name, value);
  // JSON has no NaN or ∞; a literal too large for a double (1e400) parses as Infinity: refuse it.
  const bad = t.data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    const where = t.data.length === 1 ? '' : t.cols === 1 ? ` at entry ${bad + 1}` : ` at row ${Math.floor(bad / t.cols) + 1}, column ${(bad % t.cols) + 1}`;
    throw new ChainruleError(`the value of ${name}${where} is not a finite number`, { hint: 'a number beyond ±1.8e308 (like 1e400) overflows a double; values must be finite' });
  }
  return t;
}

function tensorOf(name: string, value: unknown): Tensor {
  if (typeof value === 'number') return tensor(1, 1, [value]);
  if (Array.isArray(value) && value.every((x) => typeof x === 'number')) return tensor(value.length, 1, value as number[]);
  if (Array.isArray(value) && value.length > 0 && value.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'))) {
    const rows = value as number[][];
    const cols = rows[0].length;
    if (rows.some((r) => r.length !== cols)) throw new ChainruleError(`the rows of ${name} have different lengths`);
    return tensor(rows.length, cols, rows.flat());
  }
  throw new ChainruleError(`the value of ${name} must be a number, an array of numbers, or an array of rows`);
}

/** JSON form of a value of the given shape: number, vector, or rows. */
export function fromTensor(t: Tensor, shapeOfValue: Node['shape']): JsonValue {
  if (isScalar(shapeOfValue)) return t.data[0];
  if (isColumn(shapeOfValue)) return Array.from(t.data);
  return Array.from({ length: t.rows }, (_, i) => Array.from(t.data.subarray(i * t.cols, (i + 1) * t.cols)));
}

export interface Bound {
  readonly values: Map<string, Tensor>;
  readonly dims: DimSizes;
}
