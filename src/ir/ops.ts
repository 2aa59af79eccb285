// One descriptor per op (in the spirit of JAX's primitives and tinygrad's op groups): its class, its
// arity, whether it flattens and whether it prints as a call. The sets that stages used to re-list by hand (the leaves
// of steps/, the entrywise ops of steps/derive.ts, the call-like ops of the printer) are derived
// from it, so a new op is classified once, and one without an entry fails tsc.
import type { Node, Op } from './node.ts';

/**
 * - `leaf`: no operands (variables, constants, I, 𝟙, 0).
 * - `entrywise`: entry (i, j) of the result depends only on entry (i, j) of each operand (a scalar
 *   operand counts as every entry): its Jacobian in a non-scalar operand is diagonal.
 * - `linear`: linear in its one operand, moving or summing entries (Aᵀ, tr A, diag).
 * - `product`: the matrix product, linear in each operand.
 * - `matrix`: a nonlinear function of a whole matrix or vector (A⁻¹, |A|, ‖x‖, softmax, log_softmax, logsumexp).
 * - `call`: an abstract function of scalars, f(a, b).
 */
export type OpClass = 'leaf' | 'entrywise' | 'linear' | 'product' | 'matrix' | 'call';

export interface OpInfo {
  readonly class: OpClass;
  /** How many operands: a number, or `n` for any number. */
  readonly arity: number | 'n';
  /** The constructors flatten it: no operand has the same op (a + (b + c) is a + b + c). */
  readonly flattens: boolean;
  /** Printed as a word applied to parenthesized arguments: tr(A), max(a, b), f(x). */
  readonly printsAsCall: boolean;
}

const leaf: OpInfo = { class: 'leaf', arity: 0, flattens: false, printsAsCall: false };
const info = (c: OpClass, arity: number, printsAsCall = false): OpInfo => ({ class: c, arity, flattens: false, printsAsCall });
const nary = (c: OpClass, flattens: boolean, printsAsCall = false): OpInfo => ({ class: c, arity: 'n', flattens, printsAsCall });

export const OP_INFO: { readonly [O in Op]: OpInfo } = {
  const: leaf,
  constant: leaf,
  var: leaf,
  dim: leaf,
  identity: leaf,
  ones: leaf,
  zeros: leaf,
  add: nary('entrywise', true),
  mul: nary('entrywise', true),
  matmul: nary('product', true),
  hadamard: nary('entrywise', true),
  pow: info('entrywise', 2),
  transpose: info('linear', 1),
  inv: info('matrix', 1),
  det: info('matrix', 1),
  trace: info('linear', 1, true),
  diag: info('linear', 1, true),
  norm: info('matrix', 1),
  apply: info('entrywise', 1, true),
  indicator: info('entrywise', 2),
  max: info('entrywise', 2, true),
  min: info('entrywise', 2, true),
  softmax: info('matrix', 1, true),
  logsoftmax: info('matrix', 1, true),
  logsumexp: info('matrix', 1, true),
  call: nary('call', false, true),
};

export const opClass = (n: Node): OpClass => OP_INFO[n.op].class;
export const isLeaf = (n: Node): boolean => OP_INFO[n.op].class === 'leaf';
export const isEntrywise = (n: Node): boolean => OP_INFO[n.op].class === 'entrywise';
export const printsAsCall = (n: Node): boolean => OP_INFO[n.op].printsAsCall;
