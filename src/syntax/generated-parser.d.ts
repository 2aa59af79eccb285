// Types of the parser that peggy generates from grammar/chainrule.peggy into ./generated/parser.js
// (a build output, gitignored). Only parse.ts imports it; everything else goes through parse.ts.
declare module '*/generated/parser.js' {
  interface SourceSpan {
    readonly start: number;
    readonly end: number;
  }

  /** An opening delimiter that was still waiting for its closer where the parse failed. */
  export interface Opener {
    /** As written: `(`, `\left(`, `‖`, `\lVert`. */
    readonly text: string;
    /** What would have closed it: `)`, `\right)`, `‖`, `\rVert`. */
    readonly closer: string;
    /** `parentheses`, `brackets`, `braces`, `|` or `‖`. */
    readonly family: string;
    readonly span: SourceSpan;
  }

  /** Filled in by the grammar during a parse; read by parse.ts only when the parse fails. */
  export interface ParseDiagnostics {
    /** Offset where a closing delimiter was expected → the opener that was waiting for it. */
    readonly unclosed: Map<number, Opener>;
  }

  export interface ParseOptions {
    readonly startRule?: 'program' | 'declarations';
    readonly diagnostics?: ParseDiagnostics;
  }

  export type Expectation =
    | { readonly type: 'literal'; readonly text: string; readonly ignoreCase: boolean }
    | { readonly type: 'class'; readonly parts: readonly unknown[]; readonly inverted: boolean; readonly ignoreCase: boolean }
    | { readonly type: 'any' }
    | { readonly type: 'end' }
    | { readonly type: 'other'; readonly description: string };

  interface Position {
    readonly offset: number;
    readonly line: number;
    readonly column: number;
  }

  /** peggy's syntax error: the farthest position the parse reached and what it expected there. */
  export class SyntaxError extends Error {
    readonly expected: readonly Expectation[] | null;
    readonly found: string | null;
    readonly location: { readonly start: Position; readonly end: Position };
  }

  /** A mistake the grammar recognizes outright (`‖x‖₁`, `sin(x)`, a prime without a call). */
  export class GrammarError extends Error {
    readonly span: SourceSpan;
    readonly hint?: string;
  }

  /** Every multi-letter ASCII word of the language (Greek names, function words, keywords). */
  export const LANGUAGE_WORDS: readonly string[];

  /** Returns a Program for `program`, a Declaration[] for `declarations` (see src/syntax/ast.ts). */
  export function parse(input: string, options?: ParseOptions): unknown;
}
