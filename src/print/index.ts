// Printers: LaTeX, Unicode and ASCII from one table of notations keyed by op. Parentheses come
// from precedence levels, never from looking at output text: a child is wrapped exactly when its
// level is below what its position requires (esbuild's printer, SymPy's `parenthesize`).
//
// Levels, loosest first; the grammar parses with the same order:
//   SUM  a + b, a − b        NEG  −a          PRODUCT  a·b, a ⊙ b, a/b (explicit operators)
//   JUXT ab (juxtaposition)  POSTFIX aᵀ, a², f(a)   ATOM  names, numbers, |a|, ‖a‖, (a)
import * as C from '../ir/construct.ts';
import { ELEMENTWISE } from '../ir/functions.ts';
import { printsAsCall } from '../ir/ops.ts';
import type { ElementwiseBuiltin, Node, NodeOf, NormKind, Op } from '../ir/node.ts';
import { DERIVATIVE_KEY_PREFIX, DIFFERENTIAL_KEY_PREFIX } from '../ir/node.ts';
import * as Q from '../ir/rational.ts';
import { isScalar } from '../ir/shape.ts';
import type { Name } from '../syntax/ast.ts';
import type { Format } from './names.ts';
import { asciiBase, latexBase, printName, superscriptDigits } from './names.ts';
import { inScript, SUBSCRIPTS } from '../syntax/scripts.ts';
import { joinsIntoWord } from '../syntax/parse.ts';

export type { Format };

export const Level = { SUM: 10, NEG: 15, PRODUCT: 20, JUXT: 30, POSTFIX: 40, ATOM: 50 } as const;

export interface Printed {
  readonly text: string;
  readonly level: number;
}

/** The spelled tokens of each format. */
const TOKENS = {
  latex: { plus: ' + ', minus: ' - ', neg: '-', hadamard: ' \\odot ', open: '(', close: ')', bar: ['|', '|'], norm: ['\\|', '\\|'], transpose: '^{\\top}', ones: '\\mathbf{1}', zero: '0', identity: 'I', pi: '\\pi', indicator: ['\\mathbb{1}', '[', ']'], comma: ', ' },
  unicode: { plus: ' + ', minus: ' − ', neg: '−', hadamard: ' ⊙ ', open: '(', close: ')', bar: ['|', '|'], norm: ['‖', '‖'], transpose: 'ᵀ', ones: '𝟙', zero: '0', identity: 'I', pi: 'π', indicator: ['𝟙', '[', ']'], comma: ', ' },
  ascii: { plus: ' + ', minus: ' - ', neg: '-', hadamard: ' .* ', open: '(', close: ')', bar: ['abs(', ')'], norm: ['norm(', ')'], transpose: "'", ones: 'ones', zero: '0', identity: 'I', pi: 'pi', indicator: ['ind', '(', ')'], comma: ', ' },
} as const;

const RELATIONS = { latex: { '>': '>', '<': '<', '≥': '\\geq', '≤': '\\leq' }, unicode: { '>': '>', '<': '<', '≥': '≥', '≤': '≤' }, ascii: { '>': '>', '<': '<', '≥': '>=', '≤': '<=' } } as const;

/** Words of the ops printed as calls, in each format (elementwise functions have theirs in `ELEMENTWISE`). */
const OP_WORDS = {
  trace: { latex: '\\operatorname{tr}', unicode: 'tr', ascii: 'tr' },
  diag: { latex: '\\operatorname{diag}', unicode: 'diag', ascii: 'diag' },
  det: { latex: '\\det', unicode: 'det', ascii: 'det' },
  max: { latex: '\\max', unicode: 'max', ascii: 'max' },
  min: { latex: '\\min', unicode: 'min', ascii: 'min' },
  softmax: { latex: '\\operatorname{softmax}', unicode: 'softmax', ascii: 'softmax' },
  logsoftmax: { latex: '\\operatorname{log\\_softmax}', unicode: 'log_softmax', ascii: 'log_softmax' },
  logsumexp: { latex: '\\operatorname{logsumexp}', unicode: 'logsumexp', ascii: 'logsumexp' },
} as const satisfies { readonly [K in Op]?: Readonly<Record<Format, string>> };

/** How each norm kind is marked: a subscript, or norm(x, …)'s second argument in ASCII. */
const NORM_MARKS: { readonly [K in NormKind]: Readonly<Record<Format, string>> } = {
  '2': { ascii: '', unicode: '', latex: '' },
  F: { ascii: "'fro'", unicode: '_F', latex: '_{F}' },
  '1': { ascii: '1', unicode: '₁', latex: '_{1}' },
  '∞': { ascii: 'Inf', unicode: '_∞', latex: '_{\\infty}' },
};

/** LaTeX that stands taller than a line of text. */
const TALL_LATEX = /\\(?:frac|dfrac|sum|prod|int|begin|binom|left)(?![A-Za-z])/;

const VULGAR: Record<string, string> = { '1/2': '½', '1/3': '⅓', '2/3': '⅔', '1/4': '¼', '3/4': '¾', '1/5': '⅕', '2/5': '⅖', '3/5': '⅗', '4/5': '⅘', '1/6': '⅙', '5/6': '⅚', '1/8': '⅛', '3/8': '⅜', '5/8': '⅝', '7/8': '⅞' };
const PRIMES = ['', '′', '″', '‴'];

export class Printer {
  private readonly memo = new Map<Node, Printed>();
  readonly t: (typeof TOKENS)[Format];

  constructor(readonly format: Format) {
    this.t = TOKENS[format];
  }

  print(node: Node): Printed {
    let p = this.memo.get(node);
    if (!p) {
      p = (NOTATIONS[node.op] as Notation<Op>)(node as NodeOf<Op>, this);
      this.memo.set(node, p);
    }
    return p;
  }

  /** The child's text, in parentheses when its level is below `min`. */
  wrap(node: Node, min: number): string {
    const p = this.print(node);
    return p.level < min ? this.parens(p.text) : p.text;
  }

  /** A variable's name as written; a document's printer may draw some names in its own fonts. */
  nameText(name: Name): string {
    return printName(name, this.format);
  }

  parens(text: string): string {
    return this.delimit(this.t.open, text, this.t.close);
  }

  /**
   * `open text close`. LaTeX sizes the delimiters with \left…\right only around tall content
   * (a fraction, a sum, an array, or delimiters that are already sized): \left( after a function
   * word opens a visible gap, σ (Ax), and buys nothing around a line of letters.
   */
  delimit(open: string, text: string, close: string): string {
    if (this.format !== 'latex' || !TALL_LATEX.test(text)) return `${open}${text}${close}`;
    return `\\left${open}${text}\\right${close}`;
  }

  /** Joins juxtaposed factors; ASCII spells the product out, LaTeX separates a control word from a letter. */
  juxtapose(parts: readonly string[]): string {
    if (this.format === 'ascii') return parts.join('*');
    let out = '';
    for (const part of parts) {
      if (out && this.format === 'latex' && /\\[A-Za-z]+$/.test(out) && /^[A-Za-z]/.test(part)) out += ' ';
      else if (out && this.format === 'unicode' && ((/_[A-Za-z0-9]+$/.test(out) && /^[A-Za-z0-9]/.test(part)) || (/[0-9]$/.test(out) && /^[0-9]/.test(part)))) out += '·';
      else if (out && this.format === 'unicode' && /^[a-z]{2,}/.test(part) && /[\p{L}\p{N})\]|‖ᵀ′]$/u.test(out)) out += ' '; // γ log|K|, not γlog|K|
      else if (out && !(this.format === 'latex' && /\\[A-Za-z]+$/.test(out)) && joinsIntoWord(out, part)) out += ' '; // n u, not nu (ν)
      // n x(u + v), nx (u + v): letters run together before ( would read as an unknown function nx.
      else if (out && /(?:^|[^A-Za-z\\])[A-Za-z]+$/.test(out) && (/^[A-Za-z]+\(/.test(part) || (part.startsWith('(') && /[A-Za-z]{2}$/.test(out)))) out += ' ';
      out += part;
    }
    return out;
  }

  /** `f(args)` with a function word. */
  applyWord(word: string, args: readonly Node[], primes = 0): Printed {
    const prime = this.format === 'unicode' ? PRIMES[primes] ?? `^(${primes})` : "'".repeat(primes);
    const inner = args.map((a) => this.print(a).text).join(this.t.comma);
    if (this.format === 'latex' && word === '\\sqrt') return { text: `\\sqrt{${inner}}`, level: Level.POSTFIX };
    return { text: `${word}${prime}${this.parens(inner)}`, level: Level.POSTFIX };
  }

  /** A superscript on a base, braced in LaTeX when the base already carries one (`{W^{(1)}}^{\top}`).
   * A function application takes it bare: Φ(z)ᵀ, σ(x)². */
  superscript(base: Node, script: string): string {
    // log|K| and √x are applications without parentheses of their own: log|K|² would read log(|K|²).
    const callLike = printsAsCall(base) && !(base.op === 'apply' && base.attr.kind === 'builtin' && base.attr.name === 'sqrt') && !isBracketedLog(base, this.format);
    const text = this.wrap(base, callLike ? Level.POSTFIX : Level.ATOM);
    if (this.format === 'latex' && base.op === 'var' && base.attr.name.index !== undefined) return `{${text}}${script}`;
    return `${text}${script}`;
  }

  exponent(e: Node): string {
    const r = e.op === 'const' ? e.attr : undefined;
    if (this.format === 'latex') return `^{${this.print(e).text}}`;
    if (r && Q.isInteger(r)) {
      if (this.format === 'unicode') return superscriptDigits(String(r.num)) ?? `^(${r.num})`;
      return `^${r.num < 0 ? `(${r.num})` : r.num}`;
    }
    const p = this.print(e);
    return p.level >= Level.ATOM && !(r && !Q.isInteger(r)) ? `^${p.text}` : `^(${p.text})`;
  }

  constant(r: Q.Rational): string {
    if (!Q.isExact(r)) return String(Q.toNumber(r));
    const a = Math.abs(r.num);
    if (r.den === 1) return String(a);
    if (this.format === 'latex') return `\\frac{${a}}{${r.den}}`;
    if (this.format === 'unicode' && VULGAR[`${a}/${r.den}`]) return VULGAR[`${a}/${r.den}`];
    return `(${a}/${r.den})`;
  }
}

/** log|K|, log‖x‖: a log whose bracketed argument needs no parentheses (not in ASCII, where bars are words). */
const isBracketedLog = (n: Node, format: Format): boolean =>
  n.op === 'apply' && n.attr.kind === 'builtin' && n.attr.name === 'log' && format !== 'ascii' && (n.args[0].op === 'det' || n.args[0].op === 'norm');

type Notation<O extends Op> = (node: NodeOf<O>, p: Printer) => Printed;


const atom = (text: string): Printed => ({ text, level: Level.ATOM });
const word = (op: keyof typeof OP_WORDS, p: Printer): string => OP_WORDS[op][p.format];
const fnWord = (f: ElementwiseBuiltin, p: Printer): string => ELEMENTWISE[f].words[p.format];

/** x⁻¹ for a scalar name: the one reciprocal a fraction can show and still read back as the same node. */
const isReciprocalOfName = (n: Node): boolean =>
  n.op === 'pow' && isScalar(n.shape) && ['var', 'dim', 'constant'].includes(n.args[0].op) && n.args[1].op === 'const' && n.args[1].attr.num === -1 && n.args[1].attr.den === 1;

/** The reciprocal a product prints as a quotient `numerator/denominator`: its one scalar factor d⁻¹, when
 * that factor is the last scalar (so `numerator/d` reads back as the same product). A parameter's
 * plain reciprocal with no other coefficient stays as the notes write it: β⁻¹I, not I/β. */
function quotientDenominator(node: NodeOf<'mul'>): { index: number; denominator: Node } | undefined {
  const scalarCount = isScalar(node.shape) ? node.args.length : node.args.length - 1;
  const reciprocals = node.args.flatMap((f, i) => (i < scalarCount && f.op === 'pow' && f.args[1].op === 'const' && Q.isInteger(f.args[1].attr) && f.args[1].attr.num < 0 ? [i] : []));
  if (reciprocals.length !== 1 || reciprocals[0] !== scalarCount - 1) return undefined;
  const factor = node.args[reciprocals[0]];
  // Only d⁻¹: (d²)⁻¹ would read back as another node than d⁻².
  if (factor.args[1].op !== 'const' || factor.args[1].attr.num !== -1) return undefined;
  const first = node.args[0];
  const coefficient = first.op === 'const' ? Q.toNumber(first.attr) : 1;
  const onlyOther = node.args.length === (first.op === 'const' ? 3 : 2) && !isScalar(node.shape);
  if (factor.args[0].op === 'var' && Math.abs(coefficient) === 1 && onlyOther) return undefined;
  if (factor.args[0].op === 'var' && Math.abs(coefficient) === 1 && node.args.length === (first.op === 'const' ? 2 : 1)) return undefined;
  return { index: reciprocals[0], denominator: factor.args[0] };
}

/** Prints a product: sign, coefficient (a fraction in LaTeX, with the leading scalar names in its numerator), factors;
 * a product with one reciprocal factor as a quotient, `2Xᵀ(Xθ − y)/N`, `x/‖x‖`. */
function printProduct(node: NodeOf<'mul'>, p: Printer): Printed {
  const quotient = quotientDenominator(node);
  // LaTeX writes a name's reciprocal in the coefficient, \frac{2}{N}Xᵀ(…), as the notes do; a compound one as \frac{…}{xᵀx}.
  const isNamed = quotient !== undefined && ['var', 'dim', 'constant'].includes(quotient.denominator.op);
  if (quotient && !(p.format === 'latex' && isNamed)) {
    const first = node.args[0];
    const negative = first.op === 'const' && Q.toNumber(first.attr) < 0;
    const rest = node.args.filter((_, i) => i !== quotient.index);
    const numerator = C.mulAll(negative ? [C.num(Q.neg(first.attr as Q.Rational)), ...rest.slice(1)] : rest);
    const top = p.print(numerator);
    const bottom = p.print(quotient.denominator);
    let text: string;
    if (p.format === 'latex') text = `\\frac{${top.text}}{${bottom.text}}`;
    else {
      const numeratorText = top.level < Level.JUXT ? p.parens(top.text) : top.text;
      const denominatorText = bottom.level < Level.POSTFIX ? p.parens(bottom.text) : bottom.text;
      text = `${numeratorText}/${denominatorText}`;
    }
    if (negative) return { text: `${p.t.neg}${text}`, level: Level.NEG };
    return { text, level: p.format === 'latex' ? Level.JUXT : Level.PRODUCT };
  }
  const first = node.args[0];
  const coefficient = first.op === 'const' ? first.attr : Q.ONE;
  let factors = first.op === 'const' ? node.args.slice(1) : node.args;
  const negative = Q.toNumber(coefficient) < 0;
  const magnitude = negative ? Q.neg(coefficient) : coefficient;
  const parts: string[] = [];
  const isOne = magnitude.num === 1 && magnitude.den === 1;
  if (p.format === 'latex' && Q.isExact(magnitude) && magnitude.den > 1) {
    // −γ/2·log|K| is written −\frac{\gamma}{2}\log|K|: leading scalar names join the numerator.
    let k = 0;
    while (k < factors.length - 1 && ['var', 'dim', 'constant'].includes(factors[k].op) && isScalar(factors[k].shape)) k++;
    if (k === factors.length - 1 && ['var', 'dim', 'constant'].includes(factors[k].op) && isScalar(factors[k].shape)) k++;
    const numerator = k > 0 ? p.juxtapose([...(magnitude.num === 1 ? [] : [String(magnitude.num)]), ...factors.slice(0, k).map((f) => p.print(f).text)]) : String(magnitude.num);
    parts.push(`\\frac{${numerator}}{${magnitude.den}}`);
    factors = factors.slice(k);
  } else if (p.format === 'latex' && Q.isExact(magnitude) && factors.length > 0 && isReciprocalOfName(factors[0]) && (!isOne || factors[0].args[0].op === 'dim')) {
    // −2N⁻¹Xᵀ(y − Xw) is written −\frac{2}{N}X^{\top}(y − Xw), and N⁻¹ of a size \frac{1}{N}; a parameter's
    // plain reciprocal stays β⁻¹ as the notes write it. \frac{2}{N} reads back as the same product.
    parts.push(`\\frac{${magnitude.num}}{${p.print(factors[0].args[0]).text}}`);
    factors = factors.slice(1);
  } else if (!isOne) {
    parts.push(p.constant(magnitude));
  }
  factors.forEach((f, i) => {
    const last = i === factors.length - 1;
    // An inner product followed by more factors reads better in parentheses: (wᵀφ)y.
    // So does log|K| (the grammar reads `log|K|x` as log(|K|x)): (log|K|)x.
    const innerProduct = ((f.op === 'matmul' && isScalar(f.shape)) || (isBracketedLog(f, p.format) && p.print(f).level < Level.ATOM)) && !last;
    // A lone factor after a sign needs only to bind tighter than a sum: −a ⊙ b, not −(a ⊙ b).
    const alone = factors.length === 1 && parts.length === 0;
    const min = alone ? Level.PRODUCT : p.format === 'ascii' ? Level.JUXT : Level.POSTFIX;
    const text = innerProduct ? p.parens(p.print(f).text) : f.op === 'matmul' ? p.wrap(f, Level.JUXT) : p.wrap(f, min);
    parts.push(text);
  });
  const body = parts.length ? p.juxtapose(parts) : '1';
  if (negative) return { text: `${p.t.neg}${body}`, level: Level.NEG };
  return { text: body, level: p.format === 'ascii' ? Level.PRODUCT : Level.JUXT };
}

function printSum(node: NodeOf<'add'>, p: Printer): Printed {
  let text = '';
  node.args.forEach((term, i) => {
    const printed = p.print(term);
    const negative = printed.level === Level.NEG || (term.op === 'const' && Q.toNumber(term.attr) < 0);
    if (i === 0) text = printed.level < Level.NEG ? p.parens(printed.text) : printed.text;
    else if (negative) {
      const positive = printed.text.slice(p.t.neg.length);
      text += `${p.t.minus}${positive}`;
    } else text += `${p.t.plus}${printed.level <= Level.SUM ? p.parens(printed.text) : printed.text}`;
  });
  return { text, level: Level.SUM };
}

/** A matrix product as runs of equal consecutive factors: XXX(XᵀX)⁻¹(XᵀX)⁻¹ → X ×3, (XᵀX)⁻¹ ×2. */
function factorRuns(factors: readonly Node[]): { factor: Node; count: number }[] {
  const runs: { factor: Node; count: number }[] = [];
  for (const f of factors) {
    const last = runs[runs.length - 1];
    if (last && last.factor === f) last.count++;
    else runs.push({ factor: f, count: 1 });
  }
  return runs;
}

/**
 * A run of k equal factors of a matrix product, written as the matrix power the books write (X³,
 * (XᵀX)⁻², as in the Matrix Cookbook's ∂tr(Xᵏ)/∂X and ∂tr((XᵀX)⁻¹)/∂X) when that is no longer than
 * the factors spelled out. The grammar reads Aᵏ and (A⁻¹)ᵏ = A⁻ᵏ of a
 * square matrix as the product of k factors, so the power reads back as the same node.
 */
function matrixPower(factor: Node, count: number, min: number, p: Printer): string {
  // XᵀXᵀ is shorter than (Xᵀ)²; every other run is at least as long spelled out (XX, X², in every format).
  if (count === 1 || (count === 2 && factor.op === 'transpose')) return p.juxtapose(Array.from({ length: count }, () => p.wrap(factor, min)));
  const inverse = factor.op === 'inv';
  return p.superscript(inverse ? factor.args[0] : factor, p.exponent(C.num(inverse ? -count : count)));
}

/** How each op is written, in every format: one entry per op. */
export const NOTATIONS: { [O in Op]: Notation<O> } = {
  const: (n, p) => {
    const text = p.constant(n.attr);
    if (Q.toNumber(n.attr) < 0) return { text: `${p.t.neg}${text}`, level: Level.NEG };
    return { text, level: n.attr.den > 1 && p.format !== 'latex' ? Level.ATOM : Level.ATOM };
  },
  constant: (_, p) => atom(p.t.pi),
  // The direction of a differential, dX in d(AXB) = A(dX)B, parenthesised as Magnus and Neudecker
  // write it; a named derivative, (∂L/∂b₁)xᵀ, likewise.
  var: (n, p) => {
    const name = p.nameText(n.attr.name);
    if (n.attr.key.startsWith(DERIVATIVE_KEY_PREFIX)) return atom(p.parens(name));
    return atom(n.attr.key.startsWith(DIFFERENTIAL_KEY_PREFIX) ? `(${p.format === 'latex' ? '\\mathrm{d}' : 'd'}${name})` : name);
  },
  dim: (n, p) => atom(p.format === 'latex' ? latexBase(n.attr) : p.format === 'ascii' ? asciiBase(n.attr) : n.attr),
  identity: (_, p) => atom(p.t.identity),
  // 𝟙 is a column; a row of ones is written 𝟙ᵀ and a matrix of ones 𝟙𝟙ᵀ, so that each reads back.
  ones: (n, p) => {
    if (n.shape.cols === 1 || isScalar(n.shape)) return atom(p.t.ones);
    if (n.shape.rows === 1) return { text: `${p.t.ones}${p.t.transpose}`, level: Level.POSTFIX };
    return { text: p.juxtapose([p.t.ones, `${p.t.ones}${p.t.transpose}`]), level: p.format === 'ascii' ? Level.PRODUCT : Level.JUXT };
  },
  zeros: (_, p) => atom(p.t.zero),
  add: printSum,
  mul: printProduct,
  matmul: (n, p) => {
    const min = p.format === 'ascii' ? Level.JUXT : Level.POSTFIX;
    return { text: p.juxtapose(factorRuns(n.args).map(({ factor, count }) => matrixPower(factor, count, min, p))), level: p.format === 'ascii' ? Level.PRODUCT : Level.JUXT };
  },
  hadamard: (n, p) => ({
    text: n.args.map((a, i) => p.wrap(a, p.format === 'ascii' ? (i === 0 ? Level.PRODUCT : Level.JUXT) : Level.JUXT)).join(p.t.hadamard),
    level: Level.PRODUCT,
  }),
  pow: (n, p) => {
    const [base, e] = n.args;
    if (!isScalar(base.shape)) {
      // Entrywise power: x^∘², x.^2 (MATLAB's spelling, in ASCII), x^{\circ 2}; each reads back.
      const script = p.format === 'latex' ? `^{\\circ ${p.print(e).text}}` : `${p.format === 'ascii' ? '.^' : '^∘'}${p.exponent(e).replace(/^\^/, '')}`;
      return { text: p.superscript(base, script), level: Level.POSTFIX };
    }
    return { text: p.superscript(base, p.exponent(e)), level: Level.POSTFIX };
  },
  transpose: (n, p) => {
    const a = n.args[0];
    // (X⁻¹)ᵀ is written X⁻ᵀ, as the Matrix Cookbook does.
    if (a.op === 'inv') return { text: p.superscript(a.args[0], p.format === 'latex' ? '^{-\\top}' : p.format === 'unicode' ? '⁻ᵀ' : '^-T'), level: Level.POSTFIX };
    return { text: p.superscript(a, p.t.transpose), level: Level.POSTFIX };
  },
  inv: (n, p) => ({ text: p.superscript(n.args[0], p.format === 'latex' ? '^{-1}' : p.format === 'unicode' ? '⁻¹' : '^-1'), level: Level.POSTFIX }),
  det: (n, p) => (p.format === 'ascii' ? p.applyWord('det', n.args) : atom(p.delimit(p.t.bar[0], p.print(n.args[0]).text, p.t.bar[1]))),
  trace: (n, p) => p.applyWord(word('trace', p), n.args),
  diag: (n, p) => p.applyWord(word('diag', p), n.args),
  norm: (n, p) => {
    const inner = p.print(n.args[0]).text;
    const kind = NORM_MARKS[n.attr][p.format];
    if (p.format === 'ascii') return atom(kind ? `norm(${inner}, ${kind})` : `norm(${inner})`);
    return atom(`${p.delimit(p.t.norm[0], inner, p.t.norm[1])}${kind}`);
  },
  apply: (n, p) => {
    const fn = n.attr;
    const arg = n.args[0];
    if (fn.kind === 'abstract') return p.applyWord(printName(fn.name, p.format), n.args, fn.order);
    if (fn.name === 'abs') return p.format === 'ascii' ? p.applyWord('abs', n.args) : atom(p.delimit(p.t.bar[0], p.print(arg).text, p.t.bar[1]));
    // log|K|, log‖x‖: a bracketed argument needs no parentheses.
    if (isBracketedLog(n, p.format)) return { text: `${fnWord('log', p)}${p.print(arg).text}`, level: Level.POSTFIX };
    if (fn.name === 'sqrt' && p.format === 'unicode') {
      const inner = p.print(arg);
      return { text: `√${inner.level >= Level.ATOM ? inner.text : p.parens(inner.text)}`, level: Level.POSTFIX };
    }
    return p.applyWord(fnWord(fn.name, p), n.args);
  },
  indicator: (n, p) => {
    const [a, b] = n.args;
    return atom(`${p.t.indicator[0]}${p.delimit(p.t.indicator[1], `${p.print(a).text} ${RELATIONS[p.format][n.attr]} ${p.print(b).text}`, p.t.indicator[2])}`);
  },
  max: (n, p) => p.applyWord(word('max', p), n.args),
  min: (n, p) => p.applyWord(word('min', p), n.args),
  softmax: (n, p) => p.applyWord(word('softmax', p), n.args),
  logsoftmax: (n, p) => p.applyWord(word('logsoftmax', p), n.args),
  logsumexp: (n, p) => p.applyWord(word('logsumexp', p), n.args),
  call: (n, p) => {
    const name = printName(n.attr.name, p.format);
    const partials = n.attr.partials;
    if (partials.length === 0) return p.applyWord(name, n.args);
    const sub = partials.map((i) => (p.format === 'unicode' ? (inScript(String(i), SUBSCRIPTS) as string) : String(i)));
    const prefix = p.format === 'latex' ? partials.map((i) => `\\partial_{${i}}`).join('') + ' ' : p.format === 'unicode' ? sub.map((s) => `∂${s}`).join('') : partials.map((i) => `partial_${i} `).join('');
    const inner = n.args.map((a) => p.print(a).text).join(', ');
    return { text: `${prefix}${name}${p.parens(inner)}`, level: Level.POSTFIX };
  },
};

export function print(node: Node, format: Format): string {
  return new Printer(format).print(node).text;
}

export const toLatex = (node: Node): string => print(node, 'latex');
export const toUnicode = (node: Node): string => print(node, 'unicode');
export const toAscii = (node: Node): string => print(node, 'ascii');
