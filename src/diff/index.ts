// Reverse-mode symbolic differentiation: micrograd's `backward()` over the IR. Sort the DAG, seed
// the output's adjoint with 1, walk in reverse topological order, and let each op's rule push
// contributions to its operands. Only nodes that depend on a requested variable are visited.
import { ChainruleError } from '../errors.ts';
import * as C from '../ir/construct.ts';
import * as Q from '../ir/rational.ts';
import type { Node, NodeOf, Op } from '../ir/node.ts';
import { topoSort } from '../ir/node.ts';
import { describeShape, isScalar } from '../ir/shape.ts';
import type { AdjointRule } from './rules.ts';
import { ADJOINT_RULES } from './rules.ts';

export { ADJOINT_RULES, inner } from './rules.ts';

export interface Backward {
  /** ∂L/∂v for each requested variable node (gradient layout: the variable's shape). */
  readonly gradients: Map<Node, Node>;
  /** ∂L/∂u for every node u the backward pass reached, for steps and graphs. */
  readonly adjoints: Map<Node, Node>;
  /** The nodes the backward pass visited, output first. */
  readonly order: readonly Node[];
}

/** Reverse-mode gradients of a scalar `output` with respect to `variables`. */
export function backward(output: Node, variables: readonly Node[]): Backward {
  if (!isScalar(output.shape)) {
    throw new ChainruleError(`the output is ${describeShape(output.shape)}, not a scalar; differentiation needs a scalar output`, {
      hint: 'differentiate a scalar of it, such as ‖…‖² or 𝟙ᵀ(…); for an elementwise derivative declare the variable a scalar',
    });
  }
  const order = topoSort([output]);
  const wanted = new Set(variables);
  // Forward reachability: which nodes depend on a requested variable.
  const depends = new Set<Node>();
  for (const node of order) if (wanted.has(node) || node.args.some((a) => depends.has(a))) depends.add(node);

  // Each contribution remembers its consumer's place in the forward order, so sums read in the
  // order of the input: ∂₁f·g₁′ + ∂₂f·g₂′, not the reverse order the backward pass meets them in.
  const contributions = new Map<Node, { at: number; part: Node }[]>([[output, [{ at: order.length, part: C.ONE }]]]);
  const adjoints = new Map<Node, Node>();
  const visited: Node[] = [];
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    const parts = contributions.get(node);
    if (!parts || !depends.has(node)) continue;
    const adjoint = C.addAll([...parts].sort((a, b) => a.at - b.at).map((c) => c.part));
    adjoints.set(node, adjoint);
    visited.push(node);
    contributions.delete(node);
    const rule = ADJOINT_RULES[node.op] as AdjointRule<Op>;
    node.args.forEach((arg, i) => {
      if (!depends.has(arg)) return;
      const part = rule(node as NodeOf<Op>, adjoint, i);
      if (part === undefined) return;
      const list = contributions.get(arg);
      if (list) list.push({ at: k, part });
      else contributions.set(arg, [{ at: k, part }]);
    });
  }
  const gradients = new Map<Node, Node>();
  for (const v of variables) {
    const g = adjoints.get(v) ?? C.zeros(v.shape);
    // A symmetric S moves only within symmetric matrices: its gradient is the projection
    // ½(G + Gᵀ) of the unconstrained one (the gradient for the Frobenius inner product on that space).
    gradients.set(v, v.op === 'var' && v.attr.symmetric ? C.mul(C.num(Q.rational(1, 2)), C.add(g, C.transpose(g))) : g);
  }
  return { gradients, adjoints, order: visited };
}

/** Gradient layout (the variable's shape) or numerator layout (its transpose, as in some course notes). */
export type Layout = 'gradient' | 'numerator';

export function inLayout(gradient: Node, layout: Layout): Node {
  return layout === 'numerator' ? C.transpose(gradient) : gradient;
}
