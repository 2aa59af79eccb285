// What each built-in elementwise function *is*: one descriptor per function (like a JAX primitive's
// definition) with its derivative written in IR, its value, its printed words and its generated-code
// function. It sits beside the IR because `build/` (for `σ′(z)` typed by a user), `diff/` (for the
// chain rule), `eval/`, `print/` and `lower/` all read it. Each derivative states its identity.
import { add, apply, builtin, div, hadamard, indicator, mul, neg, num, ones, pi, pow, sub, ZERO } from './construct.ts';
import type { ElementwiseBuiltin, ElementwiseFn, Node } from './node.ts';

type Derivative = (z: Node, fz: Node) => Node;

/** A function's word in each output format (print/names.ts `Format`). */
interface Words {
  readonly latex: string;
  readonly unicode: string;
  readonly ascii: string;
}

/** Everything chainrule knows of one built-in elementwise function. */
export interface ElementwiseInfo {
  /** f′(z), elementwise; `fz` is the node f(z) so results share it. */
  readonly derivative: Derivative;
  /** Its value at one number (the reference evaluator). */
  readonly evaluate: (x: number) => number;
  /** How it prints as a function word (|x| prints as bars: `abs` has no Unicode or LaTeX word). */
  readonly words: Words;
  /** The scalar function generated code applies per element (lower/program.ts `ScalarFn`). */
  readonly lower: string;
}

const oneMinus = (x: Node): Node => sub(ones(x.shape), x);

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** erf(x) = (2/√π)·e^{−x²}·Σₙ 2ⁿx^{2n+1}/(2n+1)!!: every term positive, so no cancellation; about
 * 1e-15 relative. |x| ≥ 6 is ±1 in double precision (erfc 6 ≈ 2e-17). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  let term = a;
  let total = a;
  for (let n = 1; n < 500 && term > 1e-17 * total; n++) {
    term *= (2 * a * a) / (2 * n + 1);
    total += term;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * total;
}

/** A word that is the same in Unicode and ASCII: `\name` in LaTeX when LaTeX has the command, else `\operatorname{name}`. */
const plain = (word: string, latexCommand: boolean): Words => ({ latex: latexCommand ? `\\${word}` : `\\operatorname{${word}}`, unicode: word, ascii: word });

/**
 * One entry per built-in elementwise function: its derivative (with the identity it states), value,
 * printed words and generated-code function. Keyed by the union of names, so a function missing
 * here, or an entry missing a field, fails tsc; every stage reads its table from this one.
 */
export const ELEMENTWISE = {
  exp: { derivative: (_z, fz) => fz, evaluate: Math.exp, words: plain('exp', true), lower: 'exp' }, //               exp′ = exp
  log: { derivative: (z) => pow(z, -1), evaluate: Math.log, words: plain('log', true), lower: 'log' }, //             log′(z) = 1/z
  sqrt: { derivative: (_z, fz) => div(pow(fz, -1), num(2)), evaluate: Math.sqrt, words: { latex: '\\sqrt', unicode: '√', ascii: 'sqrt' }, lower: 'sqrt' }, // √′(z) = 1/(2√z)
  σ: { derivative: (_z, fz) => hadamard(fz, oneMinus(fz)), evaluate: sigmoid, words: { latex: '\\sigma', unicode: 'σ', ascii: 'sigma' }, lower: 'sigmoid' }, // σ′ = σ ⊙ (𝟙 − σ)
  tanh: { derivative: (_z, fz) => oneMinus(hadamard(fz, fz)), evaluate: Math.tanh, words: plain('tanh', true), lower: 'tanh' }, // tanh′ = 𝟙 − tanh²
  relu: { derivative: (z) => indicator('>', z, ZERO), evaluate: (x) => (x > 0 ? x : 0), words: plain('relu', false), lower: 'relu' }, // relu′(z) = 𝟙[z > 0] (subgradient 0 at 0)
  softplus: { derivative: (z) => builtin('σ', z), evaluate: softplus, words: plain('softplus', false), lower: 'softplus' }, // softplus′ = σ
  abs: { derivative: (z) => builtin('sign', z), evaluate: Math.abs, words: { latex: '', unicode: '', ascii: 'abs' }, lower: 'abs' }, // |z|′ = sign z
  sign: { derivative: (z) => mul(ZERO, z), evaluate: Math.sign, words: plain('sign', false), lower: 'sign' }, //      sign′ = 0 away from 0
  sin: { derivative: (z) => builtin('cos', z), evaluate: Math.sin, words: plain('sin', true), lower: 'sin' }, //       sin′ = cos
  cos: { derivative: (z) => neg(builtin('sin', z)), evaluate: Math.cos, words: plain('cos', true), lower: 'cos' }, // cos′ = −sin
  tan: { derivative: (_z, fz) => add(ones(fz.shape), hadamard(fz, fz)), evaluate: Math.tan, words: plain('tan', true), lower: 'tan' }, // tan′ = 𝟙 + tan²
  arctan: { derivative: (z) => pow(add(ones(z.shape), hadamard(z, z)), -1), evaluate: Math.atan, words: plain('arctan', true), lower: 'arctan' }, // arctan′(z) = 1/(1 + z²)
  sinh: { derivative: (z) => builtin('cosh', z), evaluate: Math.sinh, words: plain('sinh', true), lower: 'sinh' }, //  sinh′ = cosh
  cosh: { derivative: (z) => builtin('sinh', z), evaluate: Math.cosh, words: plain('cosh', true), lower: 'cosh' }, //  cosh′ = sinh
  log1p: { derivative: (z) => pow(add(ones(z.shape), z), -1), evaluate: Math.log1p, words: plain('log1p', false), lower: 'log1p' }, // log1p′(z) = 1/(1 + z)
  expm1: { derivative: (z) => builtin('exp', z), evaluate: Math.expm1, words: plain('expm1', false), lower: 'expm1' }, // expm1′ = exp
  erf: { derivative: (z) => mul(div(num(2), builtin('sqrt', pi())), builtin('exp', neg(hadamard(z, z)))), evaluate: erf, words: plain('erf', false), lower: 'erf' }, // erf′(z) = (2/√π)·exp(−z²)
} as const satisfies { readonly [F in ElementwiseBuiltin]: ElementwiseInfo };

/** The derivative of an elementwise function applied at z, as a node of z's shape. */
export function elementwiseDerivative(fn: ElementwiseFn, z: Node, fz: Node = apply(fn, z)): Node {
  if (fn.kind === 'abstract') return apply({ ...fn, order: fn.order + 1 }, z);
  return ELEMENTWISE[fn.name].derivative(z, fz);
}

/** hadamard that treats scalars as scalars: the chain-rule product adj ⊙ f′(z). */
export function elementwiseProduct(a: Node, b: Node): Node {
  return a.shape.rows === 1 && a.shape.cols === 1 ? mul(a, b) : hadamard(a, b);
}

