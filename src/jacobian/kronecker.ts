// The Kronecker/vec form of a differential whose terms are all c·A dX B or c·A dXᵀ B:
//   vec(A dX B) = (Bᵀ ⊗ A) vec(dX),   vec(A dXᵀ B) = (Bᵀ ⊗ A) K vec(dX)
// with vec stacking columns and K the commutation matrix (K vec(X) = vec(Xᵀ)), as in Magnus and
// Neudecker, *Matrix Differential Calculus*, ch. 2 and the Matrix Cookbook §10.2.
import type { Tensor } from '../eval/index.ts';
import { evaluate, sizeOf, tensor } from '../eval/index.ts';
import * as C from '../ir/construct.ts';
import type { Node } from '../ir/node.ts';
import { memoize } from '../ir/node.ts';
import { isColumn, isScalar } from '../ir/shape.ts';
import type { Format } from '../print/index.ts';
import { print } from '../print/index.ts';
import { Simplifier } from '../simplify/index.ts';
import type { DimSizes, Values } from '../eval/index.ts';

/** c·(right ⊗ left)·[K]: one term of vec(dF) = Σ terms · vec(dX). */
export interface KroneckerTerm {
  /** The scalar coefficient (1 when there is none). */
  readonly coefficient: Node;
  /** A in A dX B (the identity when dX stands first). */
  readonly left: Node;
  /** Bᵀ in A dX B (the identity when dX stands last). */
  readonly right: Node;
  /** The term holds dXᵀ: the commutation matrix K follows. */
  readonly commuted: boolean;
}

export interface KroneckerForm {
  readonly terms: readonly KroneckerTerm[];
}

/** The Kronecker form of `df`, linear in `direction`; undefined unless every term is c·A dX B or c·A dXᵀ B. */
export function kroneckerForm(df: Node, direction: Node): KroneckerForm | undefined {
  const moves = memoize((x: Node): boolean => x === direction || x.args.some(moves));
  const simplifier = new Simplifier();
  const v = direction.shape;
  // a ⊙ L(dX) = diag(a) L(dX) for a column: the diagonal joins each term's left factor.
  const terms = (t: Node): KroneckerTerm[] | undefined => {
    if (t.op === 'add') {
      const parts = t.args.map(terms);
      return parts.some((p) => p === undefined) ? undefined : (parts as KroneckerTerm[][]).flat();
    }
    if (t.op === 'hadamard' && isColumn(t.shape)) {
      const at = t.args.flatMap((f, i) => (moves(f) ? [i] : []));
      if (at.length !== 1) return undefined;
      const inner = terms(t.args[at[0]]);
      const scale = C.diag(C.hadamard(...t.args.filter((_, i) => i !== at[0])));
      return inner?.map((k) => ({ ...k, left: simplifier.simplify(C.matmul(scale, k.left)) }));
    }
    if (t.op === 'mul' && isScalar(t.args[t.args.length - 1].shape) === false && t.args[t.args.length - 1].op === 'hadamard') {
      const last = t.args[t.args.length - 1];
      const scalars = t.args.slice(0, -1);
      if (scalars.some(moves)) return undefined;
      return terms(last)?.map((k) => ({ ...k, coefficient: C.mulAll([...scalars, k.coefficient]) }));
    }
    const one = term(t);
    return one && [one];
  };
  const term = (t: Node): KroneckerTerm | undefined => {
    let coefficient: Node = C.ONE;
    let rest = t;
    if (t.op === 'mul') {
      const scalars = t.args.slice(0, -1);
      if (scalars.some(moves) || t.args.length < 2) return undefined;
      coefficient = C.mulAll(scalars);
      rest = t.args[t.args.length - 1];
    }
    const chain = rest.op === 'matmul' ? rest.args : [rest];
    const at = chain.flatMap((f, i) => (moves(f) ? [i] : []));
    if (at.length !== 1) return undefined;
    const x = chain[at[0]];
    const commuted = x.op === 'transpose' && x.args[0] === direction;
    if (x !== direction && !commuted) return undefined;
    const before = chain.slice(0, at[0]);
    const after = chain.slice(at[0] + 1);
    const left = before.length ? C.matmul(...before) : C.identity(commuted ? v.cols : v.rows);
    const right = after.length ? simplifier.simplify(C.transpose(C.matmul(...after))) : C.identity(commuted ? v.rows : v.cols);
    return { coefficient, left, right, commuted };
  };
  const found = terms(df);
  return found && { terms: found };
}

/** `vec(dF) = (Bᵀ ⊗ A) vec(dX)` in a notation. */
export function printKronecker(form: KroneckerForm, f: Format, out: string, of: string, fold: (n: Node) => Node = (n) => n): string {
  const show = (n: Node) => print(fold(n), f);
  const kron = f === 'latex' ? ' \\otimes ' : f === 'unicode' ? ' ⊗ ' : ' kron ';
  const minus = f === 'unicode' ? '−' : '-';
  const parts = form.terms.map((t, i) => {
    const negative = t.coefficient.op === 'const' && t.coefficient.attr.num < 0;
    const c = negative ? C.neg(t.coefficient) : t.coefficient;
    const body = `${C.isOne(c) ? '' : show(c)}(${show(t.right)}${kron}${show(t.left)})${t.commuted ? 'K' : ''}`;
    if (i === 0) return negative ? `${minus}${body}` : body;
    return negative ? ` ${minus} ${body}` : ` + ${body}`;
  });
  const sum = parts.join('');
  const matrix = form.terms.length > 1 ? `(${sum})` : sum;
  const d = f === 'latex' ? '\\mathrm{d}' : 'd';
  const vec = f === 'latex' ? '\\operatorname{vec}' : 'vec';
  return `${vec}(${d}${out}) = ${matrix} ${vec}(${d}${of})`;
}

/** The matrix Σ c(Bᵀ ⊗ A)[K] evaluated: rows index vec(dF), columns vec(dX), both column-stacked. */
export function kroneckerTensor(form: KroneckerForm, direction: Node, values: Values, dims: DimSizes): Tensor {
  const m = sizeOf(direction.shape.rows, dims);
  const n = sizeOf(direction.shape.cols, dims);
  let out: Tensor | undefined;
  for (const t of form.terms) {
    const c = evaluate(t.coefficient, values, dims).data[0];
    const a = evaluate(t.left, values, dims);
    const b = evaluate(t.right, values, dims);
    const rows = a.rows * b.rows;
    const cols = a.cols * b.cols;
    out ??= tensor(rows, m * n);
    // (B ⊗ A)[(i_b·a.rows + i_a), (j_b·a.cols + j_a)] = B[i_b, j_b]·A[i_a, j_a]
    for (let ib = 0; ib < b.rows; ib++)
      for (let jb = 0; jb < b.cols; jb++)
        for (let ia = 0; ia < a.rows; ia++)
          for (let ja = 0; ja < a.cols; ja++) {
            let col = jb * a.cols + ja;
            // K vec(dX) = vec(dXᵀ): column (r + c·n) of the transposed n×m ⇐ entry (c, r) of dX, at c + r·m.
            if (t.commuted) {
              const r = col % n;
              const cc = Math.floor(col / n);
              col = cc + r * m;
            }
            out.data[(ib * a.rows + ia) * (m * n) + col] += c * b.data[ib * b.cols + jb] * a.data[ia * a.cols + ja];
          }
    void cols;
  }
  return out as Tensor;
}
