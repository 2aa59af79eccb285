// Math from problem files ($…$ in statements, titles, answers) goes into pdflatex, KaTeX and
// Markdown viewers as written, so it must be typesetting and nothing else. TeX can read and write
// files (\input, \openin, \read, \openout, \write18), redefine itself (\def, \catcode, \csname) and
// spell a backslash without one (^^5c). A formula passes only if every command in it is on the list
// below (commands that typeset, known to LaTeX with amsmath/amssymb and to KaTeX), every environment
// is a matrix-like one, it has none of ^^ % # or control characters, and KaTeX reads it.
import type Katex from 'katex';
import { createRequire } from 'node:module';
import { internalError } from '../errors.ts';

const GREEK = [
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'varepsilon', 'zeta', 'eta', 'theta', 'vartheta', 'iota', 'kappa', 'lambda', 'mu', 'nu', 'xi', 'pi', 'varpi',
  'rho', 'varrho', 'sigma', 'varsigma', 'tau', 'upsilon', 'phi', 'varphi', 'chi', 'psi', 'omega', 'Gamma', 'Delta', 'Theta', 'Lambda', 'Xi', 'Pi', 'Sigma',
  'Upsilon', 'Phi', 'Psi', 'Omega',
];

/** Commands that only typeset. */
export const SAFE_MATH_COMMANDS: ReadonlySet<string> = new Set([
  ...GREEK,
  // structures
  'frac', 'dfrac', 'tfrac', 'sqrt', 'binom', 'left', 'right', 'big', 'Big', 'bigg', 'Bigg', 'bigl', 'bigr', 'Bigl', 'Bigr', 'middle', 'overset', 'underset',
  'stackrel', 'substack', 'limits', 'nolimits', 'displaystyle', 'textstyle', 'scriptstyle', 'begin', 'end', 'quad', 'qquad',
  // styles and accents
  'mathrm', 'mathbf', 'mathit', 'mathsf', 'mathtt', 'mathbb', 'mathcal', 'boldsymbol', 'operatorname', 'text', 'textbf', 'textit', 'textrm', 'hat', 'bar',
  'tilde', 'dot', 'ddot', 'vec', 'widehat', 'widetilde', 'overline', 'underline', 'prime',
  // operators and functions
  'partial', 'nabla', 'sum', 'prod', 'int', 'oint', 'lim', 'limsup', 'liminf', 'max', 'min', 'sup', 'inf', 'arg', 'log', 'ln', 'exp', 'det', 'dim', 'ker',
  'sin', 'cos', 'tan', 'sinh', 'cosh', 'tanh', 'Pr',
  // symbols
  'top', 'intercal', 'bot', 'perp', 'parallel', 'cdot', 'cdots', 'ldots', 'dots', 'vdots', 'ddots', 'times', 'otimes', 'odot', 'oplus', 'circ', 'ast', 'star',
  'pm', 'mp', 'div', 'le', 'leq', 'ge', 'geq', 'll', 'gg', 'ne', 'neq', 'approx', 'sim', 'simeq', 'equiv', 'propto', 'triangleq', 'in', 'notin', 'ni',
  'subset', 'subseteq', 'supset', 'supseteq', 'cup', 'cap', 'setminus', 'emptyset', 'varnothing', 'infty', 'to', 'gets', 'rightarrow', 'leftarrow',
  'Rightarrow', 'Leftarrow', 'leftrightarrow', 'Leftrightarrow', 'iff', 'implies', 'mapsto', 'mid', 'vert', 'Vert', 'lvert', 'rvert', 'lVert', 'rVert',
  'langle', 'rangle', 'lfloor', 'rfloor', 'lceil', 'rceil', 'lbrace', 'rbrace', 'forall', 'exists', 'neg', 'lnot', 'land', 'lor', 'wedge', 'vee', 'ell',
  'hbar', 'Re', 'Im', 'dagger', 'ddagger', 'checkmark', 'square', 'triangle', 'angle', 'colon',
]);

/** Environments a formula may open: arrays of math, nothing that writes or reads. */
export const SAFE_MATH_ENVIRONMENTS: ReadonlySet<string> = new Set(['matrix', 'pmatrix', 'bmatrix', 'Bmatrix', 'vmatrix', 'Vmatrix', 'smallmatrix', 'cases', 'aligned']);

/** Control symbols: spacing, escaped specials, \| and the line break of matrices. */
const SAFE_CONTROL_SYMBOLS = new Set([',', ';', ':', '!', ' ', '{', '}', '|', '_', '%', '#', '&', '\\']);

let katexModule: typeof Katex | undefined;
const katex = (): typeof Katex => (katexModule ??= createRequire(import.meta.url)('katex') as typeof Katex);

/** Shows a character that cannot be shown raw: `U+001B`. */
const codePoint = (c: string): string => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `tex` may not be typeset, or undefined when it may. */
export function unsafeMath(tex: string): string | undefined {
  const command = unsafeCommand(tex);
  if (command) return command;
  try {
    katex().renderToString(tex, { throwOnError: true, strict: 'ignore', trust: false });
  } catch (e) {
    return `KaTeX cannot read it: ${(e as Error).message.replace(/^KaTeX parse error: /, '')}`;
  }
  return undefined;
}

/** The math of a checked problem file, for a renderer: the command scan again, so no path around the
 * check reaches pdflatex, KaTeX or a Markdown viewer (a failure here is a bug: the loader checks first). */
export function checkedMath(tex: string): string {
  const problem = unsafeCommand(tex);
  if (problem) throw internalError(`unchecked math reached a renderer: ${problem}`);
  return tex;
}

/** The first command, environment or character that makes `tex` unsafe. */
function unsafeCommand(tex: string): string | undefined {
  for (let i = 0; i < tex.length; i++) {
    const c = tex[i];
    if (c === '\\') {
      const word = /^[A-Za-z]+/.exec(tex.slice(i + 1))?.[0];
      if (word) {
        if (!SAFE_MATH_COMMANDS.has(word)) return `\\${word} is not allowed in math`;
        if (word === 'begin' || word === 'end') {
          const env = /^\s*\{([A-Za-z*]*)\}/.exec(tex.slice(i + 1 + word.length));
          if (!env || !SAFE_MATH_ENVIRONMENTS.has(env[1])) return `\\${word}{${env?.[1] ?? '…'}} is not allowed in math (environments: ${[...SAFE_MATH_ENVIRONMENTS].join(', ')})`;
        }
        i += word.length;
        continue;
      }
      const next = tex[i + 1];
      if (next === undefined) return 'a backslash ends the formula';
      if (!SAFE_CONTROL_SYMBOLS.has(next)) return `\\${/[\x21-\x7e]/.test(next) ? next : codePoint(next)} is not allowed in math`;
      i += 1;
      continue;
    }
    if (c === '^' && tex[i + 1] === '^') return "^^ (TeX's character-code notation) is not allowed in math";
    if (c === '%') return '% would comment out the rest of the line; write \\%';
    if (c === '#') return '# is not allowed in math; write \\#';
    if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(c)) return `the control character ${codePoint(c)} is not allowed in math`;
  }
  return undefined;
}
