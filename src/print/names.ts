// Names in each notation: `W⁽¹⁾` / `W^{(1)}` / `W^(1)`, `ŷ` / `\hat{y}` / `y_hat`, `α` / `\alpha` / `alpha`.
import type { Name } from '../syntax/ast.ts';
import { COMBINING_ACCENTS as COMBINING, GREEK_WORDS as GREEK, SUBSCRIPTS as SUB_DIGITS, SUPERSCRIPTS as SUP_DIGITS } from '../syntax/scripts.ts';

export type Format = 'latex' | 'unicode' | 'ascii';

/** ASCII spelling of a base letter: `α` → `alpha`. */
export const asciiBase = (base: string): string => GREEK[base] ?? base;

export function latexBase(base: string): string {
  const word = GREEK[base];
  return word ? `\\${word}` : base;
}

/** A subscript's letters in ASCII: `α1` → `alpha1`. */
const asciiSub = (sub: string): string => [...sub].map(asciiBase).join('');

/** A subscript in LaTeX: `_{k}`, `_{\\alpha}`, `_{\\mathrm{reg}}`, `_{\\mathrm{W\\alpha}}`. */
function latexSub(sub: string): string {
  const chars = [...sub];
  const body = chars.map(latexBase).join('');
  return chars.length === 1 ? `_{${body}}` : `_{\\mathrm{${body}}}`;
}

export function superscriptDigits(text: string): string | undefined {
  const chars = [...text];
  return chars.every((c) => SUP_DIGITS[c]) ? chars.map((c) => SUP_DIGITS[c]).join('') : undefined;
}

/** Letters with a Unicode superscript form (there is none for q, nor for several capitals). */
const SUP_LETTERS: Record<string, string> = Object.fromEntries(
  [...'abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW×'].map((c, i) => [c, [...'ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂˣ'][i]]),
);

/** `2×n` → `²ˣⁿ`; undefined when some character has no superscript form. */
export function superscriptText(text: string): string | undefined {
  const chars = [...text];
  return chars.every((c) => SUP_DIGITS[c] ?? SUP_LETTERS[c]) ? chars.map((c) => SUP_DIGITS[c] ?? SUP_LETTERS[c]).join('') : undefined;
}

/** Unicode's mathematical script capitals, the letters of \mathcal: 𝒜 ℬ 𝒞 … ℒ … 𝒵. */
const SCRIPT: Record<string, string> = Object.fromEntries([...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c, i) => [c, [...'𝒜ℬ𝒞𝒟ℰℱ𝒢ℋℐ𝒥𝒦ℒℳ𝒩𝒪𝒫𝒬ℛ𝒮𝒯𝒰𝒱𝒲𝒳𝒴𝒵'][i]]));

export function printName(n: Name, format: Format): string {
  const script = n.style === 'script' && SCRIPT[n.base] !== undefined;
  switch (format) {
    case 'unicode': {
      let s = ((script ? SCRIPT[n.base] : n.base) + (n.accent ? COMBINING[n.accent] : '')).normalize('NFC');
      if (n.sub !== undefined) s += [...n.sub].every((c) => SUB_DIGITS[c]) ? [...n.sub].map((c) => SUB_DIGITS[c]).join('') : `_${n.sub}`;
      if (n.index !== undefined) s += superscriptDigits(n.index) ? `⁽${superscriptDigits(n.index)}⁾` : `^(${n.index})`;
      return s;
    }
    case 'latex': {
      let s = script ? `\\mathcal{${n.base}}` : latexBase(n.base);
      if (n.accent) s = `\\${n.accent}{${s}}`;
      if (n.sub !== undefined) s += latexSub(n.sub);
      if (n.index !== undefined) s += `^{(${n.index})}`;
      return s;
    }
    case 'ascii': {
      let s = asciiBase(n.base);
      if (n.accent) s += `_${n.accent}`;
      if (n.sub !== undefined) s += `_${asciiSub(n.sub)}`;
      if (n.index !== undefined) s += `^(${n.index})`;
      return s;
    }
  }
}

/** A TypeScript identifier for a name: `W⁽¹⁾`/`W₁` → `W1`, `α` → `alpha`, `ŷ` → `y_hat`, `L_reg` → `L_reg`. */
export function identifierFor(n: Name): string {
  let s = asciiBase(n.base);
  if (n.accent) s += `_${n.accent}`;
  if (n.sub !== undefined) s += /^\d+$/.test(n.sub) ? n.sub : `_${asciiSub(n.sub)}`;
  if (n.index !== undefined) s += /^\d+$/.test(n.index) ? n.index : `_${n.index}`;
  return s.replace(/[^A-Za-z0-9_$]/g, '_');
}
