// Python modules (NumPy, PyTorch, JAX) printed from the simplified value + gradient DAG: the same
// hash-consed IR the JS lowering consumes, one printing rule per op. Array code stays array code:
// products are `@` (matrix chains in the cheapest order), K⁻¹B is a solve (Cholesky with an LU
// fallback for symmetric K in NumPy), log|K| is slogdet, σ/softplus/log-sum-exp/softmax are the
// stable forms, and a node used more than once is computed once into a local.
//
// Representation: a scalar is a 0-d value, a vector (column n×1 or row 1×n) a 1-D array of length
// n, a matrix 2-D. The IR shapes keep the orientation, so a column times a row is an outer product
// and a row times a column a dot product.
//
// User text (sources, names as written, formulas) reaches the text in exactly two places, each
// through one function: comments and docstrings through `pythonCommentText`, string literals
// through `pythonString`. Identifiers are checked by `pythonIdentifier`.
import type { Node, NodeOf, Op } from '../ir/node.ts';
import { topoSort } from '../ir/node.ts';
import { transpose } from '../ir/construct.ts';
import { isSymmetric } from '../ir/properties.ts';
import * as Q from '../ir/rational.ts';
import type { Dim } from '../ir/shape.ts';
import { ChainruleError, internalError } from '../errors.ts';

export const PYTHON_LANGS = ['numpy', 'torch', 'jax'] as const;
export type PythonLang = (typeof PYTHON_LANGS)[number];
export const isPythonLang = (lang: string): lang is PythonLang => (PYTHON_LANGS as readonly string[]).includes(lang);

// ---- escaping -----------------------------------------------------------------------------------

/** Every character Python's str.splitlines() treats as a line end (\n \r \v \f \x1c-\x1e \x85
 * U+2028 U+2029); the tokenizer itself ends lines only at \n and \r, but docstrings shown by help()
 * and editors split at all of them. */
const PY_LINE_END = /[\n\r\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]/;

/** Characters never written raw: every control (C0, DEL, C1), the line ends above, bidirectional
 * overrides and isolates (Trojan Source), zero-width format characters, the BOM, and lone surrogates
 * (a Python source file must be valid UTF-8, which cannot hold them). */
const PY_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]/gu;

/** A Python escape for one unsafe character (valid in a string literal and a docstring). */
function pythonEscape(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Backslashes and double quotes escaped, unsafe characters as \x/\u escapes. */
const escapeBody = (text: string): string => text.replace(/[\\"]/g, (c) => `\\${c}`).replace(PY_UNSAFE, pythonEscape);

/**
 * The one way text enters a comment or a docstring. The result is one line with no line end of any
 * kind, no raw control or bidi character, no unescaped backslash and no double quote, so it can
 * neither end a `#` comment nor close a `"""` docstring, and inside a docstring its escapes decode
 * back to the original text. Asserted, not assumed.
 */
export function pythonCommentText(text: string): string {
  const safe = escapeBody(text);
  if (PY_LINE_END.test(safe) || /(^|[^\\])"/.test(safe)) throw internalError('Python comment text escaped incompletely');
  return safe;
}

/** The one way text becomes a Python string literal: double-quoted, one line, escapes as above. */
export function pythonString(text: string): string {
  const body = escapeBody(text);
  if (PY_LINE_END.test(body)) throw internalError('Python string literal escaped incompletely');
  return `"${body}"`;
}

const PY_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally',
  'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
  'match', 'case', 'type', '_',
]);

/** A local name: an ASCII identifier that is not a keyword, or an internal error. */
function pythonIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || PY_KEYWORDS.has(name)) throw internalError(`not a safe Python identifier: ${JSON.stringify(name)}`);
  return name;
}

// ---- the module description -------------------------------------------------------------------

export interface PythonInput {
  /** ASCII key of the inputs dict: `W1`, `alpha`. */
  readonly key: string;
  /** As written: `W⁽¹⁾`, `α`. */
  readonly display: string;
  readonly rows: Dim;
  readonly cols: Dim;
  readonly symmetric: boolean;
}

export interface PythonGradient {
  readonly key: string;
  readonly display: string;
  readonly formula: string;
  readonly node: Node;
}

export interface PythonSpec {
  readonly source: string;
  readonly where?: string;
  readonly command?: string;
  readonly outputName: string;
  readonly outputFormula: string;
  readonly output: Node;
  readonly inputs: readonly PythonInput[];
  readonly gradients: readonly PythonGradient[];
  /** Sizes fixed at generation. */
  readonly dims: Readonly<Record<string, number>>;
  /** Every symbolic size of the expression. */
  readonly sizes: readonly string[];
  /** The ASCII key of each variable (by variable key). */
  readonly inputKey: (variableKey: string) => string;
  /** Unicode text of a node, for the comments above shared values. */
  readonly label: (node: Node) => string;
  /** With --hessian: hessian(inputs) and hvp(inputs, direction). */
  readonly second?: PythonSecondOrder;
}

/** What hessian and hvp return, by key. */
export interface PythonSecondOrder {
  /** The Hessian blocks with a matrix form, keyed `x` or `x_y`: arrays shaped shape(x) + shape(y). */
  readonly hessians: readonly PythonGradient[];
  /** The joint Hessian-vector product's part for every variable, keyed like the gradient. */
  readonly hvps: readonly PythonGradient[];
  /** The input key whose direction part a direction variable is (by variable key); undefined for the model's own variables. */
  readonly directionOf: (variableKey: string) => string | undefined;
}

export interface PythonOptions {
  readonly lang: PythonLang;
  /** Append `check_gradients()`, a finite-difference self-test. */
  readonly check?: boolean;
}

// ---- expressions with precedence --------------------------------------------------------------

/** Python precedence levels (the language reference, lowest first). */
const P = { cond: 1, compare: 5, additive: 10, multiplicative: 11, unary: 12, power: 13, primary: 15, atom: 16 } as const;

interface Code {
  readonly text: string;
  readonly level: number;
}

const code = (text: string, level: number): Code => ({ text, level });
const atom = (text: string): Code => code(text, P.atom);
const wrap = (c: Code, min: number): string => (c.level < min ? `(${c.text})` : c.text);
const call = (f: string, ...args: Code[]): Code => code(`${f}(${args.map((a) => a.text).join(', ')})`, P.primary);

function pythonNumber(x: number): string {
  if (Number.isNaN(x)) return 'math.nan';
  if (x === Infinity) return 'math.inf';
  if (x === -Infinity) return '-math.inf';
  if (Object.is(x, -0)) return '-0.0';
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return `${x}.0`;
  return String(x);
}

/** Shape kinds of the array representation. */
type Kind = 'scalar' | 'vector' | 'matrix';
const kindOf = (n: { shape: { rows: Dim; cols: Dim } }): Kind => (n.shape.rows === 1 && n.shape.cols === 1 ? 'scalar' : n.shape.rows === 1 || n.shape.cols === 1 ? 'vector' : 'matrix');
const isColumnVector = (s: { rows: Dim; cols: Dim }): boolean => s.cols === 1 && s.rows !== 1;
const isRowVector = (s: { rows: Dim; cols: Dim }): boolean => s.rows === 1 && s.cols !== 1;

/** What differs between NumPy, PyTorch and JAX: the namespace and a few spellings. */
interface Target {
  readonly ns: string;
  readonly imports: readonly string[];
  readonly arrayType: string;
  /** Functions of the namespace with the same name in all three (exp, log, …). */
  readonly sigmoid: string;
  readonly logSigmoid: string;
  readonly softplus: string;
  readonly relu: string;
  readonly softmax: string;
  /** Softmax of each row of a matrix (softmax(QKᵀ) in attention). */
  readonly softmaxRows: string;
  readonly logSoftmax: string;
  readonly logSoftmaxRows: string;
  readonly logsumexp: string;
  /** The error function: not in NumPy itself. */
  readonly erf: string;
  /** Extra keyword arguments of array constructors (`**_like`: dtype and device in torch). */
  readonly ctorArgs: string;
  readonly copy: (x: string) => string;
  readonly indicator: (test: string) => string;
}

const TARGETS: Record<PythonLang, Target> = {
  numpy: {
    ns: 'np',
    imports: ['import math', '', 'import numpy as np'],
    arrayType: 'numpy.ndarray',
    sigmoid: '_sigmoid',
    logSigmoid: '_log_sigmoid',
    softplus: '_softplus',
    relu: '_relu',
    softmax: '_softmax',
    softmaxRows: '_softmax_rows',
    logSoftmax: '_log_softmax',
    logSoftmaxRows: '_log_softmax_rows',
    logsumexp: '_logsumexp',
    erf: '_erf',
    ctorArgs: '',
    copy: (x) => `np.array(${x})`,
    indicator: (test) => `np.where(${test}, 1.0, 0.0)`,
  },
  torch: {
    ns: 'torch',
    imports: ['import math', '', 'import torch'],
    arrayType: 'torch.Tensor',
    sigmoid: 'torch.sigmoid',
    logSigmoid: 'torch.nn.functional.logsigmoid',
    softplus: '_softplus',
    relu: 'torch.relu',
    softmax: '_softmax',
    softmaxRows: '_softmax_rows',
    logSoftmax: '_log_softmax',
    logSoftmaxRows: '_log_softmax_rows',
    logsumexp: '_logsumexp',
    erf: 'torch.special.erf',
    ctorArgs: ', **_like',
    copy: (x) => `${x}.clone()`,
    indicator: (test) => `(${test}).to(_like["dtype"])`,
  },
  jax: {
    ns: 'jnp',
    imports: ['import math', '', 'import jax', 'import jax.numpy as jnp', 'import jax.scipy.special'],
    arrayType: 'jax.Array',
    sigmoid: 'jax.nn.sigmoid',
    logSigmoid: 'jax.nn.log_sigmoid',
    softplus: '_softplus',
    relu: '_relu',
    softmax: '_softmax',
    softmaxRows: '_softmax_rows',
    logSoftmax: '_log_softmax',
    logSoftmaxRows: '_log_softmax_rows',
    logsumexp: '_logsumexp',
    erf: 'jax.scipy.special.erf',
    ctorArgs: '',
    copy: (x) => x,
    indicator: (test) => `jnp.where(${test}, 1.0, 0.0)`,
  },
};

/** Numerically stable helpers, per target, emitted only when used. */
const HELPERS: Record<PythonLang, Record<string, readonly string[]>> = {
  numpy: {
    _sigmoid: ['def _sigmoid(x):', '    """σ(x) = 1/(1 + e⁻ˣ): SciPy\'s expit, one pass, no overflow, exact in both tails."""', '    return scipy.special.expit(x)'],
    _log_sigmoid: ['def _log_sigmoid(x):', '    """log σ(x) = −softplus(−x): finite at x = −1000, where σ(x) underflows."""', '    return -np.logaddexp(0.0, -x)'],
    _softplus: ['def _softplus(x):', '    """softplus(x) = log(1 + eˣ), no overflow at x = 1000."""', '    return np.logaddexp(0.0, x)'],
    _relu: ['def _relu(x):', '    """relu(x) = max(x, 0)."""', '    return np.maximum(x, 0.0)'],
    _softmax: ['def _softmax(x):', '    """softmax(x), shifted by the maximum so that inputs of ±1000 stay finite."""', '    e = np.exp(x - np.max(x))', '    return e / np.sum(e)'],
    _logsumexp: ['def _logsumexp(x):', '    """log Σ exp(xᵢ), shifted by the maximum so that inputs of ±1000 stay finite."""', '    m = np.max(x)', '    return m + np.log(np.sum(np.exp(x - m)))'],
    _softmax_rows: ['def _softmax_rows(X):', '    """softmax of each row of X, each shifted by its maximum."""', '    e = np.exp(X - np.max(X, axis=-1, keepdims=True))', '    return e / np.sum(e, axis=-1, keepdims=True)'],
    _log_softmax: ['def _log_softmax(x):', '    """log softmax(x) = x − logsumexp(x), shifted by the maximum: finite where softmax underflows."""', '    s = x - np.max(x)', '    return s - np.log(np.sum(np.exp(s)))'],
    _log_softmax_rows: ['def _log_softmax_rows(X):', '    """log softmax of each row of X, each shifted by its maximum."""', '    s = X - np.max(X, axis=-1, keepdims=True)', '    return s - np.log(np.sum(np.exp(s), axis=-1, keepdims=True))'],
    _erf: ['def _erf(x):', '    """erf(x), from SciPy (NumPy has none)."""', '    from scipy.special import erf', '    return erf(x)'],
    _logdet: [
      'def _logdet(K):',
      '    """log|K| from slogdet: −inf when K is singular, nan when det K < 0 (as log of a negative number)."""',
      '    sign, logabs = np.linalg.slogdet(K)',
      '    return np.where(sign > 0, logabs, np.where(sign == 0, -np.inf, np.nan))',
    ],
    _spd_factor: [
      'def _spd_factor(K):',
      '    """Factors a symmetric K once for all its solves: Cholesky when K is positive definite; else K is',
      '    kept for np.linalg.solve (LU with pivoting, LinAlgError when K is singular)."""',
      '    try:',
      '        return True, scipy.linalg.cho_factor(K, check_finite=False)',
      '    except np.linalg.LinAlgError:',
      '        return False, K',
      '',
      '',
      'def _spd_solve(factor, B):',
      '    """K⁻¹B from _spd_factor(K)."""',
      '    cholesky, f = factor',
      '    return scipy.linalg.cho_solve(f, B, check_finite=False) if cholesky else np.linalg.solve(f, B)',
    ],
    _spd_logdet: [
      'def _spd_logdet(factor, K):',
      '    """log|K| from _spd_factor(K): 2 Σ log Lᵢᵢ after Cholesky, else slogdet (see _logdet)."""',
      '    cholesky, f = factor',
      '    return 2.0 * np.sum(np.log(np.diag(f[0]))) if cholesky else _logdet(K)',
    ],
  },
  torch: {
    _softplus: ['def _softplus(x):', '    """softplus(x) = log(1 + eˣ), no overflow at x = 1000 (and no threshold approximation)."""', '    return torch.logaddexp(x, torch.zeros_like(x))'],
    _softmax: ['def _softmax(x):', '    """softmax(x), stable (torch shifts by the maximum)."""', '    return torch.softmax(x, dim=0)'],
    _logsumexp: ['def _logsumexp(x):', '    """log Σ exp(xᵢ), stable (torch shifts by the maximum)."""', '    return torch.logsumexp(x.reshape(-1), dim=0)'],
    _softmax_rows: ['def _softmax_rows(X):', '    """softmax of each row of X, stable."""', '    return torch.softmax(X, dim=-1)'],
    _log_softmax: ['def _log_softmax(x):', '    """log softmax(x), stable (torch shifts by the maximum)."""', '    return torch.log_softmax(x, dim=0)'],
    _log_softmax_rows: ['def _log_softmax_rows(X):', '    """log softmax of each row of X, stable."""', '    return torch.log_softmax(X, dim=-1)'],
    _logdet: [
      'def _logdet(K):',
      '    """log|K| from slogdet: −inf when K is singular, nan when det K < 0 (as log of a negative number)."""',
      '    sign, logabs = torch.linalg.slogdet(K)',
      '    return torch.where(sign > 0, logabs, torch.where(sign == 0, -torch.inf, torch.nan))',
    ],
  },
  jax: {
    _softplus: ['def _softplus(x):', '    """softplus(x) = log(1 + eˣ), no overflow at x = 1000."""', '    return jnp.logaddexp(0.0, x)'],
    _relu: ['def _relu(x):', '    """relu(x) = max(x, 0)."""', '    return jnp.maximum(x, 0.0)'],
    _softmax: ['def _softmax(x):', '    """softmax(x), shifted by the maximum so that inputs of ±1000 stay finite."""', '    return jax.nn.softmax(x)'],
    _logsumexp: ['def _logsumexp(x):', '    """log Σ exp(xᵢ), shifted by the maximum so that inputs of ±1000 stay finite."""', '    return jax.scipy.special.logsumexp(x)'],
    _softmax_rows: ['def _softmax_rows(X):', '    """softmax of each row of X, stable."""', '    return jax.nn.softmax(X, axis=-1)'],
    _log_softmax: ['def _log_softmax(x):', '    """log softmax(x), stable."""', '    return jax.nn.log_softmax(x)'],
    _log_softmax_rows: ['def _log_softmax_rows(X):', '    """log softmax of each row of X, stable."""', '    return jax.nn.log_softmax(X, axis=-1)'],
    _logdet: [
      'def _logdet(K):',
      '    """log|K| from slogdet: −inf when K is singular, nan when det K < 0 (as log of a negative number)."""',
      '    sign, logabs = jnp.linalg.slogdet(K)',
      '    return jnp.where(sign > 0, logabs, jnp.where(sign == 0, -jnp.inf, jnp.nan))',
    ],
  },
};

function notGeneratable(what: string): never {
  throw new ChainruleError(`${what} is an abstract function: generated code needs a concrete one`, {
    hint: 'write a built-in in its place (tanh, σ, relu, softplus, exp), e.g. tanh(W⁽¹⁾x + b) for Φ(W⁽¹⁾x + b)',
  });
}

/** Estimated size of a symbolic dimension when choosing a multiplication order. */
const ASSUMED_SIZE = 100;
const estimate = (d: Dim): number => (typeof d === 'number' ? d : ASSUMED_SIZE);

/** A factor of a product chain: its shape and code. */
interface Part {
  readonly rows: Dim;
  readonly cols: Dim;
  readonly code: Code;
  /** The node it computes, when it is a factor of the chain as written (solves are keyed by it). */
  readonly node?: Node;
}

/** A chain item before solves are placed: a part, or K⁻¹ (K⁻ᵀ) waiting for a neighbour. */
type ChainItem = { readonly kind: 'part'; readonly part: Part } | { readonly kind: 'inverse'; readonly matrix: Node; readonly transposed: boolean };

// ---- the body printer ---------------------------------------------------------------------------

/** Names for locals: nothing shadows a module name, a helper or another local. */
class Names {
  // Module-level names start with _ or are upper case; locals never start with _.
  private readonly taken = new Set(['np', 'scipy', 'torch', 'jax', 'jnp', 'math', 'inputs', 'dims', 'sizes', 'value', 'value_and_grad', 'grad', 'check_gradients', 'arrays', '_like', 'INPUTS', 'SIZES', 'hessian', 'hvp', 'direction', 'parts', 'HVP_KEYS']);
  private counter = 0;

  claim(wanted: string): string {
    let name = wanted.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z]/.test(name)) name = `v${name}`;
    while (this.taken.has(name) || PY_KEYWORDS.has(name)) name = `${name}_`;
    this.taken.add(name);
    return name;
  }

  fresh(hint: string): string {
    let name: string;
    do name = `${hint}${++this.counter}`;
    while (this.taken.has(name));
    this.taken.add(name);
    return name;
  }
}

/** Prints the statements computing a set of roots, sharing every node used more than once. */
class BodyPrinter {
  readonly lines: string[] = [];
  readonly helpers = new Set<string>();
  private readonly memo = new Map<Node, Code>();
  private readonly uses = new Map<Node, number>();
  private readonly factors = new Map<Node, string>();
  private readonly data = new Map<Node, boolean>();
  private readonly solved = new Map<string, Code>();
  /** Matrices some root solves with: log|K| of one reuses its factorization. */
  private readonly inverted = new Set<Node>();
  private readonly target: Target;

  constructor(
    private readonly lang: PythonLang,
    roots: readonly Node[],
    private readonly names: Names,
    /** Local of each input, by variable key. */
    private readonly inputLocal: (variableKey: string) => string,
    private readonly sizeLocal: (d: string) => string,
    private readonly label: (node: Node) => string,
  ) {
    this.target = TARGETS[lang];
    for (const node of topoSort(roots)) {
      for (const a of node.args) this.uses.set(a, (this.uses.get(a) ?? 0) + 1);
      if (node.op === 'inv') this.inverted.add(node.args[0]);
    }
    for (const r of roots) this.uses.set(r, (this.uses.get(r) ?? 0) + 1);
  }

  private ns(name: string): string {
    return `${this.target.ns}.${name}`;
  }

  private helper(name: string): string {
    if (HELPERS[this.lang][name]) this.helpers.add(name);
    return name;
  }

  /** The expression of a node; a node used more than once is bound to a local first. */
  expr(node: Node): Code {
    const known = this.memo.get(node);
    if (known) return known;
    let c = this.rule(node);
    const constant = node.op === 'const' || node.op === 'constant' || node.op === 'dim';
    if ((this.uses.get(node) ?? 0) > 1 && c.level < P.atom && !constant) c = this.bind(c, node);
    this.memo.set(node, c);
    return c;
  }

  /** `name = code`, with the formula as a comment; returns the name. */
  bind(c: Code, node?: Node, hint = 't'): Code {
    const name = this.names.fresh(hint);
    if (node) this.lines.push(`# ${pythonCommentText(`${name} = ${this.label(node)}`)}`);
    this.lines.push(`${name} = ${c.text}`);
    return atom(name);
  }

  /** A node as a plain name (for x @ x, where the operand appears twice). */
  private named(node: Node): Code {
    const c = this.expr(node);
    if (c.level === P.atom) return c;
    const b = this.bind(c, node);
    this.memo.set(node, b);
    return b;
  }

  /** Whether a node's value comes from the inputs (else it is a Python number, or built from sizes). */
  private dependsOnData(node: Node): boolean {
    let known = this.data.get(node);
    if (known === undefined) {
      known = node.op === 'var' || node.op === 'identity' || node.op === 'ones' || node.op === 'zeros' || node.args.some((a) => this.dependsOnData(a));
      this.data.set(node, known);
    }
    return known;
  }

  /** A Python number as an array scalar, where Python's own arithmetic would differ ((−8.0) ** 0.5 is complex). */
  private lifted(node: Node): Code {
    const c = this.expr(node);
    if (this.dependsOnData(node)) return c;
    return this.lang === 'numpy' ? call('np.float64', c) : this.lang === 'jax' ? call('jnp.asarray', c, atom('dtype=float')) : call('torch.as_tensor', c, atom('**_like'));
  }

  /** An argument of a tensor function: torch functions need tensors, not Python numbers. */
  private tensorArg(node: Node): Code {
    const c = this.expr(node);
    return this.lang === 'torch' ? this.lifted(node) : c;
  }

  private size(d: Dim): Code {
    return typeof d === 'number' ? atom(String(d)) : atom(this.sizeLocal(d));
  }

  private shapeArgs(rows: Dim, cols: Dim): Code {
    const k = kindOf({ shape: { rows, cols } });
    if (k === 'vector') return this.size(rows === 1 ? cols : rows);
    return atom(`(${this.size(rows).text}, ${this.size(cols).text})`);
  }

  private elementwise(fnName: string, arg: Node): Code {
    return call(fnName, this.tensorArg(arg));
  }

  private rule(node: Node): Code {
    return (RULES[node.op] as (n: Node, p: BodyPrinter) => Code)(node, this);
  }

  // ---- rules' building blocks ------------------------------------------------------------------

  constant(n: NodeOf<'const'>): Code {
    const r = n.attr;
    // ½ is 0.5; ⅓ stays 1.0 / 3.0 (the same correctly rounded double, and readable).
    const binary = Number.isInteger(Math.log2(Math.abs(r.den)));
    if (!Q.isInteger(r) && Q.isExact(r) && r.den !== 1 && !binary) return code(`${pythonNumber(r.num)} / ${pythonNumber(r.den)}`, P.multiplicative);
    const x = Q.toNumber(r);
    return x < 0 || Object.is(x, -0) ? code(pythonNumber(x), P.unary) : atom(pythonNumber(x));
  }

  pi(): Code {
    return atom('math.pi');
  }

  variable(n: NodeOf<'var'>): Code {
    return atom(this.inputLocal(n.attr.key));
  }

  dim(n: NodeOf<'dim'>): Code {
    return this.size(n.attr);
  }

  identity(n: Node): Code {
    return call(this.ns('eye'), atom(`${this.size(n.shape.rows).text}${this.target.ctorArgs}`));
  }

  filled(n: Node, value: 'ones' | 'zeros'): Code {
    if (kindOf(n) === 'scalar') return atom(value === 'ones' ? '1.0' : '0.0');
    return call(this.ns(value), atom(`${this.shapeArgs(n.shape.rows, n.shape.cols).text}${this.target.ctorArgs}`));
  }

  sum(n: Node): Code {
    const parts: string[] = [];
    // 𝟙 − s is 1.0 - s: another term is an array of the sum's shape, so the scalar broadcasts and no
    // array of ones is made.
    const broadcast = n.args.some((b) => b.op !== 'ones' && this.dependsOnData(b));
    n.args.forEach((a, i) => {
      const negated = this.negatedTerm(a);
      if (negated && i > 0) parts.push(`- ${wrap(negated, P.multiplicative)}`);
      else {
        const c = a.op === 'ones' && broadcast ? atom('1.0') : this.expr(a);
        parts.push(i === 0 ? wrap(c, P.additive) : `+ ${wrap(c, P.additive + 1)}`);
      }
    });
    return code(parts.join(' '), P.additive);
  }

  /** −c·x as c·x, for printing a − c·x. */
  private negatedTerm(a: Node): Code | undefined {
    if (a.op === 'const' && Q.toNumber(a.attr) < 0) return this.constant({ ...a, attr: Q.neg(a.attr) } as NodeOf<'const'>);
    if (a.op !== 'mul' || a.args[0].op !== 'const' || Q.toNumber(a.args[0].attr) >= 0 || (this.uses.get(a) ?? 0) > 1) return undefined;
    const coefficient = Q.neg(a.args[0].attr);
    const rest = a.args.slice(1).map((x) => this.expr(x));
    if (Q.toNumber(coefficient) !== 1) rest.unshift(this.constant({ ...a.args[0], attr: coefficient } as NodeOf<'const'>));
    return this.product(rest);
  }

  private product(factors: Code[]): Code {
    if (factors.length === 1) return factors[0];
    return code(factors.map((f, i) => wrap(f, i === 0 ? P.multiplicative : P.multiplicative + 1)).join(' * '), P.multiplicative);
  }

  mul(n: Node): Code {
    const first = n.args[0];
    if (first.op === 'const' && Q.toNumber(first.attr) === -1 && n.args.length > 1) {
      const rest = this.product(n.args.slice(1).map((a) => this.expr(a)));
      return code(`-${wrap(rest, P.unary)}`, P.unary);
    }
    const last = n.args[n.args.length - 1];
    if (last.op === 'matmul' && n.args.length > 1 && (this.uses.get(last) ?? 0) === 1 && !this.memo.has(last)) {
      // s·(A·B·x): the scalars scale the smallest factor (2·(r xᵀ) is np.outer(2.0 * r, x)).
      const scalars = n.args.slice(0, -1).map((a) => this.expr(a));
      const parts = this.placeSolves(this.chainItems(last.args));
      const elements = (p: Part): number => estimate(p.rows) * estimate(p.cols);
      const smallest = parts.reduce((best, p, i) => (elements(p) < elements(parts[best]) ? i : best), 0);
      const scaled = { ...parts[smallest], code: this.product([...scalars, parts[smallest].code]) };
      return this.multiply(parts.map((p, i) => (i === smallest ? scaled : p))).code;
    }
    return this.product(n.args.map((a) => this.expr(a)));
  }

  hadamard(n: Node): Code {
    return this.product(n.args.map((a) => this.expr(a)));
  }

  power(n: NodeOf<'pow'>): Code {
    const [base, exponent] = n.args;
    const e = exponent.op === 'const' ? Q.toNumber(exponent.attr) : undefined;
    // ‖x‖² and ‖X‖_F² as a sum of squares; ‖w‖₁² and ‖w‖_∞² are squares of their norm.
    if (base.op === 'norm' && (base.attr === '2' || base.attr === 'F') && e === 2) return this.sumOfSquares(base.args[0]);
    if (e === 0.5) return this.elementwise(this.ns('sqrt'), base);
    if (e === -1) return code(`1.0 / ${wrap(this.expr(base), P.multiplicative + 1)}`, P.multiplicative);
    if (e === 2) return call(this.ns('square'), this.tensorArg(base));
    return code(`${wrap(this.lifted(base), P.power + 1)} ** ${wrap(this.expr(exponent), P.unary)}`, P.power);
  }

  /** ‖x‖² = x @ x (vectors) or Σ X² (matrices). */
  sumOfSquares(x: Node): Code {
    const k = kindOf(x);
    if (k === 'scalar') return call(this.ns('square'), this.tensorArg(x));
    if (k === 'vector') {
      const v = this.named(x);
      return code(`${v.text} @ ${v.text}`, P.multiplicative);
    }
    return call(this.ns('sum'), call(this.ns('square'), this.expr(x)));
  }

  transpose(n: Node): Code {
    const a = n.args[0];
    const c = this.expr(a);
    if (kindOf(a) !== 'matrix') return c;
    return code(`${wrap(c, P.primary)}.T`, P.primary);
  }

  // ---- products and solves -----------------------------------------------------------------------

  /** The items of a chain: K⁻¹ and K⁻ᵀ become solves with their neighbours. */
  private chainItems(args: readonly Node[]): ChainItem[] {
    return args.map((a): ChainItem => {
      if (a.op === 'inv') return { kind: 'inverse', matrix: a.args[0], transposed: false };
      if (a.op === 'transpose' && a.args[0].op === 'inv') return { kind: 'inverse', matrix: a.args[0].args[0], transposed: true };
      return { kind: 'part', part: { rows: a.shape.rows, cols: a.shape.cols, code: this.expr(a), node: a } };
    });
  }

  /** Whether NumPy code factors this matrix once (Cholesky, LU when not positive definite): a
   * symmetric matrix, declared (K: n×n symmetric) or by its structure (αAAᵀ + β⁻¹I, XᵀX, K⁻¹). */
  private factored(matrix: Node): boolean {
    return this.lang === 'numpy' && isSymmetric(matrix);
  }

  /** The local holding the factorization of a symmetric matrix, made on first use. */
  private factorOf(matrix: Node): Code {
    let f = this.factors.get(matrix);
    if (!f) {
      f = this.bind(call(this.helper('_spd_factor'), this.expr(matrix)), undefined, 'factor').text;
      this.factors.set(matrix, f);
    }
    return atom(f);
  }

  /** What identifies a solve op(K)⁻¹·B: K, whether transposed (not for a symmetric K), and B. */
  private solveKey(matrix: Node, transposed: boolean, b: Part): string {
    return `${matrix.id}|${transposed && !isSymmetric(matrix)}|${b.node ? `#${b.node.id}` : b.code.text}`;
  }

  /** K⁻¹ next to a factor whose solve is already computed takes it: in K⁻¹BBᵀK⁻¹A after K⁻¹B = M,
   * the chain becomes M·Mᵀ·A (BᵀK⁻¹ = (K⁻¹B)ᵀ for a symmetric K), one solve instead of three. */
  private reuseSolves(items: readonly ChainItem[]): ChainItem[] {
    return this.solveWithNeighbours(items, (x, p, transposed) => this.solved.has(this.solveKey(x.matrix, transposed, p)), () => true);
  }

  /** Each K⁻¹ solved with its right neighbour (K⁻¹p) when `takes` it, else with its left one
   * (pᵀK⁻¹ = (K⁻ᵀp)ᵀ); `side` says which neighbours a rule considers. */
  private solveWithNeighbours(items: readonly ChainItem[], takes: (x: Extract<ChainItem, { kind: 'inverse' }>, p: Part, transposed: boolean) => boolean, side: (p: Part, right: boolean) => boolean): ChainItem[] {
    const out = [...items];
    for (let i = 0; i < out.length; i++) {
      const x = out[i];
      if (x.kind !== 'inverse') continue;
      const right = out[i + 1];
      const left = out[i - 1];
      if (right?.kind === 'part' && side(right.part, true) && takes(x, right.part, x.transposed)) {
        out.splice(i, 2, { kind: 'part', part: this.solve(x.matrix, x.transposed, right.part) });
      } else if (left?.kind === 'part' && side(left.part, false) && takes(x, this.transposed(left.part), !x.transposed)) {
        out.splice(i - 1, 2, { kind: 'part', part: this.transposed(this.solve(x.matrix, !x.transposed, this.transposed(left.part))) });
        i--;
      }
    }
    return out;
  }

  /** op(K)⁻¹·B, each distinct solve computed once into a local. */
  private solve(matrix: Node, transposed: boolean, b: Part): Part {
    const key = this.solveKey(matrix, transposed, b);
    let c = this.solved.get(key);
    if (!c) {
      // Named: a matrix solved with more than once is computed once.
      const K = this.named(matrix);
      const Kt = transposed && !isSymmetric(matrix) ? code(`${wrap(K, P.primary)}.T`, P.primary) : K;
      const solution = this.factored(matrix) ? call(this.helper('_spd_solve'), this.factorOf(matrix), b.code) : call(this.ns('linalg.solve'), Kt, b.code);
      c = this.bind(solution, undefined, 'solved');
      this.solved.set(key, c);
    }
    return { rows: b.rows, cols: b.cols, code: c };
  }

  private transposed(p: Part): Part {
    const isMatrix = p.rows !== 1 && p.cols !== 1;
    // (Bᵀ)ᵀ is B itself: its own local, not t.T.
    if (p.node?.op === 'transpose') {
      const inner = p.node.args[0];
      return { rows: p.cols, cols: p.rows, code: this.expr(inner), node: inner };
    }
    return { rows: p.cols, cols: p.rows, code: isMatrix ? code(`${wrap(p.code, P.primary)}.T`, P.primary) : p.code, ...(p.node ? { node: transpose(p.node) } : {}) };
  }

  /** The chain with its inverses applied as solves, then multiplied in the cheapest order. */
  private placeSolves(all: readonly ChainItem[]): Part[] {
    const items = this.solveWithVectors(this.reuseSolves(all));
    let last = -1;
    items.forEach((x, i) => {
      if (x.kind === 'inverse') last = i;
    });
    if (last < 0) return items.map((x) => (x as Extract<ChainItem, { kind: 'part' }>).part);
    const inv = items[last] as Extract<ChainItem, { kind: 'inverse' }>;
    const n = inv.matrix.shape.rows;
    if (last < items.length - 1) {
      // K⁻¹·(the rest on the right)
      const right = this.multiply(this.placeSolves(items.slice(last + 1)));
      const solved = this.solve(inv.matrix, inv.transposed, right);
      return this.placeSolves([...items.slice(0, last), { kind: 'part', part: { rows: n, cols: right.cols, code: solved.code } }]);
    }
    if (last === 0) {
      const K = this.expr(inv.matrix);
      const inverse = this.factored(inv.matrix) ? call(this.helper('_spd_solve'), this.factorOf(inv.matrix), call('np.eye', this.size(n))) : call(this.ns('linalg.inv'), K);
      return [{ rows: n, cols: n, code: inv.transposed ? code(`${wrap(inverse, P.primary)}.T`, P.primary) : inverse }];
    }
    // (the rest on the left)·K⁻¹ = (K⁻ᵀ·(the rest)ᵀ)ᵀ
    const left = this.multiply(this.placeSolves(items.slice(0, last)));
    const solved = this.solve(inv.matrix, !inv.transposed, this.transposed(left));
    return [this.transposed({ rows: n, cols: left.rows, code: solved.code })];
  }

  /** K⁻¹ next to a vector solves with that vector (K⁻¹v, uᵀK⁻¹): O(n²) once factored, where the
   * product of the rest could be a matrix (K⁻¹vvᵀK⁻¹ = (K⁻¹v)(K⁻ᵀv)ᵀ, an outer product of two solves). */
  private solveWithVectors(items: readonly ChainItem[]): ChainItem[] {
    return this.solveWithNeighbours(items, () => true, (p, right) => (right ? isColumnVector(p) : isRowVector(p)));
  }

  /** a·b with the operator the shapes call for: a scalar scales, a column times a row is an outer product. */
  private times(a: Part, b: Part): Part {
    let c: Code;
    if ((a.rows === 1 && a.cols === 1) || (b.rows === 1 && b.cols === 1)) c = code(`${wrap(a.code, P.multiplicative)} * ${wrap(b.code, P.multiplicative + 1)}`, P.multiplicative);
    else if (isColumnVector(a) && isRowVector(b)) c = call(this.ns('outer'), a.code, b.code);
    else c = code(`${wrap(a.code, P.multiplicative)} @ ${wrap(b.code, P.multiplicative + 1)}`, P.multiplicative);
    return { rows: a.rows, cols: b.cols, code: c };
  }

  /** The product of a chain in the order with the fewest multiplications (dynamic programming). */
  multiply(parts: readonly Part[]): Part {
    const k = parts.length;
    if (k === 1) return parts[0];
    const dims = [estimate(parts[0].rows), ...parts.map((p) => estimate(p.cols))];
    const cost: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    const split: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let len = 2; len <= k; len++) {
      for (let i = 0; i + len - 1 < k; i++) {
        const j = i + len - 1;
        cost[i][j] = Infinity;
        for (let s = i; s < j; s++) {
          const c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1];
          if (c < cost[i][j]) {
            cost[i][j] = c;
            split[i][j] = s;
          }
        }
      }
    }
    const build = (i: number, j: number): Part => (i === j ? parts[i] : this.times(build(i, split[i][j]), build(split[i][j] + 1, j)));
    return build(0, k - 1);
  }

  matmul(n: Node): Code {
    return this.multiply(this.placeSolves(this.chainItems(n.args))).code;
  }

  inverse(n: Node): Code {
    return this.placeSolves([{ kind: 'inverse', matrix: n.args[0], transposed: false }])[0].code;
  }

  /** tr(A) = np.trace(A); tr(PQ) = Σ P ⊙ Qᵀ without forming the product. */
  trace(n: Node): Code {
    const a = n.args[0];
    if (a.op === 'matmul' && (this.uses.get(a) ?? 0) === 1 && !this.memo.has(a)) {
      const items = this.chainItems(a.args);
      const lastItem = items[items.length - 1];
      // tr(K⁻¹BBᵀ) = Σ (K⁻¹B) ⊙ B: the last factor is kept out of the solves (one n×k solve, not n×n).
      const parts = lastItem.kind === 'part' && items.length > 1 ? [this.multiply(this.placeSolves(items.slice(0, -1))), lastItem.part] : this.placeSolves(items);
      if (parts.length > 1) {
        const last = parts[parts.length - 1];
        const first = this.multiply(parts.slice(0, -1));
        // tr(x yᵀ) = yᵀx: a dot product.
        if (isColumnVector(first) && isRowVector(last)) return code(`${wrap(first.code, P.multiplicative)} @ ${wrap(last.code, P.multiplicative + 1)}`, P.multiplicative);
        if (first.rows !== 1 && first.cols !== 1 && last.rows !== 1 && last.cols !== 1) {
          return call(this.ns('sum'), code(`${wrap(first.code, P.multiplicative)} * ${wrap(this.transposed(last).code, P.multiplicative + 1)}`, P.multiplicative));
        }
        return call(this.ns('trace'), this.times(first, last).code);
      }
      return call(this.ns('trace'), parts[0].code);
    }
    return call(this.ns('trace'), this.expr(a));
  }

  diag(n: Node): Code {
    return call(this.ns('diag'), this.expr(n.args[0]));
  }

  norm(n: NodeOf<'norm'>): Code {
    // One entry per kind, so a new kind fails tsc here instead of printing the 2-norm.
    const x = this.tensorArg(n.args[0]);
    const byKind: Record<NodeOf<'norm'>['attr'], () => Code> = {
      '2': () => call(this.ns('linalg.norm'), x),
      F: () => call(this.ns('linalg.norm'), x),
      '1': () => call(this.ns('sum'), call(this.ns('abs'), x)),
      '∞': () => call(this.ns('max'), call(this.ns('abs'), x)),
    };
    return byKind[n.attr]();
  }

  apply(n: NodeOf<'apply'>): Code {
    const f = n.attr;
    const arg = n.args[0];
    if (f.kind === 'abstract') return notGeneratable(this.label(n));
    if (f.name === 'log' && arg.op === 'det') {
      const K = arg.args[0];
      if (this.factored(K) && (this.factors.has(K) || this.inverted.has(K))) {
        this.helper('_logdet');
        return call(this.helper('_spd_logdet'), this.factorOf(K), this.expr(K));
      }
      return call(this.helper('_logdet'), this.expr(K));
    }
    if (f.name === 'log' && arg.op === 'apply' && arg.attr.kind === 'builtin' && arg.attr.name === 'σ') return this.elementwise(this.helper(this.target.logSigmoid), arg.args[0]);
    const t = this.target;
    const name = {
      exp: this.ns('exp'), log: this.ns('log'), sqrt: this.ns('sqrt'), σ: t.sigmoid, tanh: this.ns('tanh'), relu: t.relu, softplus: t.softplus, abs: this.ns('abs'), sign: this.ns('sign'),
      sin: this.ns('sin'), cos: this.ns('cos'), tan: this.ns('tan'), arctan: this.ns('arctan'), sinh: this.ns('sinh'), cosh: this.ns('cosh'), log1p: this.ns('log1p'), expm1: this.ns('expm1'), erf: t.erf,
    }[f.name];
    return this.elementwise(this.helper(name), arg);
  }

  indicator(n: NodeOf<'indicator'>): Code {
    const op = { '>': '>', '<': '<', '≥': '>=', '≤': '<=' }[n.attr];
    const test = `${wrap(this.tensorArg(n.args[0]), P.compare + 1)} ${op} ${wrap(this.expr(n.args[1]), P.compare + 1)}`;
    return code(this.target.indicator(test), P.primary);
  }

  extremum(n: Node, which: 'maximum' | 'minimum'): Code {
    return call(this.ns(which), this.tensorArg(n.args[0]), this.tensorArg(n.args[1]));
  }

  softmax(n: Node): Code {
    // A matrix takes softmax row by row (the IR's meaning); a vector, over all its entries.
    const { rows, cols } = n.args[0].shape;
    return call(this.helper(rows !== 1 && cols !== 1 ? this.target.softmaxRows : this.target.softmax), this.tensorArg(n.args[0]));
  }

  logSoftmax(n: Node): Code {
    const { rows, cols } = n.args[0].shape;
    return call(this.helper(rows !== 1 && cols !== 1 ? this.target.logSoftmaxRows : this.target.logSoftmax), this.tensorArg(n.args[0]));
  }

  logsumexp(n: Node): Code {
    return call(this.helper(this.target.logsumexp), this.tensorArg(n.args[0]));
  }

  determinant(n: Node): Code {
    return call(this.ns('linalg.det'), this.expr(n.args[0]));
  }

  abstractCall(n: Node): Code {
    return notGeneratable(this.label(n));
  }

  /** A root as a fresh array of the variable's representation (a copy when it would alias an input). */
  root(node: Node): Code {
    const c = this.expr(node);
    const aliases = node.op === 'var' || (node.op === 'transpose' && node.args[0].op === 'var') || node.op === 'diag';
    if (this.lang === 'torch' && !this.dependsOnData(node)) return call('torch.as_tensor', c, atom('**_like'));
    if (this.lang === 'jax' && !this.dependsOnData(node)) return call('jnp.asarray', c);
    return aliases && kindOf(node) !== 'scalar' ? atom(this.target.copy(c.text)) : c;
  }
}

/** One printing rule per op. */
const RULES: { [O in Op]: (node: NodeOf<O>, p: BodyPrinter) => Code } = {
  const: (n, p) => p.constant(n),
  constant: (_, p) => p.pi(),
  var: (n, p) => p.variable(n),
  dim: (n, p) => p.dim(n),
  identity: (n, p) => p.identity(n),
  ones: (n, p) => p.filled(n, 'ones'),
  zeros: (n, p) => p.filled(n, 'zeros'),
  add: (n, p) => p.sum(n),
  mul: (n, p) => p.mul(n),
  matmul: (n, p) => p.matmul(n),
  hadamard: (n, p) => p.hadamard(n),
  pow: (n, p) => p.power(n),
  transpose: (n, p) => p.transpose(n),
  inv: (n, p) => p.inverse(n),
  det: (n, p) => p.determinant(n),
  trace: (n, p) => p.trace(n),
  diag: (n, p) => p.diag(n),
  norm: (n, p) => p.norm(n),
  apply: (n, p) => p.apply(n),
  indicator: (n, p) => p.indicator(n),
  max: (n, p) => p.extremum(n, 'maximum'),
  min: (n, p) => p.extremum(n, 'minimum'),
  softmax: (n, p) => p.softmax(n),
  logsoftmax: (n, p) => p.logSoftmax(n),
  logsumexp: (n, p) => p.logsumexp(n),
  call: (n, p) => p.abstractCall(n),
};

// ---- the module -----------------------------------------------------------------------------------

const shapeText = (rows: Dim, cols: Dim): string => (rows === 1 && cols === 1 ? 'scalar' : cols === 1 ? `${rows}` : rows === 1 ? `1×${cols}` : `${rows}×${cols}`);

/** The array shape of an input: () for scalars, (n,) for vectors of either orientation, (m, n). */
function arrayShape(rows: Dim, cols: Dim): Dim[] {
  if (rows === 1 && cols === 1) return [];
  if (cols === 1) return [rows];
  if (rows === 1) return [cols];
  return [rows, cols];
}

const pyTuple = (items: string[]): string => (items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`);
const dimLiteral = (d: Dim): string => (typeof d === 'number' ? String(d) : pythonString(d));
const LANG_NAME: Record<PythonLang, string> = { numpy: 'NumPy', torch: 'PyTorch', jax: 'JAX' };

export function emitPython(spec: PythonSpec, options: PythonOptions): string {
  const lang = options.lang;
  const target = TARGETS[lang];
  const names = new Names();
  const doc: string[] = [];
  const say = (text = ''): void => {
    doc.push(text === '' ? '' : pythonCommentText(text));
  };
  say(`Generated by chainrule: value and gradient${spec.second ? ', Hessian and Hessian-vector product' : ''} in ${LANG_NAME[lang]}. Do not edit; regenerate instead.`);
  if (spec.command) say(`    ${spec.command}`);
  say();
  for (const l of spec.source.split(/\r\n|\n|\r/)) say(`    ${l}`);
  if (spec.where) spec.where.split(/\r\n|\n|\r/).forEach((l, i) => say(`    ${i === 0 ? 'where ' : '      '}${l}`));
  say();
  say(`Inputs: a dict keyed as below, each value a ${target.arrayType} of the shape shown (a scalar may be a float):`);
  for (const x of spec.inputs) {
    const shape = arrayShape(x.rows, x.cols).map(String);
    say(`    ${x.key}: ${x.display}, ${shapeText(x.rows, x.cols)}${x.symmetric ? ' symmetric' : ''}, shape ${pyTuple(shape).replace('()', '()')}`);
  }
  const fixed = Object.entries(spec.dims);
  if (fixed.length) say(`Sizes fixed at generation: ${fixed.map(([k, v]) => `${k} = ${v}`).join(', ')}.`);
  const symbolic = spec.sizes.filter((d) => spec.dims[d] === undefined);
  if (symbolic.length) say(`Sizes read from the inputs (or given as dims={...}): ${symbolic.join(', ')}.`);
  say();
  say(`value(inputs) = ${spec.outputName} = ${spec.outputFormula}`);
  say('value_and_grad(inputs) = (value, grad) with');
  for (const g of spec.gradients) say(`    grad['${g.key}'] = ∂${spec.outputName}/∂${g.display} = ${g.formula}`);
  if (spec.second) {
    say('hessian(inputs) = the Hessian blocks with a matrix form, each shaped shape(x) + shape(y): H[i, j] = ∂²f/∂x_i∂y_j');
    for (const h of spec.second.hessians) say(`    ['${h.key}'] = ∂²${spec.outputName}/${h.display} = ${h.formula}`);
    say(`hvp(inputs, direction) = ∇²f·v of the joint Hessian, without forming it: the direction v has one part`);
    say(`per variable (${spec.second.hvps.map((h) => h.key).join(', ')}), each shaped like that input`);
    for (const h of spec.second.hvps) say(`    ['${h.key}'] = (∇²${spec.outputName}·v)_${h.display} = ${h.formula}`);
  }
  say();
  say('Shapes are checked on entry (ValueError); a singular matrix that must be solved with raises LinAlgError.');
  if (lang === 'torch') say('Runs on the device and dtype of the given tensors.');
  if (lang === 'jax') say('Pure and jit-compatible: jax.jit(value_and_grad) works (dims, if any, as a static argument).');

  const lines: string[] = [`"""${doc[0]}`, ...doc.slice(1), '"""', ...target.imports];
  // scipy only when a symmetric matrix is solved with (Cholesky with an LU fallback).
  const importAt = lines.length;

  const inputTable = spec.inputs.map((x) => `    ${pythonString(x.key)}: (${pythonString(x.display)}, ${pyTuple(arrayShape(x.rows, x.cols).map(dimLiteral))}, ${x.symmetric ? 'True' : 'False'}),`);
  lines.push('', '# Each input: (name as written, shape, symmetric).', `INPUTS = {`, ...inputTable, '}', `# Sizes fixed at generation.`, `SIZES = {${fixed.map(([k, v]) => `${pythonString(k)}: ${v}`).join(', ')}}`);
  const sizesUsed = spec.sizes;
  lines.push(`# Sizes the formulas use.`, `_NEEDED = ${pyTuple(sizesUsed.map(pythonString))}`.replace('()', '()'));
  lines.push('', ...checkFunction(lang));

  const locals = new Map<string, string>();
  for (const x of spec.inputs) locals.set(x.key, names.claim(x.key));
  const sizeNames = new Map<string, string>();
  for (const d of sizesUsed) sizeNames.set(d, names.claim(d.normalize('NFD')));
  const variableLocal = (variableKey: string): string => locals.get(spec.inputKey(variableKey)) as string;
  const sizeLocal = (d: string): string => sizeNames.get(d) as string;

  const helpers = new Set<string>();
  // hvp's direction parts, read from its `direction` argument: v_x, v_y.
  const directionLocals = new Map<string, string>();
  for (const h of spec.second?.hvps ?? []) directionLocals.set(h.key, names.claim(`v_${h.key}`));
  const localOf = (variableKey: string): string => {
    const part = spec.second?.directionOf(variableKey);
    return part !== undefined ? (directionLocals.get(part) as string) : variableLocal(variableKey);
  };
  type EntryName = 'value' | 'value_and_grad' | 'hessian' | 'hvp';
  const entry = (name: EntryName, roots: readonly Node[], results: readonly PythonGradient[], summary: string): string[] => {
    const body = new BodyPrinter(lang, roots, names, localOf, sizeLocal, spec.label);
    const codes = roots.map((r) => body.root(r));
    for (const h of body.helpers) helpers.add(h);
    const head = [
      `def ${name}(inputs, ${name === 'hvp' ? 'direction, ' : ''}dims=None):`,
      `    """${pythonCommentText(summary)}"""`,
      `    arrays, sizes = _check(inputs, dims)`,
      ...(name === 'hvp' ? ['    parts = _check_direction(direction, arrays)'] : []),
      ...(lang === 'torch' ? ['    _like = _tensor_options(arrays)'] : []),
      ...spec.inputs.map((x) => `    ${pythonIdentifier(locals.get(x.key) as string)} = arrays[${pythonString(x.key)}]`),
      ...(name === 'hvp' ? [...directionLocals].map(([key, local]) => `    ${pythonIdentifier(local)} = parts[${pythonString(key)}]`) : []),
      ...sizesUsed.map((d) => `    ${pythonIdentifier(sizeLocal(d))} = sizes[${pythonString(d)}]`),
    ];
    const out = (c: Code, node: Node): string => (lang === 'numpy' && kindOf(node) === 'scalar' ? `float(${c.text})` : c.text);
    const byKey = (offset: number) => ['{', ...results.map((g, i) => `        ${pythonString(g.key)}: ${out(codes[i + offset], roots[i + offset])},`), '    }'];
    const ret =
      name === 'value'
        ? [`    return ${out(codes[0], roots[0])}`]
        : name === 'value_and_grad'
          ? [`    return ${out(codes[0], roots[0])}, ${byKey(1)[0]}`, ...byKey(1).slice(1)]
          : [`    return ${byKey(0)[0]}`, ...byKey(0).slice(1)];
    return [...head, ...body.lines.map((l) => `    ${l}`), ...ret];
  };
  const valueFn = entry('value', [spec.output], [], `${spec.outputName} = ${spec.outputFormula}`);
  const gradFn = entry('value_and_grad', [spec.output, ...spec.gradients.map((g) => g.node)], spec.gradients, `${spec.outputName} and its gradient with respect to ${spec.gradients.map((g) => g.display).join(', ')}: (value, {key: gradient})`);
  const second = spec.second;
  const secondFns = second
    ? [
        '', '', ...entry('hessian', second.hessians.map((h) => h.node), second.hessians, `The Hessian blocks of ${spec.outputName}: {key: array shaped shape(x) + shape(y)}, H[i, j] = ∂²${spec.outputName}/∂x_i∂y_j`),
        '', '', ...entry('hvp', second.hvps.map((h) => h.node), second.hvps, `∇²${spec.outputName}·v of the joint Hessian, v = direction (one part per variable, keyed and shaped like the inputs): {key: (∇²${spec.outputName}·v)_key}`),
        '', '', ...checkDirection(lang, second.hvps.map((h) => h.key)),
      ]
    : [];
  // scipy only where a helper uses it.
  if (helpers.has('_sigmoid') && lang === 'numpy') lines.splice(importAt, 0, 'import scipy.special');
  if (helpers.has('_spd_factor')) lines.splice(importAt, 0, 'import scipy.linalg');
  for (const h of Object.keys(HELPERS[lang])) if (helpers.has(h)) lines.push('', '', ...HELPERS[lang][h]);
  if (lang === 'torch') lines.push('', '', ...TORCH_OPTIONS);
  lines.push('', '', ...valueFn, '', '', ...gradFn, ...secondFns);
  if (options.check) lines.push('', '', ...checkGradients(lang));
  return `${lines.join('\n')}\n`;
}

const TORCH_OPTIONS = [
  'def _tensor_options(arrays):',
  '    """dtype and device of the inputs, for the arrays the formulas create (I, 𝟙, constants)."""',
  '    for a in arrays.values():',
  '        return {"dtype": a.dtype, "device": a.device}',
  '    return {"dtype": torch.get_default_dtype(), "device": None}',
];

/** `_check(inputs, dims)`: every input converted and its shape checked, the sizes bound. */
function checkFunction(lang: PythonLang): string[] {
  const convert: Record<PythonLang, string[]> = {
    numpy: ['        a = np.asarray(inputs[key], dtype=np.float64)'],
    torch: [
      '        a = inputs[key]',
      '        if not isinstance(a, torch.Tensor):',
      '            a = torch.as_tensor(a, dtype=like.dtype if like is not None else torch.get_default_dtype(), device=like.device if like is not None else None)',
      '        elif not (torch.is_floating_point(a) or torch.is_complex(a)):',
      '            raise TypeError(f"chainrule: input {key} ({name}) must be a floating-point tensor, not {a.dtype}")',
    ],
    jax: ['        a = jnp.asarray(inputs[key])', '        if not jnp.issubdtype(a.dtype, jnp.inexact):', '            a = a.astype(jnp.result_type(float))'],
  };
  return [
    'def _shape_text(shape, sizes):',
    '    return "(" + ", ".join(f"{d}={sizes[d]}" if isinstance(d, str) and d in sizes else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"',
    '',
    '',
    'def _check(inputs, dims=None):',
    '    """Converts every input to a floating-point array, checks its shape, and binds the sizes."""',
    '    unknown = sorted(set(inputs) - set(INPUTS))',
    '    if unknown:',
    '        raise ValueError(f"chainrule: unknown input(s) {unknown}; the inputs are {sorted(INPUTS)}")',
    '    missing = [key for key in INPUTS if key not in inputs]',
    '    if missing:',
    '        raise ValueError(f"chainrule: missing input(s) {missing}; the inputs are {sorted(INPUTS)}")',
    '    sizes = dict(SIZES)',
    '    for d, n in (dims or {}).items():',
    '        if d in SIZES and SIZES[d] != n:',
    '            raise ValueError(f"chainrule: size {d} was fixed to {SIZES[d]} at generation, not {n}")',
    '        sizes[d] = n',
    ...(lang === 'torch' ? ['    like = next((v for v in inputs.values() if isinstance(v, torch.Tensor)), None)'] : []),
    '    arrays = {}',
    '    for key, (name, shape, symmetric) in INPUTS.items():',
    ...convert[lang],
    '        if a.ndim != len(shape):',
    '            raise ValueError(f"chainrule: input {key} ({name}) must have shape {_shape_text(shape, sizes)}, not {tuple(a.shape)}")',
    '        for d, n in zip(shape, a.shape):',
    '            if isinstance(d, int) or d in sizes:',
    '                if n != (d if isinstance(d, int) else sizes[d]):',
    '                    raise ValueError(f"chainrule: input {key} ({name}) must have shape {_shape_text(shape, sizes)}, not {tuple(a.shape)}")',
    '            else:',
    '                sizes[d] = n',
    '        arrays[key] = a',
    '    for d in _NEEDED:',
    '        if d not in sizes:',
    '            raise ValueError(f"chainrule: cannot tell the size {d} from the inputs; pass it: value_and_grad(inputs, dims={{{d!r}: ...}})")',
    '    return arrays, sizes',
  ];
}

/** `_check_direction(direction, arrays)`: hvp's direction, one part per variable, each converted like
 * its input and of its shape. */
function checkDirection(lang: PythonLang, keys: readonly string[]): string[] {
  const convert: Record<PythonLang, string[]> = {
    numpy: ['        a = np.asarray(direction[key], dtype=np.float64)'],
    torch: [
      '        a = direction[key]',
      '        if not isinstance(a, torch.Tensor):',
      '            a = torch.as_tensor(a, dtype=like.dtype, device=like.device)',
    ],
    jax: ['        a = jnp.asarray(direction[key])', '        if not jnp.issubdtype(a.dtype, jnp.inexact):', '            a = a.astype(jnp.result_type(float))'],
  };
  return [
    '# The parts of hvp\'s direction, one per variable differentiated by.',
    `HVP_KEYS = ${pyTuple(keys.map(pythonString))}`,
    '',
    '',
    'def _check_direction(direction, arrays):',
    '    """Converts every part of the direction like its input and checks that it has the input\'s shape."""',
    '    unknown = sorted(set(direction) - set(HVP_KEYS))',
    '    if unknown:',
    '        raise ValueError(f"chainrule: unknown direction part(s) {unknown}; the parts are {list(HVP_KEYS)}")',
    '    missing = [key for key in HVP_KEYS if key not in direction]',
    '    if missing:',
    '        raise ValueError(f"chainrule: missing direction part(s) {missing}; the parts are {list(HVP_KEYS)}")',
    '    parts = {}',
    '    for key in HVP_KEYS:',
    '        like = arrays[key]',
    ...convert[lang],
    '        if tuple(a.shape) != tuple(like.shape):',
    '            raise ValueError(f"chainrule: direction {key} must have the shape of input {key}, {tuple(like.shape)}, not {tuple(a.shape)}")',
    '        parts[key] = a',
    '    return parts',
  ];
}

/** `check_gradients()`: central differences along every entry (symmetric pairs together) against the gradient. */
function checkGradients(lang: PythonLang): string[] {
  if (lang !== 'numpy') throw new ChainruleError('--check is available for --lang numpy', { hint: 'generate with --lang numpy --check' });
  return [
    'def check_gradients(inputs=None, dims=None, seed=0, eps=1e-6, rtol=1e-6):',
    '    """Checks value_and_grad against central finite differences of value, entry by entry (a symmetric',
    '    input is moved symmetrically). Without inputs, draws random ones (sizes 3 unless fixed). Returns the',
    '    worst relative error per gradient; raises AssertionError above rtol."""',
    '    rng = np.random.default_rng(seed)',
    '    if inputs is None:',
    '        sizes = dict(SIZES)',
    '        sizes.update(dims or {})',
    '        inputs = {}',
    '        for key, (name, shape, symmetric) in INPUTS.items():',
    '            concrete = tuple(d if isinstance(d, int) else sizes.setdefault(d, 3) for d in shape)',
    '            a = rng.standard_normal(concrete)',
    '            if symmetric:',
    '                a = a @ a.T / len(a) + np.eye(len(a))',
    '            inputs[key] = a',
    '        dims = {d: n for d, n in sizes.items() if d in _NEEDED}',
    '    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in inputs.items()}',
    '    _, grad = value_and_grad(arrays, dims)',
    '    errors = {}',
    '    for key, g in grad.items():',
    '        x = arrays[key]',
    '        g = np.asarray(g, dtype=np.float64)',
    '        numeric = np.zeros_like(g)',
    '        symbolic = np.zeros_like(g)',
    '        symmetric = INPUTS[key][2]',
    '        for index in np.ndindex(x.shape):',
    '            direction = np.zeros_like(x)',
    '            direction[index] = 1.0',
    '            if symmetric:',
    '                direction[index[::-1]] = 1.0',
    '            plus = value({**arrays, key: x + eps * direction}, dims)',
    '            minus = value({**arrays, key: x - eps * direction}, dims)',
    '            numeric[index] = (plus - minus) / (2 * eps)',
    '            symbolic[index] = np.sum(g * direction)',
    '        scale = max(np.linalg.norm(numeric), np.linalg.norm(symbolic), 1e-12)',
    '        errors[key] = float(np.linalg.norm(numeric - symbolic) / scale)',
    '    bad = {k: e for k, e in errors.items() if not e <= rtol}',
    '    if bad:',
    '        raise AssertionError(f"chainrule: gradients disagree with finite differences: {bad}")',
    '    return errors',
  ];
}
