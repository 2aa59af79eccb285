// Numerator layout as the notes write it: ∂ℓ/∂x = x⁽⁴⁾ᵀW⁽²⁾ ∂Φ/∂x⁽¹⁾ W⁽¹⁾, a row vector times
// Jacobians. The gradient-layout backward pass writes an elementwise map's Jacobian as a Hadamard
// product (Φ′(x⁽¹⁾) ⊙ v); transposed, (a ⊙ v)ᵀ = vᵀ diag(a) puts the Jacobian diag(a) = ∂Φ/∂x⁽¹⁾
// back where the chain rule has it. A presentation rewrite, applied only for this layout.
import * as C from '../ir/construct.ts';
import type { Node } from '../ir/node.ts';
import { topoSort } from '../ir/node.ts';
import { isColumn } from '../ir/shape.ts';

/** Factors that are derivatives of elementwise maps (Φ′(z), 𝟙[z > 0], σ(z) ⊙ (𝟙 − σ(z))): they become the diagonal. */
function isElementwiseDerivative(n: Node): boolean {
  switch (n.op) {
    case 'apply':
    case 'indicator':
      return true;
    case 'hadamard':
    case 'add':
      return n.args.every((a) => a.op === 'ones' || isElementwiseDerivative(a) || (a.op === 'mul' && isElementwiseDerivative(a.args[a.args.length - 1])));
    case 'pow':
      return isElementwiseDerivative(n.args[0]);
    default:
      return false;
  }
}

/** (a₁ ⊙ … ⊙ v)ᵀ = vᵀ diag(a₁ ⊙ …) when exactly one factor v is not an elementwise derivative. */
function transposedHadamard(n: Node): Node | undefined {
  if (n.op !== 'transpose' || n.args[0].op !== 'hadamard' || !isColumn(n.args[0].shape)) return undefined;
  const factors = n.args[0].args;
  const vectors = factors.filter((f) => !isElementwiseDerivative(f));
  if (vectors.length !== 1) return undefined;
  const diagonal = factors.filter((f) => f !== vectors[0]);
  return C.matmul(C.transpose(vectors[0]), C.diag(C.hadamard(...diagonal)));
}

export function presentNumerator(root: Node): Node {
  const memo = new Map<Node, Node>();
  for (const n of topoSort([root])) {
    const rebuilt = C.rebuild(n, n.args.map((a) => memo.get(a) ?? a));
    memo.set(n, transposedHadamard(rebuilt) ?? rebuilt);
  }
  return memo.get(root) as Node;
}
