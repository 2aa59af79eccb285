// The letters and digits of names, one table each: Greek letters and their ASCII/LaTeX words, and the
// sub- and superscript forms of digits (and of the few letters names use). The printers
// (print/names.ts, print/index.ts) and elaboration (build/) read them; what reads them back from
// the script forms is derived here, so the two directions cannot disagree.
import type { Name } from './ast.ts';

/** Greek letters (and ℓ) with their word: `alpha`, `\alpha`. */
export const GREEK_WORDS: Readonly<Record<string, string>> = {
  α: 'alpha', β: 'beta', γ: 'gamma', δ: 'delta', ε: 'epsilon', ζ: 'zeta', η: 'eta', θ: 'theta', ι: 'iota', κ: 'kappa', λ: 'lambda',
  μ: 'mu', ν: 'nu', ξ: 'xi', π: 'pi', ρ: 'rho', σ: 'sigma', τ: 'tau', υ: 'upsilon', φ: 'phi', χ: 'chi', ψ: 'psi', ω: 'omega',
  Γ: 'Gamma', Δ: 'Delta', Θ: 'Theta', Λ: 'Lambda', Ξ: 'Xi', Π: 'Pi', Σ: 'Sigma', Φ: 'Phi', Ψ: 'Psi', Ω: 'Omega', ℓ: 'ell',
};

/** The letter of each word: `alpha` → `α`. */
export const GREEK_LETTERS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(GREEK_WORDS).map(([letter, word]) => [word, letter]));

const DIGITS = [...'0123456789'];
const SUBSCRIPT_DIGITS = [...'₀₁₂₃₄₅₆₇₈₉'];
const SUPERSCRIPT_DIGITS = [...'⁰¹²³⁴⁵⁶⁷⁸⁹'];

/** Subscript forms of digits and of the index letters i, j, k: `x₁`, `wᵢ`. */
export const SUBSCRIPTS: Readonly<Record<string, string>> = { ...Object.fromEntries(DIGITS.map((d, i) => [d, SUBSCRIPT_DIGITS[i]])), i: 'ᵢ', j: 'ⱼ', k: 'ₖ' };

/** Superscript forms of digits, minus and n: `W⁽¹⁾`, `ℝⁿ`, `⁻¹`. */
export const SUPERSCRIPTS: Readonly<Record<string, string>> = { ...Object.fromEntries(DIGITS.map((d, i) => [d, SUPERSCRIPT_DIGITS[i]])), '-': '⁻', n: 'ⁿ' };

/** The digit of each sub- or superscript digit: `₁` and `¹` → `1`. */
export const SCRIPT_DIGIT_VALUES: Readonly<Record<string, string>> = Object.fromEntries([...SUBSCRIPT_DIGITS, ...SUPERSCRIPT_DIGITS].map((s, i) => [s, DIGITS[i % 10]]));

/** Combining marks of the accents a name may carry: `ŷ` is y + U+0302. */
export const COMBINING_ACCENTS: Readonly<Record<NonNullable<Name['accent']>, string>> = { hat: '\u0302', bar: '\u0304', tilde: '\u0303', dot: '\u0307' };

/** `text` in the script forms of `table`, or undefined when some character has none. */
export function inScript(text: string, table: Readonly<Record<string, string>>): string | undefined {
  const chars = [...text];
  return chars.every((c) => table[c] !== undefined) ? chars.map((c) => table[c]).join('') : undefined;
}
