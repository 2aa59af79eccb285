// Shapes: every value is rows × cols. A scalar is 1×1, a (column) vector n×1, its transpose 1×n.
// Dimensions are numbers or symbols (`n`, `m`); inference (in `build/`) turns its unknowns into one of these.

export type Dim = number | string;

export interface Shape {
  readonly rows: Dim;
  readonly cols: Dim;
}

export const SCALAR: Shape = Object.freeze({ rows: 1, cols: 1 });

export function shape(rows: Dim, cols: Dim): Shape {
  return rows === 1 && cols === 1 ? SCALAR : { rows, cols };
}

export const vectorShape = (n: Dim): Shape => shape(n, 1);
export const isScalar = (s: Shape): boolean => s.rows === 1 && s.cols === 1;
export const isColumn = (s: Shape): boolean => s.cols === 1 && s.rows !== 1;
export const isRow = (s: Shape): boolean => s.rows === 1 && s.cols !== 1;
export const isVectorLike = (s: Shape): boolean => isColumn(s) || isRow(s);
export const isMatrix = (s: Shape): boolean => s.rows !== 1 && s.cols !== 1;
export const isSquare = (s: Shape): boolean => s.rows === s.cols;
export const sameShape = (a: Shape, b: Shape): boolean => a.rows === b.rows && a.cols === b.cols;
export const transposed = (s: Shape): Shape => shape(s.cols, s.rows);

export function shapeKey(s: Shape): string {
  return `${s.rows}x${s.cols}`;
}

/** `scalar`, `n`, `1×n`, `n×m`: the way the notes write shapes. */
export function describeShape(s: Shape): string {
  if (isScalar(s)) return 'scalar';
  if (isColumn(s)) return `${s.rows}`;
  return `${s.rows}×${s.cols}`;
}

/** The symbolic dimensions a shape mentions. */
export function dimSymbols(s: Shape): string[] {
  return [s.rows, s.cols].filter((d): d is string => typeof d === 'string');
}
