// The matrix of a linear map. A differential dF = L(dx) along a column direction dx (an IR expression
// linear in it) is rewritten as J dx, and J is returned: the Jacobian in numerator layout. Each case
// states the identity that moves dx to the right; an expression none of them covers gives undefined
// (the caller then prints the differential itself, which always exists).
import { internalError } from '../errors.ts';
import * as C from '../ir/construct.ts';
import type { Node } from '../ir/node.ts';
import { memoize } from '../ir/node.ts';
import { isColumn, isScalar, shape } from '../ir/shape.ts';

/** Xᵀ pushed one level into X's op, so the direction comes nearer the surface:
 * (AB)ᵀ = BᵀAᵀ, (A + B)ᵀ = Aᵀ + Bᵀ, (sA)ᵀ = sAᵀ, (A ⊙ B)ᵀ = Aᵀ ⊙ Bᵀ, diag(w)ᵀ = diag(w), (Aᵀ)ᵀ = A. */
export function transposeInto(x: Node): Node {
  switch (x.op) {
    case 'transpose':
      return x.args[0];
    case 'matmul':
      return C.matmul(...[...x.args].reverse().map(C.transpose));
    case 'add':
      return C.addAll(x.args.map(C.transpose));
    case 'mul':
      return C.mulAll(x.args.map(C.transpose));
    case 'hadamard':
      return C.hadamard(...x.args.map(C.transpose));
    case 'diag':
      return isColumn(x.args[0].shape) ? x : C.transpose(x);
    default:
      return C.transpose(x);
  }
}

/** J with e = J·v, for an expression e (a column or a scalar) linear in the column direction v;
 * undefined when no rule covers e. */
export function linearMatrix(e: Node, v: Node): Node | undefined {
  if (!isColumn(v.shape)) throw internalError('linearMatrix needs a column direction');
  const n = v.shape.rows;
  const moves = memoize((x: Node): boolean => x === v || x.args.some(moves));
  const zero = (rows: Node['shape']['rows']) => C.zeros(shape(rows, n));
  const sum = (parts: readonly (Node | undefined)[]): Node | undefined =>
    parts.some((p) => p === undefined) ? undefined : C.addAll(parts as Node[]);
  /** The one operand that moves (a linear expression has one per product); undefined if several. */
  const movingOperand = (args: readonly Node[]): number | undefined => {
    const at = args.flatMap((a, i) => (moves(a) ? [i] : []));
    return at.length === 1 ? at[0] : undefined;
  };
  const product = (factors: readonly Node[]): Node | undefined => (factors.length ? C.matmul(...factors) : undefined);

  // e (column k or scalar) = J v, J: k×n
  const lin = (e: Node): Node | undefined => {
    if (e === v) return C.identity(n);
    if (!moves(e)) return zero(e.shape.rows);
    switch (e.op) {
      case 'add': //                       d(a + b) = da + db
        return sum(e.args.filter(moves).map(lin));
      case 'mul': {
        const i = movingOperand(e.args);
        if (i === undefined) return undefined;
        const m = e.args[i];
        const rest = e.args.filter((_, j) => j !== i);
        if (isScalar(m.shape) && !isScalar(e.shape)) {
          // s(v)·t = t·s(v) = t (J_s v):   J = t J_s
          const t = rest[rest.length - 1];
          const js = lin(m);
          return js && C.mulAll([...rest.slice(0, -1), C.matmul(t, js)]);
        }
        const jm = lin(m); //               c·m(v):   J = c J_m
        return jm && C.mulAll([...rest, jm]);
      }
      case 'matmul': {
        // P X(v) q:   J = P · (matrix of X(v) q)
        const i = movingOperand(e.args);
        if (i === undefined) return undefined;
        const p = product(e.args.slice(0, i));
        const q = product(e.args.slice(i + 1));
        const inner = q === undefined ? lin(e.args[i]) : linTimes(e.args[i], q);
        return inner && (p ? C.matmul(p, inner) : inner);
      }
      case 'hadamard': {
        // a ⊙ w(v) = diag(a) w(v)
        const i = movingOperand(e.args);
        if (i === undefined) return undefined;
        const jm = lin(e.args[i]);
        return jm && C.matmul(C.diag(C.hadamard(...e.args.filter((_, j) => j !== i))), jm);
      }
      case 'transpose': {
        const pushed = transposeInto(e.args[0]);
        return pushed.op === 'transpose' ? undefined : lin(pushed);
      }
      case 'diag':
        return linDiag(e.args[0]);
      case 'trace':
        return linTrace(e.args[0]);
      default:
        return undefined;
    }
  };

  // A(v) q for a matrix or row A(v) linear in v and a fixed column q:   J (k×n)
  const linTimes = (a: Node, q: Node): Node | undefined => {
    if (!moves(a)) return zero(a.shape.rows);
    if (isScalar(q.shape)) {
      const ja = lin(a);
      return ja && C.mul(q, ja);
    }
    switch (a.op) {
      case 'add': //                       (A + B)q = Aq + Bq
        return sum(a.args.filter(moves).map((t) => linTimes(t, q)));
      case 'mul': {
        const i = movingOperand(a.args);
        if (i === undefined) return undefined;
        const m = a.args[i];
        const rest = a.args.filter((_, j) => j !== i);
        if (isScalar(m.shape)) {
          // s(v)·T q = (Tq) J_s
          const t = rest[rest.length - 1];
          const js = lin(m);
          return js && C.mulAll([...rest.slice(0, -1), C.matmul(t, q, js)]);
        }
        const jm = linTimes(m, q);
        return jm && C.mulAll([...rest, jm]);
      }
      case 'matmul':
        return lin(C.matmul(a, q));
      case 'transpose': {
        const b = a.args[0];
        // c(v)ᵀq = qᵀc(v)
        if (isColumn(b.shape)) {
          const jb = lin(b);
          return jb && C.matmul(C.transpose(q), jb);
        }
        const pushed = transposeInto(b);
        return pushed.op === 'transpose' ? undefined : linTimes(pushed, q);
      }
      case 'diag': {
        // diag(w(v)) q = diag(q) w(v)
        const jw = lin(a.args[0]);
        return jw && C.matmul(C.diag(q), jw);
      }
      case 'hadamard': {
        const i = movingOperand(a.args);
        if (i === undefined) return undefined;
        const m = a.args[i];
        const others = a.args.filter((_, j) => j !== i);
        // (m ⊙ r(v)) q = r(v) (mᵀ ⊙ q) for rows
        if (a.shape.rows === 1) return linTimes(m, C.hadamard(...others.map(C.transpose), q));
        const fixed = C.hadamard(...others);
        // (M ⊙ (A + B))q = (M ⊙ A)q + (M ⊙ B)q;  M ⊙ Bᵀ with the transpose pushed in
        if (m.op === 'add') return linTimes(C.addAll(m.args.map((t) => C.hadamard(fixed, t))), q);
        if (m.op === 'mul') {
          // (M ⊙ sB) = s(M ⊙ B): the constructor moves the scalars out, so this is the mul case above
          const scaled = C.hadamard(fixed, m);
          return scaled.op === 'hadamard' ? undefined : linTimes(scaled, q);
        }
        if (m.op === 'transpose') {
          const pushed = transposeInto(m.args[0]);
          return pushed.op === 'transpose' ? undefined : linTimes(C.hadamard(fixed, pushed), q);
        }
        // (M ⊙ diag(w)) q = diag(M) ⊙ q ⊙ w
        if (m.op === 'diag' && isColumn(m.args[0].shape)) {
          const jw = lin(m.args[0]);
          return jw && C.matmul(C.diag(C.hadamard(C.diag(fixed), q)), jw);
        }
        // (M ⊙ c rᵀ) q = c ⊙ M(r ⊙ q) = diag(M(r ⊙ q)) c = diag(c) M diag(q) r
        if (m.op === 'matmul' && m.args.length === 2 && isColumn(m.args[0].shape) && m.args[1].shape.rows === 1) {
          const [c, r] = m.args;
          if (moves(c)) {
            const jc = lin(c);
            return jc && C.matmul(C.diag(C.matmul(fixed, C.hadamard(C.transpose(r), q))), jc);
          }
          const jr = lin(C.transpose(r));
          return jr && C.matmul(C.diag(c), fixed, C.diag(q), jr);
        }
        return undefined;
      }
      default:
        return undefined;
    }
  };

  // diag(M(v)) for a square M(v):   J (k×n)
  const linDiag = (m: Node): Node | undefined => {
    if (!moves(m)) return zero(m.shape.rows);
    switch (m.op) {
      case 'add':
        return sum(m.args.filter(moves).map(linDiag));
      case 'mul': {
        const i = movingOperand(m.args);
        if (i === undefined) return undefined;
        const f = m.args[i];
        const rest = m.args.filter((_, j) => j !== i);
        if (isScalar(f.shape)) {
          // diag(s(v)·T) = diag(T) J_s
          const js = lin(f);
          return js && C.mulAll([...rest.slice(0, -1), C.matmul(C.diag(rest[rest.length - 1]), js)]);
        }
        const jf = linDiag(f);
        return jf && C.mulAll([...rest, jf]);
      }
      case 'diag': //                      diag(diag(w)) = w
        return lin(m.args[0]);
      case 'transpose': //                 diag(Aᵀ) = diag(A)
        return linDiag(m.args[0]);
      case 'hadamard': {
        // diag(A ⊙ B(v)) = diag(A) ⊙ diag(B(v))
        const i = movingOperand(m.args);
        if (i === undefined) return undefined;
        const jf = linDiag(m.args[i]);
        return jf && C.matmul(C.diag(C.diag(C.hadamard(...m.args.filter((_, j) => j !== i)))), jf);
      }
      case 'matmul': {
        const i = movingOperand(m.args);
        if (i === undefined) return undefined;
        const x = m.args[i];
        const p = product(m.args.slice(0, i));
        const q = product(m.args.slice(i + 1));
        if (x.op === 'diag' && isColumn(x.args[0].shape)) {
          // diag(P diag(w) Q) = (P ⊙ Qᵀ) w;  diag(diag(w) Q) = diag(Q) ⊙ w
          const jw = lin(x.args[0]);
          if (!jw) return undefined;
          const weights = p && q ? C.hadamard(p, C.transpose(q)) : C.diag(C.diag((p ?? q) as Node));
          return C.matmul(weights, jw);
        }
        if (isColumn(x.shape) && q) {
          // diag((Pc) r) = (Pc) ⊙ rᵀ = diag(rᵀ) (Pc)
          const j = lin(p ? C.matmul(p, x) : x);
          return j && C.matmul(C.diag(C.transpose(q)), j);
        }
        if (x.shape.rows === 1 && p) {
          // diag(p (xQ)) = p ⊙ (xQ)ᵀ = diag(p) (xQ)ᵀ
          const j = lin(C.transpose(q ? C.matmul(x, q) : x));
          return j && C.matmul(C.diag(p), j);
        }
        const spread = (terms: readonly Node[]) => linDiag(C.addAll(terms.map((t) => C.matmul(...[p, t, q].filter((f): f is Node => f !== undefined)))));
        if (x.op === 'add') return spread(x.args);
        if (x.op === 'transpose') {
          const pushed = transposeInto(x.args[0]);
          return pushed.op === 'transpose' ? undefined : spread([pushed]);
        }
        return undefined;
      }
      default:
        return undefined;
    }
  };

  // tr(M(v)):   J (1×n)
  const linTrace = (m: Node): Node | undefined => {
    if (m.op === 'matmul') {
      // tr(P X Q) = tr(X Q P)  (cyclic): a scalar product with X first
      const i = movingOperand(m.args);
      if (i === undefined) return undefined;
      const x = m.args[i];
      const qp = product([...m.args.slice(i + 1), ...m.args.slice(0, i)]) as Node;
      if (isColumn(x.shape)) return lin(C.matmul(qp, x)); //     tr(c r) = r c
      if (x.shape.rows === 1) return lin(C.matmul(x, qp)); //   tr(r M) = r M (a 1×1 product)
      if (x.op === 'diag' && isColumn(x.args[0].shape)) {
        // tr(diag(w) M) = diag(M)ᵀ w
        const jw = lin(x.args[0]);
        return jw && C.matmul(C.transpose(C.diag(qp)), jw);
      }
      // tr(X M) = Σᵢⱼ Xᵢⱼ Mⱼᵢ = 𝟙ᵀ(X ⊙ Mᵀ)𝟙
      const ones = (k: Node['shape']['rows']) => C.ones(shape(k, 1));
      const viaHadamard = linTimes(C.hadamard(x, C.transpose(qp)), ones(x.shape.cols));
      if (viaHadamard) return C.matmul(C.transpose(ones(x.shape.rows)), viaHadamard);
    }
    // tr(M) = 𝟙ᵀdiag(M)
    const jd = linDiag(m);
    return jd && C.matmul(C.transpose(C.ones(shape(m.shape.rows, 1))), jd);
  };

  if (!isColumn(e.shape) && !isScalar(e.shape)) return undefined;
  return lin(e);
}
