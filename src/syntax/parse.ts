// Source text → syntax tree. The grammar (grammar/chainrule.peggy, compiled by `npm run grammar`)
// does the parsing; this module turns every way a parse can fail into one ChainruleError whose span
// points at the offending text: the unexpected token, the missing operand, or the opening
// delimiter that was never closed.
import { ChainruleError, internalError, lineColumn } from '../errors.ts';
import type { Declaration, Expr, Program, Span } from './ast.ts';
import {
  GrammarError,
  LANGUAGE_WORDS,
  parse,
  SyntaxError as PeggySyntaxError,
  type Opener,
  type ParseDiagnostics,
} from './generated/parser.js';

/** Would `left` and `right`, written side by side, read as a word of the language across the seam?
 * n·u written `nu` is ν, t·r written `tr` the trace: a printer separates such names. */
export function joinsIntoWord(left: string, right: string): boolean {
  const tail = /[A-Za-z]+$/.exec(left)?.[0];
  const head = /^[A-Za-z_]+/.exec(right)?.[0];
  if (!tail || !head) return false;
  const joined = tail + head;
  for (let i = 0; i < tail.length; i++) {
    for (const word of LANGUAGE_WORDS) if (word.length > tail.length - i && joined.startsWith(word, i)) return true;
  }
  return false;
}

/** Deepest nesting of (), [] and {} accepted: far beyond anything written by hand, and well within
 * the stack of the recursive-descent parser (which manages several thousand levels). */
export const MAX_NESTING = 256;

/**
 * Letters written together (`WWWx`) are read one factor at a time, and the grammar looks back over
 * the letters before each one (is this the end of a control word such as `\\alpha`?), so a run of
 * k letters costs about k². The sum of k² over the input's runs is capped here: one run of 4000
 * letters (about a second), or many shorter ones. Beyond it the input is refused before parsing,
 * not parsed for minutes (a 20 000-letter product `WW…Wx`).
 */
export const MAX_LETTER_RUN_COST = 4000 * 4000;

/** A whole input: statements separated by newlines or `;`. Throws ChainruleError on bad input. */
export function parseProgram(source: string): Program {
  const program = run(source, 'program') as Program;
  if (program.statements.length === 0) {
    throw new ChainruleError('empty input', {
      span: { start: 0, end: 0 },
      hint: 'write an expression such as ½‖Wx − y‖², or statements such as z = wx + b',
    });
  }
  return program;
}

/** The `--where` text: `W: n×n, x: n, y: scalar`, `W ∈ ℝ^{n×n}`, `A: h x m; b: h`. Errors point into it. */
export function parseDeclarations(source: string): Declaration[] {
  try {
    return run(source, 'declarations') as Declaration[];
  } catch (error) {
    throw error instanceof ChainruleError ? error.withSource(source) : error;
  }
}

/** A single expression, such as `‖Wx − x‖²`. */
export function parseExpression(source: string): Expr {
  const { statements } = parseProgram(source);
  const [first] = statements;
  if (statements.length > 1) {
    throw new ChainruleError('expected a single expression', { span: statements[1]!.span });
  }
  if (first!.kind !== 'expr') {
    throw new ChainruleError(`expected an expression, not ${first!.kind === 'assign' ? 'an assignment' : 'declarations'}`, {
      span: first!.span,
    });
  }
  return first!.value;
}

function run(source: string, startRule: 'program' | 'declarations'): unknown {
  checkNesting(source);
  checkLetterRuns(source);
  const diagnostics: ParseDiagnostics = { unclosed: new Map() };
  try {
    return parse(source, { startRule, diagnostics });
  } catch (error) {
    if (error instanceof GrammarError) throw new ChainruleError(error.message, { span: error.span, hint: error.hint });
    if (error instanceof PeggySyntaxError) throw describeSyntaxError(error, source, diagnostics);
    if (error instanceof RangeError) throw tooDeep({ start: 0, end: 0 });
    throw internalError(`the parser failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A cheap scan before parsing, so that absurd nesting gets a precise error instead of a stack overflow. */
function checkNesting(source: string): void {
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '#') {
      while (i + 1 < source.length && source[i + 1] !== '\n') i++;
    } else if (c === '(' || c === '[' || c === '{') {
      if (++depth > MAX_NESTING) throw tooDeep({ start: i, end: i + 1 });
    } else if (c === ')' || c === ']' || c === '}') {
      depth = Math.max(0, depth - 1);
    }
  }
}

/** Refuses input whose runs of letters written together would take the parser too long (MAX_LETTER_RUN_COST). */
function checkLetterRuns(source: string): void {
  const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  let cost = 0;
  let longest: Span = { start: 0, end: 0 };
  for (let i = 0; i < source.length; i++) {
    if (source[i] === '#') {
      while (i + 1 < source.length && source[i + 1] !== '\n') i++;
      continue;
    }
    if (!isLetter(source.charCodeAt(i))) continue;
    const start = i;
    while (i + 1 < source.length && isLetter(source.charCodeAt(i + 1))) i++;
    const length = i + 1 - start;
    if (length > longest.end - longest.start) longest = { start, end: i + 1 };
    cost += length * length;
    if (cost <= MAX_LETTER_RUN_COST) continue;
    const single = length * length > MAX_LETTER_RUN_COST;
    throw new ChainruleError(single ? `${length} letters in a row` : `too many letters written together (runs of up to ${longest.end - longest.start})`, {
      span: single ? { start, end: i + 1 } : longest,
      hint: `letters written together are read one factor at a time, which is slow for long runs: separate the factors with spaces (W W x) or write a power (W⁵x); at most ${Math.sqrt(MAX_LETTER_RUN_COST)} letters in a row, fewer when there are many long runs`,
    });
  }
}

function tooDeep(span: Span): ChainruleError {
  return new ChainruleError('expression nested too deeply', {
    span,
    hint: `at most ${MAX_NESTING} levels of brackets; name intermediate results instead (z = …)`,
  });
}

// ─── Syntax errors ─────────────────────────────────────────────────────────────────────────────

/** Named expectations of the grammar worth repeating to a user (all others are single tokens). */
const EXPRESSION = 'an expression';

/**
 * peggy reports the farthest position the parse reached and what it expected there. In order:
 * a delimiter still open at that point (pointing at its opener), a missing operand, a closing
 * delimiter with no opener, and otherwise the unexpected token itself.
 */
function describeSyntaxError(error: PeggySyntaxError, source: string, diagnostics: ParseDiagnostics): ChainruleError {
  const at = error.location.start.offset;
  const token = tokenAt(source, at);
  const endOfLine = token === null || token === '\n' || token === '\r';
  const expected = [...new Set((error.expected ?? []).flatMap((e) => (e.type === 'other' ? [e.description] : [])))];
  const waiting = waitingOpener(source, at, diagnostics);
  const tokenSpan: Span = { start: at, end: endOfLine ? at : at + token.length };

  // An opener still waiting here is the culprit when the input ends, when another closer stands where
  // its closer should, or when the parse ran on from an earlier line (line breaks inside brackets do not
  // end statements, so a forgotten `)` swallows the lines after it).
  if (waiting && (endOfLine || CLOSING_TOKEN.test(source.slice(at, at + 16)) || source.slice(waiting.span.end, at).includes('\n'))) {
    return unbalanced(waiting, source);
  }

  if (expected.includes(EXPRESSION)) {
    return endOfLine
      ? new ChainruleError(`expected an expression${after(source, at)}`, { span: tokenSpan })
      : new ChainruleError(`unexpected ${quote(token)}: expected an expression`, { span: tokenSpan, hint: hintFor(source, at, token) });
  }

  const orphan = expected.length === 0 ? closingBracket(source, at) : null;
  if (orphan !== null) {
    const { family, opening, text } = orphan;
    return new ChainruleError(`unbalanced ${family}: no ${opening} for this ${text}`, { span: { start: at, end: at + text.length } });
  }

  const wanted = expected.length > 0 ? `expected ${alternatives(expected)}` : '';
  if (endOfLine) {
    const where = token === null ? 'end of input' : 'end of line';
    return new ChainruleError(wanted ? `${wanted}${after(source, at)}` : `unexpected ${where}`, { span: tokenSpan });
  }
  const stillOpen = waiting ? `the ${waiting.text} at ${position(source, waiting.span.start)} is still open` : undefined;
  return new ChainruleError(`unexpected ${quote(token)}${wanted ? `: ${wanted}` : ''}`, {
    span: tokenSpan,
    hint: hintFor(source, at, token) ?? stillOpen,
  });
}

function unbalanced(open: Opener, source: string): ChainruleError {
  const which = open.text === open.closer ? 'the one' : `the ${open.text}`;
  return new ChainruleError(`unbalanced ${open.family}: no closing ${open.closer} for ${which} at ${position(source, open.span.start)}`, {
    span: open.span,
  });
}

/** The opener that was waiting for its closer at `at`, allowing for blanks and a size such as \right. */
function waitingOpener(source: string, at: number, diagnostics: ParseDiagnostics): Opener | undefined {
  let best: { offset: number; opener: Opener } | undefined;
  for (const [offset, opener] of diagnostics.unclosed) {
    if (offset <= at && (best === undefined || offset > best.offset) && SIZE_OR_BLANKS.test(source.slice(offset, at))) {
      best = { offset, opener };
    }
  }
  return best?.opener;
}

const SIZE = String.raw`\\(?:right|bigr|Bigr|biggr|Biggr|big|Big|bigg|Bigg)(?![a-zA-Z])`;
const SIZE_OR_BLANKS = new RegExp(String.raw`^(?:\s|${SIZE})*$`);
/** Any token that closes something: brackets, bars and norms, with or without a size. */
const CLOSING_TOKEN = new RegExp(String.raw`^(?:${SIZE}\s*)?(?:[)\]}|‖∥∣]|\\[}|]|\\[rR]?[vV]ert(?![a-zA-Z])|\\rbrace)`);

const CLOSING = {
  ')': { family: 'parentheses', opening: '(' },
  ']': { family: 'brackets', opening: '[' },
  '}': { family: 'braces', opening: '{' },
  '\\}': { family: 'braces', opening: '\\{' },
} as const;

/** `)`, `\right]`, `\}` … at `at`, if a closing bracket is there. */
function closingBracket(source: string, at: number): { family: string; opening: string; text: string } | null {
  const match = /^(?:\\(?:right|bigr|Bigr|biggr|Biggr)(?![a-zA-Z])\s*)?([)\]}]|\\\})/.exec(source.slice(at, at + 16));
  if (!match) return null;
  const { family, opening } = CLOSING[match[1] as keyof typeof CLOSING];
  return { family, opening, text: match[0] };
}

/** The token at `at` as a user sees it: a LaTeX command, one character (code point), or null at the end. */
function tokenAt(source: string, at: number): string | null {
  if (at >= source.length) return null;
  const command = /^\\(?:[a-zA-Z]+|.)/su.exec(source.slice(at, at + 40));
  return command ? command[0] : String.fromCodePoint(source.codePointAt(at)!);
}

/** ` after "+"`: the token before `at`, skipping blanks, for messages about what is missing. */
function after(source: string, at: number): string {
  const before = source.slice(0, at).trimEnd();
  if (before === '') return '';
  const last = /(?:\\?[a-zA-Z]+|\*\*|\.\*|:=|[^])$/u.exec(before)![0];
  return ` after ${quote(last)}`;
}

/** Hints for mistakes recognizable from the text around the error. */
function hintFor(source: string, at: number, token: string): string | undefined {
  if (token === '=') {
    const lineStart = Math.max(source.lastIndexOf('\n', at - 1), source.lastIndexOf(';', at - 1)) + 1;
    const target = source.slice(lineStart, at).trim();
    if (/^[A-Za-z]{2,}$/.test(target)) {
      return `names are single letters, so "${target}" reads as ${Array.from(target).join('·')}; write one letter, with a subscript if you like (L, L_${target})`;
    }
  }
  const number = /^[0-9]$/.test(token) || (token === '.' && /^[0-9]$/.test(source[at + 1] ?? ''));
  if (number && /[\p{L}\p{N})\]}|‖]$/u.test(source.slice(0, at).trimEnd())) {
    return 'a number after a factor needs an operator: write 2·3 or x·2, not 2 3';
  }
  if (/^(?:[<>≤≥⩽⩾]|\\[lg]eq?)$/.test(token)) {
    return 'comparisons appear only inside an indicator, as in 𝟙[z > 0] or ind(z > 0)';
  }
  return undefined;
}

function quote(token: string): string {
  return `"${token}"`;
}

function alternatives(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function position(source: string, offset: number): string {
  const { line, column } = lineColumn(source, offset);
  return `${line}:${column}`;
}
