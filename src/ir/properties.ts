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
      // A + Aᵀ: each term is symmetric or meets its transpose among the others.
      return node.args.every((t) => isSymmetric(t) || node.args.some((u) => u !== t && isTransposeOf(u, t)));
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

/** u = tᵀ exactly, with scalar multiples matched too: 2Aᵀ is the transpose of 2A. */
function isTransposeOf(u: Node, t: Node): boolean {
  if (u.op === 'transpose' && u.args[0] === t) return true;
  if (t.op === 'transpose' && t.args[0] === u) return true;
  if (u.op === 'mul' && t.op === 'mul' && u.args.length === t.args.length) {
    const last = u.args.length - 1;
    return u.args.slice(0, last).every((a, i) => a === t.args[i]) && isTransposeOf(u.args[last], t.args[last]);
  }
  return false;
}
