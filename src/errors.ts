// One error type for every stage. Input errors carry the span of the offending text and, where
// one is known, a hint; the CLI renders them with a caret. Internal errors are bugs.

/** Half-open character range [start, end) into the source text: where an error points. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export type ErrorKind = 'input' | 'internal';

export class ChainruleError extends Error {
  readonly kind: ErrorKind;
  readonly span?: Span;
  readonly hint?: string;
  /** The text `span` points into, when it is not the main source (for example a `--where` string). */
  readonly source?: string;

  constructor(message: string, options: { span?: Span; hint?: string; kind?: ErrorKind; source?: string } = {}) {
    super(message);
    this.name = 'ChainruleError';
    this.kind = options.kind ?? 'input';
    this.span = options.span;
    this.hint = options.hint;
    this.source = options.source;
  }

  /** The same error, pointing into `source` unless it already names its own text. */
  withSource(source: string): ChainruleError {
    if (this.source !== undefined) return this;
    return new ChainruleError(this.message, { span: this.span, hint: this.hint, kind: this.kind, source });
  }
}

export function inputError(message: string, span?: Span, hint?: string): ChainruleError {
  return new ChainruleError(message, { span, hint });
}

export function internalError(message: string): ChainruleError {
  return new ChainruleError(message, { kind: 'internal' });
}

/** 1-based line and column of a character offset. Columns count code points, as a terminal shows them. */
export function lineColumn(source: string, offset: number): { line: number; column: number; lineText: string; lineStart: number } {
  const clamped = Math.max(0, Math.min(offset, source.length));
  const lineStart = source.lastIndexOf('\n', clamped - 1) + 1;
  const lineEndRaw = source.indexOf('\n', lineStart);
  const lineEnd = lineEndRaw === -1 ? source.length : lineEndRaw;
  const line = source.slice(0, lineStart).split('\n').length;
  const column = [...source.slice(lineStart, clamped)].length + 1;
  return { line, column, lineText: source.slice(lineStart, lineEnd), lineStart };
}

/** Characters never written raw to a terminal: C0 and C1 controls (escape sequences), DEL, line and
 * paragraph separators, bidirectional overrides and isolates, zero-width and byte-order marks. */
const UNPRINTABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** Text for an error line: every unprintable character shown as its escape (`\u001b`). */
export const visible = (s: string): string => s.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The longest offending token an error shows from a file. */
const MAX_TOKEN = 40;

/**
 * `error: <message> at line:column`, the source line, a caret under the span, and the hint:
 *
 *     error: x is a vector; x² is ambiguous (1:1)
 *       ‖x‖ + x²
 *             ^^
 *     hint: did you mean ‖x‖², xᵀx or x ⊙ x?
 *
 * With `excerpt: 'token'` (text read from a file or stdin) only the offending token is shown, never
 * the rest of its line: an error about `@/proc/self/environ` must not print the environment.
 * Unprintable characters are shown escaped everywhere (message, excerpt, hint).
 */
export function formatError(error: ChainruleError, fallbackSource?: string, options: { excerpt?: 'line' | 'token' } = {}): string {
  const source = error.source ?? fallbackSource;
  const lines: string[] = [];
  if (error.span && source !== undefined) {
    const { line, column, lineText, lineStart } = lineColumn(source, error.span.start);
    lines.push(`error: ${visible(error.message)} (${line}:${column})`);
    const spanEnd = Math.min(error.span.end, lineStart + lineText.length);
    const token = [...source.slice(error.span.start, Math.max(spanEnd, error.span.start))];
    if (options.excerpt === 'token') {
      const shown = visible(token.slice(0, MAX_TOKEN).join('')) + (token.length > MAX_TOKEN ? '…' : '');
      if (shown !== '') lines.push(`  ${shown}`, `  ${'^'.repeat([...shown].length)}`);
    } else {
      const maxShown = 120;
      const shownText = [...lineText];
      let offsetCols = column - 1;
      let shownStart = 0;
      if (shownText.length > maxShown && offsetCols > maxShown / 2) {
        shownStart = offsetCols - Math.floor(maxShown / 2);
        offsetCols -= shownStart;
      }
      const before = visible(shownText.slice(shownStart, shownStart + offsetCols).join(''));
      const visibleLine = visible(shownText.slice(shownStart, shownStart + maxShown).join(''));
      const width = Math.max(1, [...visible(token.join(''))].length);
      lines.push(`  ${shownStart > 0 ? '…' : ''}${visibleLine}${shownText.length > shownStart + maxShown ? '…' : ''}`);
      lines.push(`  ${shownStart > 0 ? ' ' : ''}${' '.repeat([...before].length)}${'^'.repeat(Math.min(width, maxShown))}`);
    }
  } else {
    lines.push(`error: ${visible(error.message)}`);
  }
  if (error.hint) lines.push(`hint: ${visible(error.hint)}`);
  return lines.join('\n');
}
