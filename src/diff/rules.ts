// Adjoint rules, one per op: given a node y = op(a₁, …, aₖ) and the incoming adjoint ȳ = ∂L/∂y (in
// gradient layout: the shape of y), the contribution to āᵢ = ∂L/∂aᵢ (the shape of aᵢ). Each rule's
// comment states the identity it implements. Rules build on the forward nodes, so gradients share
// the forward DAG and stay linear in its size.
import * as C from '../ir/construct.ts';
import { elementwiseDerivative, elementwiseProduct } from '../ir/functions.ts';
import type { Node, NodeOf, NormKind, Op } from '../ir/node.ts';
import { isColumn, isMatrix, isRow, isScalar, shape } from '../ir/shape.ts';

/** ∂L/∂(args[i]) given ∂L/∂node; undefined when the argument gets nothing (a comparison's operands). */
export type AdjointRule<O extends Op> = (node: NodeOf<O>, adjoint: Node, i: number) => Node | undefined;

/** ⟨A, B⟩ = Σᵢⱼ AᵢⱼBᵢⱼ, written as the notes would: aᵀb for vectors, tr(AᵀB) for matrices. */
export function inner(a: Node, b: Node): Node {
  if (isScalar(a.shape)) return C.mul(a, b);
  if (isColumn(a.shape)) return C.matmul(C.transpose(a), b);
  if (isRow(a.shape)) return C.matmul(a, C.transpose(b));
  return C.trace(C.matmul(C.transpose(a), b));
}

/** J·v for s = softmax(x), whose Jacobian diag(s) − ssᵀ is symmetric (so reverse and forward mode
 * share it): s ⊙ v − (sᵀv)s for a vector; row by row for a matrix, S ⊙ V − ((S ⊙ V)𝟙𝟙ᵀ) ⊙ S. */
export function softmaxJacobianTimes(s: Node, v: Node): Node {
  if (!isMatrix(s.shape)) return C.sub(C.hadamard(s, v), C.mul(inner(s, v), s));
  const ones = C.ones(shape(s.shape.cols, 1));
  return C.sub(C.hadamard(s, v), C.hadamard(C.matmul(C.hadamard(s, v), ones, C.transpose(ones)), s));
}

/** Jᵀ·v for y = log softmax(x), whose Jacobian is I − 𝟙sᵀ (s = softmax(x)): v − (𝟙ᵀv)s; row by row
 * for a matrix, V − ((V𝟙)𝟙ᵀ) ⊙ S. */
export function logSoftmaxTransposeTimes(node: NodeOf<'logsoftmax'>, v: Node): Node {
  const s = C.softmax(node.args[0]);
  if (!isMatrix(s.shape)) return C.sub(v, C.mul(inner(C.ones(v.shape), v), s));
  const ones = C.ones(shape(s.shape.cols, 1));
  return C.sub(v, C.hadamard(C.matmul(v, ones, C.transpose(ones)), s));
}

/** J·v for y = log softmax(x): v − (sᵀv)𝟙; row by row for a matrix, V − ((S ⊙ V)𝟙)𝟙ᵀ. */
export function logSoftmaxTimes(node: NodeOf<'logsoftmax'>, v: Node): Node {
  const s = C.softmax(node.args[0]);
  if (!isMatrix(s.shape)) return C.sub(v, C.mul(inner(s, v), C.ones(v.shape)));
  const ones = C.ones(shape(s.shape.cols, 1));
  return C.sub(v, C.matmul(C.hadamard(s, v), ones, C.transpose(ones)));
}

/** ∇‖x‖: x/‖x‖ (2-norm, Frobenius); sign(x) (ℓ₁); sign(x) ⊙ 𝟙[|x| ≥ ‖x‖_∞] (ℓ∞). The last two are
 * subgradients, exact away from zeros of x and ties for the largest |xᵢ|. */
export function normGradient(node: NodeOf<'norm'>): Node {
  return NORM_GRADIENTS[node.attr](node, node.args[0]);
}

const overItself = (node: Node, x: Node): Node => C.mul(C.pow(node, C.MINUS_ONE), x);

const NORM_GRADIENTS: { readonly [K in NormKind]: (node: Node, x: Node) => Node } = {
  '2': overItself,
  F: overItself,
  '1': (_node, x) => C.builtin('sign', x),
  '∞': (node, x) => elementwiseProduct(C.builtin('sign', x), C.indicator('≥', C.builtin('abs', x), C.mul(node, C.ones(x.shape)))),
};

const others = (args: readonly Node[], i: number): Node[] => args.filter((_, j) => j !== i);
const none = (): undefined => undefined;

export const ADJOINT_RULES: { [O in Op]: AdjointRule<O> } = {
  const: none,
  constant: none,
  var: none,
  dim: none,
  identity: none,
  ones: none,
  zeros: none,
  // y = Σ aᵢ:  āᵢ = ȳ
  add: (_, adj) => adj,
  // y = (Π sⱼ)·T:  T̄ = (Π sⱼ)·ȳ;  s̄ᵢ = (Π_{j≠i} sⱼ)·⟨ȳ, T⟩;  all scalars: s̄ᵢ = ȳ·Π_{j≠i} sⱼ
  mul: (node, adj, i) => {
    const args = node.args;
    const last = args[args.length - 1];
    if (isScalar(node.shape)) return C.mul(adj, ...others(args, i));
    if (i === args.length - 1) return C.mul(...args.slice(0, -1), adj);
    return C.mul(...others(args.slice(0, -1), i), inner(adj, last));
  },
  // Y = A₁⋯Aₖ:  Āᵢ = (A₁⋯Aᵢ₋₁)ᵀ Ȳ (Aᵢ₊₁⋯Aₖ)ᵀ   (C = AB: Ā = C̄Bᵀ, B̄ = AᵀC̄)
  matmul: (node, adj, i) => {
    const before = node.args.slice(0, i).reverse().map(C.transpose);
    const after = node.args.slice(i + 1).reverse().map(C.transpose);
    return C.matmul(...before, adj, ...after);
  },
  // Y = A₁ ⊙ ⋯ ⊙ Aₖ:  Āᵢ = Ȳ ⊙ Π_{j≠i} Aⱼ
  hadamard: (node, adj, i) => C.hadamard(adj, ...others(node.args, i)),
  // y = bᵉ (elementwise):  b̄ = ȳ ⊙ e·bᵉ⁻¹;  ē = ⟨ȳ, bᵉ ⊙ log b⟩
  pow: (node, adj, i) => {
    const [b, e] = node.args;
    if (i === 0) return elementwiseProduct(adj, C.mul(e, C.pow(b, C.add(e, C.MINUS_ONE))));
    return inner(adj, elementwiseProduct(node, C.builtin('log', b)));
  },
  // Y = Aᵀ:  Ā = Ȳᵀ
  transpose: (_, adj) => C.transpose(adj),
  // Y = A⁻¹:  Ā = −A⁻ᵀ Ȳ A⁻ᵀ   (dY = −Y dA Y)
  inv: (node, adj) => C.neg(C.matmul(C.transpose(node), adj, C.transpose(node))),
  // y = |A|:  Ā = ȳ·|A|·A⁻ᵀ   (Jacobi's formula d|A| = |A| tr(A⁻¹dA))
  det: (node, adj) => C.mul(adj, node, C.transpose(C.inv(node.args[0]))),
  // y = tr A:  Ā = ȳ·I
  trace: (node, adj) => C.mul(adj, C.identity(node.args[0].shape.rows)),
  // Y = diag(v) (vector → matrix):  v̄ = diag(Ȳ);  y = diag(A) (matrix → vector):  Ā = diag(ȳ)
  diag: (_, adj) => C.diag(adj),
  // y = ‖x‖:  x̄ = ȳ·x/‖x‖   (the same for ‖X‖_F)
  // y = ‖x‖₁:  x̄ = ȳ·sign(x);  y = ‖x‖_∞:  x̄ = ȳ·sign(x) ⊙ 𝟙[|x| ≥ ‖x‖_∞]   (subgradients, away from kinks and ties)
  norm: (node, adj) => C.mul(adj, normGradient(node)),
  // Y = f(A) elementwise:  Ā = Ȳ ⊙ f′(A)
  apply: (node, adj) => elementwiseProduct(adj, elementwiseDerivative(node.attr, node.args[0], node)),
  // 𝟙[a > b] is piecewise constant: no gradient.
  indicator: none,
  // y = max(a, b):  ā = ȳ ⊙ 𝟙[a > b],  b̄ = ȳ ⊙ 𝟙[a < b]   (subgradient 0 at ties)
  max: (node, adj, i) => elementwiseProduct(adj, C.indicator(i === 0 ? '>' : '<', node.args[0], node.args[1])),
  // y = min(a, b):  ā = ȳ ⊙ 𝟙[a < b],  b̄ = ȳ ⊙ 𝟙[a > b]
  min: (node, adj, i) => elementwiseProduct(adj, C.indicator(i === 0 ? '<' : '>', node.args[0], node.args[1])),
  // s = softmax(x):  x̄ = s ⊙ ȳ − (sᵀȳ)s   (Jacobian diag(s) − ssᵀ);
  // S = softmax(X) row by row:  X̄ = S ⊙ Ȳ − ((S ⊙ Ȳ)𝟙𝟙ᵀ) ⊙ S   (each row as a vector)
  softmax: (node, adj) => softmaxJacobianTimes(node, adj),
  // y = log softmax(x) = x − logsumexp(x)𝟙, Jacobian I − 𝟙sᵀ (s = softmax(x)):  x̄ = ȳ − (𝟙ᵀȳ)s;
  // row by row for a matrix:  X̄ = Ȳ − ((Ȳ𝟙)𝟙ᵀ) ⊙ S
  logsoftmax: (node, adj) => logSoftmaxTransposeTimes(node, adj),
  // y = log Σ exp xᵢ:  x̄ = ȳ·softmax(x)
  logsumexp: (node, adj) => C.mul(adj, C.softmax(node.args[0])),
  // y = f(a₁, …, aₖ):  āᵢ = ȳ·∂ᵢf(a₁, …, aₖ)
  call: (node, adj, i) => C.mul(adj, C.call({ ...node.attr, partials: [...node.attr.partials, i + 1] }, node.args)),
};
