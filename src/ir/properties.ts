// Derived facts about nodes, memoized on identity. Rules ask these instead of special-casing
// patterns: "K = αAAᵀ + β⁻¹I is symmetric" is a property of K, not a clause inside a rewrite.
import type { Node } from './node.ts';
import { memoize } from './node.ts';
import { isScalar, isSquare } from './shape.ts';

/** Kᵀ = K: declared symmetric, I, diag(v), XXᵀ-palindromes (A B Aᵀ with B symmetric), sums and
 * scalar multiples of symmetric matrices, their inverses and transposes, and scalars. */
export const isSymmetric: (node: Node) => boolean = memoize((node) => {
  if (isScalar(node.shape)) return true;
  if (!isSquare(node.shape)) return false;
  switch (node.op) {
    case 'var':
      return node.attr.symmetric;
    case 'identity':
    case 'zeros':
    case 'ones':
      return true;
    case 'diag':
      return true;
    case 'add':
    case 'hadamard':
      return node.args.every(isSymmetric);
    case 'mul':
    case 'inv':
    case 'transpose':
    case 'apply':
    case 'pow':
      return isSymmetric(node.args[node.op === 'mul' ? node.args.length - 1 : 0]);
    case 'matmul':
      return isPalindromeProduct(node.args);
    default:
      return false;
  }
});

/** A₁A₂…Aₖ with Aᵢ = Aₖ₊₁₋ᵢᵀ, and a symmetric middle factor when k is odd. */
function isPalindromeProduct(chain: readonly Node[]): boolean {
  for (let i = 0, j = chain.length - 1; i <= j; i++, j--) {
    if (i === j) return isSymmetric(chain[i]);
    if (!areTransposes(chain[i], chain[j])) return false;
  }
  return true;
}

/** a = bᵀ, structurally. */
export function areTransposes(a: Node, b: Node): boolean {
  return (a.op === 'transpose' && a.args[0] === b) || (b.op === 'transpose' && b.args[0] === a) || (a === b && isSymmetric(a));
}
