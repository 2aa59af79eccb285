// The typed tree that inference works on: IR ops, but with dimensions still as union-find terms.
// `resolve.ts` turns it into interned IR once every dimension is known.
import type { Span } from '../syntax/ast.ts';
import type { Op, OpAttrs } from '../ir/node.ts';
import type { DimTerm } from './dims.ts';
import { ONE_DIM, fresh, isOne } from './dims.ts';

export interface Typed {
  readonly op: Op;
  readonly args: readonly Typed[];
  readonly rows: DimTerm;
  readonly cols: DimTerm;
  readonly attr: OpAttrs[Op];
  readonly span: Span;
  /** A number the user typed: `1` may become 𝟙 where a vector is required, `0` the zero of any shape. */
  readonly literal?: number;
  /** How the user wrote it, for messages (`Wx`, `x`). */
  readonly text: string;
}

export const isScalarTyped = (t: Typed): boolean => isOne(t.rows) && isOne(t.cols);
export const isColumnTyped = (t: Typed): boolean => isOne(t.cols) && !isOne(t.rows);
export const isRowTyped = (t: Typed): boolean => isOne(t.rows) && !isOne(t.cols);

export function typed<O extends Op>(
  op: O,
  args: readonly Typed[],
  rows: DimTerm,
  cols: DimTerm,
  attr: OpAttrs[O],
  span: Span,
  text: string,
  literal?: number,
): Typed {
  return { op, args, rows, cols, attr, span, text, literal };
}

export const scalarTyped = <O extends Op>(op: O, args: readonly Typed[], attr: OpAttrs[O], span: Span, text: string): Typed =>
  typed(op, args, ONE_DIM, ONE_DIM, attr, span, text);

export const freshColumn = (): { rows: DimTerm; cols: DimTerm } => ({ rows: fresh(), cols: ONE_DIM });
