// Determinant and inverse of a dense square matrix for the reference evaluator, by Gaussian
// elimination with partial pivoting (the largest remaining entry of each column becomes the pivot,
// so rounding stays bounded by the matrix's conditioning). Hand-written so that evaluating an
// expression loads no linear-algebra library; test/eval/linalg.test.ts checks both against mathjs.
import type { Tensor } from './index.ts';

/** Row-major copy of a square matrix, and its order. */
function squareCopy(a: Tensor): { m: Float64Array; n: number } {
  if (a.rows !== a.cols) throw new RangeError(`a ${a.rows}×${a.cols} matrix is not square`);
  return { m: Float64Array.from(a.data), n: a.rows };
}

function swapRows(m: Float64Array, n: number, i: number, j: number): void {
  for (let k = 0; k < n; k++) {
    const t = m[i * n + k];
    m[i * n + k] = m[j * n + k];
    m[j * n + k] = t;
  }
}

/** The row at or below `col` whose entry in column `col` is largest in magnitude. */
function pivotRow(m: Float64Array, n: number, col: number): number {
  let best = col;
  for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[best * n + col])) best = r;
  return best;
}

/** det A: the product of the pivots of the LU factorization, its sign flipped by each row swap. */
export function determinant(a: Tensor): number {
  const { m, n } = squareCopy(a);
  let det = 1;
  for (let col = 0; col < n; col++) {
    const p = pivotRow(m, n, col);
    if (m[p * n + col] === 0) return 0;
    if (p !== col) {
      swapRows(m, n, p, col);
      det = -det;
    }
    const pivot = m[col * n + col];
    det *= pivot;
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col] / pivot;
      if (f === 0) continue;
      for (let k = col; k < n; k++) m[r * n + k] -= f * m[col * n + k];
    }
  }
  return det;
}

/** A⁻¹ by Gauss–Jordan elimination on [A | I]; undefined when a pivot is exactly zero (A singular). */
export function inverse(a: Tensor): Tensor | undefined {
  const { m, n } = squareCopy(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    const p = pivotRow(m, n, col);
    if (m[p * n + col] === 0) return undefined;
    if (p !== col) {
      swapRows(m, n, p, col);
      swapRows(inv, n, p, col);
    }
    const pivot = m[col * n + col];
    for (let k = 0; k < n; k++) {
      m[col * n + k] /= pivot;
      inv[col * n + k] /= pivot;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r * n + col];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        m[r * n + k] -= f * m[col * n + k];
        inv[r * n + k] -= f * inv[col * n + k];
      }
    }
  }
  return { rows: n, cols: n, data: inv };
}
