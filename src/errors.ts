// One error type for every stage. Input errors carry the span of the offending text and, where
// one is known, a hint; the CLI renders them with a caret. Internal errors are bugs.
import type { Span } from './syntax/ast.ts';

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

/**
 * `error: <message> at line:column`, the source line, a caret under the span, and the hint:
 *
 *     error: x is a vector; x² is ambiguous (1:1)
 *       ‖x‖ + x²
 *             ^^
 *     hint: did you mean ‖x‖², xᵀx or x ⊙ x?
 */
export function formatError(error: ChainruleError, fallbackSource?: string): string {
  const source = error.source ?? fallbackSource;
  const lines: string[] = [];
  if (error.span && source !== undefined) {
    const { line, column, lineText, lineStart } = lineColumn(source, error.span.start);
    lines.push(`error: ${error.message} (${line}:${column})`);
    const maxShown = 120;
    const shownText = [...lineText];
    let offsetCols = column - 1;
    let shownStart = 0;
    if (shownText.length > maxShown && offsetCols > maxShown / 2) {
      shownStart = offsetCols - Math.floor(maxShown / 2);
      offsetCols -= shownStart;
    }
    const visible = shownText.slice(shownStart, shownStart + maxShown).join('');
    const spanEnd = Math.min(error.span.end, lineStart + lineText.length);
    const width = Math.max(1, [...source.slice(error.span.start, spanEnd)].length);
    lines.push(`  ${shownStart > 0 ? '…' : ''}${visible}${shownText.length > shownStart + maxShown ? '…' : ''}`);
    lines.push(`  ${shownStart > 0 ? ' ' : ''}${' '.repeat(offsetCols)}${'^'.repeat(Math.min(width, maxShown))}`);
  } else {
    lines.push(`error: ${error.message}`);
  }
  if (error.hint) lines.push(`hint: ${error.hint}`);
  return lines.join('\n');
}
