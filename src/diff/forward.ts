// Forward-mode symbolic differentiation: the differential dy = ẏ of every node along a direction ẋ
// of one variable (JAX's jvp over the IR). Seed the variable's tangent with the direction, walk in
// topological order, and let each op's rule combine its operands' tangents. The result is an IR
// expression linear in the direction: `dF = A dX B` for F = AXB. Differentiating a gradient
// expression this way is forward-over-reverse: the Hessian-vector product ∇²f·v = d(∇f)[v].
import { internalError } from '../errors.ts';
import * as C from '../ir/construct.ts';
import { elementwiseDerivative, elementwiseProduct } from '../ir/functions.ts';
import type { Node, NodeOf, Op } from '../ir/node.ts';
import { topoSort } from '../ir/node.ts';
import { isScalar } from '../ir/shape.ts';
import { inner, logSoftmaxTimes, normGradient, softmaxJacobianTimes } from './rules.ts';

/** The tangent of `node` given its operands' tangents (undefined: that operand does not move).
 * Returns undefined when the node does not move. */
export type TangentRule<O extends Op> = (node: NodeOf<O>, tangents: readonly (Node | undefined)[]) => Node | undefined;

const constant = (): undefined => undefined;

/** Σ over the operands that move of term(i, ȧᵢ); undefined when none moves. */
function sumOver(tangents: readonly (Node | undefined)[], term: (i: number, t: Node) => Node): Node | undefined {
  const parts: Node[] = [];
  tangents.forEach((t, i) => {
    if (t !== undefined) parts.push(term(i, t));
  });
  return parts.length ? C.addAll(parts) : undefined;
}

const replaced = (args: readonly Node[], i: number, by: Node): Node[] => args.map((a, j) => (j === i ? by : a));

export const TANGENT_RULES: { [O in Op]: TangentRule<O> } = {
  const: constant,
  constant: constant,
  // A variable's tangent is its seed (set by `differential`), never computed from operands.
  var: constant,
  dim: constant,
  identity: constant,
  ones: constant,
  zeros: constant,
  // d(Σ aᵢ) = Σ daᵢ
  add: (_, t) => sumOver(t, (_i, ti) => ti),
  // d(Π aᵢ) = Σᵢ (Π_{j≠i} aⱼ) daᵢ   (scalars commute; the one non-scalar factor stays last)
  mul: (node, t) => sumOver(t, (i, ti) => C.mulAll(replaced(node.args, i, ti))),
  // d(A₁⋯Aₖ) = Σᵢ A₁⋯dAᵢ⋯Aₖ
  matmul: (node, t) => sumOver(t, (i, ti) => C.matmul(...replaced(node.args, i, ti))),
  // d(A₁ ⊙ ⋯ ⊙ Aₖ) = Σᵢ A₁ ⊙ ⋯ ⊙ dAᵢ ⊙ ⋯ ⊙ Aₖ
  hadamard: (node, t) => sumOver(t, (i, ti) => C.hadamard(...replaced(node.args, i, ti))),
  // d(bᵉ) = e·bᵉ⁻¹ ⊙ db + bᵉ ⊙ log(b)·de   (elementwise)
  pow: (node, t) => {
    const [b, e] = node.args;
    return sumOver(t, (i, ti) =>
      i === 0 ? elementwiseProduct(C.mul(e, C.pow(b, C.add(e, C.MINUS_ONE))), ti) : C.mul(ti, elementwiseProduct(node, C.builtin('log', b))));
  },
  // d(Aᵀ) = (dA)ᵀ
  transpose: (_, t) => sumOver(t, (_i, ti) => C.transpose(ti)),
  // d(A⁻¹) = −A⁻¹ dA A⁻¹
  inv: (node, t) => sumOver(t, (_i, ti) => C.neg(C.matmul(node, ti, node))),
  // d|A| = |A| tr(A⁻¹dA)   (Jacobi's formula)
  det: (node, t) => sumOver(t, (_i, ti) => C.mul(node, C.trace(C.matmul(C.inv(node.args[0]), ti)))),
  // d tr(A) = tr(dA)
  trace: (_, t) => sumOver(t, (_i, ti) => C.trace(ti)),
  // d diag(a) = diag(da)   (both directions: vector → matrix and matrix → vector)
  diag: (_, t) => sumOver(t, (_i, ti) => C.diag(ti)),
  // d‖x‖ = ⟨x, dx⟩/‖x‖   (the same for ‖X‖_F)
  norm: (node, t) => sumOver(t, (_i, ti) => inner(normGradient(node), ti)),
  // d f(a) = f′(a) ⊙ da
  apply: (node, t) => sumOver(t, (_i, ti) => elementwiseProduct(elementwiseDerivative(node.attr, node.args[0], node), ti)),
  // 𝟙[a > b] is piecewise constant.
  indicator: constant,
  // d max(a, b) = 𝟙[a > b] ⊙ da + 𝟙[a < b] ⊙ db   (0 at ties, as the adjoint rule)
  max: (node, t) => sumOver(t, (i, ti) => elementwiseProduct(C.indicator(i === 0 ? '>' : '<', node.args[0], node.args[1]), ti)),
  // d min(a, b) = 𝟙[a < b] ⊙ da + 𝟙[a > b] ⊙ db
  min: (node, t) => sumOver(t, (i, ti) => elementwiseProduct(C.indicator(i === 0 ? '<' : '>', node.args[0], node.args[1]), ti)),
  // d softmax(x) = s ⊙ dx − (sᵀdx)s   (Jacobian diag(s) − ssᵀ); a matrix row by row
  softmax: (node, t) => sumOver(t, (_i, ti) => softmaxJacobianTimes(node, ti)),
  // d log softmax(x) = dx − (sᵀdx)𝟙   (Jacobian I − 𝟙sᵀ); a matrix row by row
  logsoftmax: (node, t) => sumOver(t, (_i, ti) => logSoftmaxTimes(node, ti)),
  // d logsumexp(x) = softmax(x)ᵀdx
  logsumexp: (node, t) => sumOver(t, (_i, ti) => inner(C.softmax(node.args[0]), ti)),
  // d f(a₁, …, aₖ) = Σᵢ ∂ᵢf(a₁, …, aₖ) daᵢ
  call: (node, t) => sumOver(t, (i, ti) => C.mul(C.call({ ...node.attr, partials: [...node.attr.partials, i + 1] }, node.args), ti)),
};

/** The differential of `output` when `variable` moves along `direction` (a node of its shape):
 * d(output)[direction], linear in the direction. Zero of the output's shape when it does not depend on it. */
export function differential(output: Node, variable: Node, direction: Node): Node {
  return differentialAlong(output, new Map([[variable, direction]]));
}

/** The differential of `output` when several variables move at once, each along its own direction
 * (`seeds`: variable → direction of its shape): d(output)[ẋ, ẏ, …] = Σ ∂output/∂x·ẋ. This is JAX's
 * jvp with a tangent for every primal; the joint Hessian-vector product is d(∇ₓf)[v_x, v_y, …]. */
export function differentialAlong(output: Node, seeds: ReadonlyMap<Node, Node>): Node {
  const tangents = new Map<Node, Node>(seeds);
  for (const node of topoSort([output])) {
    if (seeds.has(node)) continue;
    const argTangents = node.args.map((a) => tangents.get(a));
    if (argTangents.every((t) => t === undefined)) continue;
    const rule = TANGENT_RULES[node.op] as TangentRule<Op>;
    const t = rule(node as NodeOf<Op>, argTangents);
    if (t !== undefined) tangents.set(node, t);
  }
  return tangents.get(output) ?? C.zeros(output.shape);
}

/** The partial derivative of `output` with respect to a scalar variable: its differential along 1. */
export function scalarDerivative(output: Node, variable: Node): Node {
  if (!isScalar(variable.shape)) throw internalError('scalarDerivative of a non-scalar variable');
  return differential(output, variable, C.ONE);
}
