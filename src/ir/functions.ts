// What each built-in elementwise function *is*: its derivative, written in IR. It sits beside the
// IR (like a JAX primitive's definition) because both `build/` (for `σ′(z)` typed by a user) and
// `diff/` (for the chain rule) need it. Each entry states its identity.
import { add, apply, builtin, div, hadamard, indicator, mul, neg, num, ones, pi, pow, sub, ZERO } from './construct.ts';
import type { ElementwiseBuiltin, ElementwiseFn, Node } from './node.ts';

type Derivative = (z: Node, fz: Node) => Node;

const oneMinus = (x: Node): Node => sub(ones(x.shape), x);

/** f′(z) for each built-in f, elementwise; `fz` is the node f(z) so results share it. */
export const ELEMENTWISE_DERIVATIVES: Record<ElementwiseBuiltin, Derivative> = {
  exp: (_z, fz) => fz, //                                       exp′ = exp
  log: (z) => pow(z, -1), //                                    log′(z) = 1/z
  sqrt: (_z, fz) => div(pow(fz, -1), num(2)), //               √′(z) = 1/(2√z)
  σ: (_z, fz) => hadamard(fz, oneMinus(fz)), //                σ′ = σ ⊙ (𝟙 − σ)
  tanh: (_z, fz) => oneMinus(hadamard(fz, fz)), //             tanh′ = 𝟙 − tanh²
  relu: (z) => indicator('>', z, ZERO), //                      relu′(z) = 𝟙[z > 0] (subgradient 0 at 0)
  softplus: (z) => builtin('σ', z), //                          softplus′ = σ
  abs: (z) => builtin('sign', z), //                            |z|′ = sign z
  sign: (z) => mul(ZERO, z), //                                 sign′ = 0 away from 0
  sin: (z) => builtin('cos', z), //                             sin′ = cos
  cos: (z) => neg(builtin('sin', z)), //                        cos′ = −sin
  tan: (_z, fz) => add(ones(fz.shape), hadamard(fz, fz)), //   tan′ = 𝟙 + tan²
  arctan: (z) => pow(add(ones(z.shape), hadamard(z, z)), -1), // arctan′(z) = 1/(1 + z²)
  sinh: (z) => builtin('cosh', z), //                           sinh′ = cosh
  cosh: (z) => builtin('sinh', z), //                           cosh′ = sinh
  log1p: (z) => pow(add(ones(z.shape), z), -1), //              log1p′(z) = 1/(1 + z)
  expm1: (z) => builtin('exp', z), //                           expm1′ = exp
  erf: (z) => mul(div(num(2), builtin('sqrt', pi())), builtin('exp', neg(hadamard(z, z)))), // erf′(z) = (2/√π)·exp(−z²)
};

/** The derivative of an elementwise function applied at z, as a node of z's shape. */
export function elementwiseDerivative(fn: ElementwiseFn, z: Node, fz: Node = apply(fn, z)): Node {
  if (fn.kind === 'abstract') return apply({ ...fn, order: fn.order + 1 }, z);
  return ELEMENTWISE_DERIVATIVES[fn.name](z, fz);
}

/** hadamard that treats scalars as scalars: the chain-rule product adj ⊙ f′(z). */
export function elementwiseProduct(a: Node, b: Node): Node {
  return a.shape.rows === 1 && a.shape.cols === 1 ? mul(a, b) : hadamard(a, b);
}

