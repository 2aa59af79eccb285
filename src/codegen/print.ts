// Code AST → text. Parentheses come from precedence levels (esbuild's printer): a child is wrapped
// exactly when its level is below what its position needs. Equal levels on the right of a
// left-associative operator are wrapped too: a − (b − c), and a + (b + c), which differ from
// a + b + c in floating point.
//
// User text (sources, --where, names as written, formulas, problem-file fields) reaches the text in
// exactly two places, each through one function: comments through `commentText`, string literals
// (and quoted property keys) through `stringLiteral`. Everything else the printer writes is checked:
// identifiers and property names must be ASCII identifiers, types come from a fixed alphabet, so a
// name that slipped through unsanitized is an internal error, never code.
import type { BinaryOp, Expr, Stmt } from './ast.ts';
import { internalError } from '../errors.ts';

export type Lang = 'ts' | 'js';

const L = { assign: 2, cond: 3, nullish: 4, or: 4, and: 5, equality: 9, relational: 10, additive: 12, multiplicative: 13, exponent: 14, unary: 15, postfix: 16, call: 18, atom: 20 } as const;

const BINARY_LEVEL: Record<BinaryOp, number> = {
  '??': L.nullish, '||': L.or, '&&': L.and, '===': L.equality, '!==': L.equality, '<': L.relational, '>': L.relational, '<=': L.relational,
  '>=': L.relational, instanceof: L.relational, '+': L.additive, '-': L.additive, '*': L.multiplicative, '/': L.multiplicative, '**': L.exponent,
};

function levelOf(e: Expr): number {
  switch (e.k) {
    case 'num':
      return e.value < 0 || Object.is(e.value, -0) ? L.unary : L.atom;
    case 'binary':
      return BINARY_LEVEL[e.op];
    case 'unary':
      return L.unary;
    case 'cond':
      return L.cond;
    case 'assign':
      return L.assign;
    case 'update':
      return L.postfix;
    case 'asConst':
      return L.relational;
    case 'member':
    case 'index':
    case 'call':
    case 'new':
      return L.call;
    default:
      return L.atom;
  }
}

/** Characters that end a line in JavaScript or TypeScript source (ECMA-262 LineTerminator). */
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/** Characters never written raw into generated text: line terminators, C0/C1 controls and DEL, the
 * bidirectional overrides and isolates that make text display in another order than it parses
 * (Trojan Source, CVE-2021-42574), other zero-width format characters, and lone surrogates (with
 * the u flag, a surrogate range matches only unpaired halves). */
const UNSAFE_CHAR = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]/gu;

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v', '\0': '\\x00' };

const unicodeEscape = (c: string): string => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * The one way text enters a comment. Unsafe characters are shown as escapes (a line terminator as
 * `\n`, `\u2028`, …), so the text stays on its comment line, and `*\/` becomes `*\\/`, so it cannot
 * close a block comment either. The result has no line terminator: asserted, not assumed.
 */
export function commentText(text: string): string {
  const safe = text.replace(UNSAFE_CHAR, unicodeEscape).replace(/\*\//g, '*\\/');
  if (LINE_TERMINATOR.test(safe) || safe.includes('*/')) throw internalError('comment text escaped incompletely');
  return safe;
}

/** The one way text becomes a string literal: single-quoted, with `\`, `'` and every unsafe
 * character escaped (the literal is one line, whatever the text). */
export function stringLiteral(text: string): string {
  const body = text.replace(/[\\']/g, (c) => `\\${c}`).replace(UNSAFE_CHAR, unicodeEscape);
  if (LINE_TERMINATOR.test(body)) throw internalError('string literal escaped incompletely');
  return `'${body}'`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Words an identifier may not be (ES reserved words, strict-mode and module restrictions). */
const KEYWORDS = new Set([
  'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends', 'false',
  'finally', 'for', 'function', 'if', 'implements', 'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null', 'package', 'private', 'protected',
  'public', 'return', 'static', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'eval', 'arguments',
]);

/** A binding or reference name: an ASCII identifier that is not a keyword, or an internal error. */
function identifier(name: string): string {
  if (!IDENTIFIER.test(name) || KEYWORDS.has(name)) throw internalError(`not a safe identifier for generated code: ${JSON.stringify(name)}`);
  return name;
}

/** Type annotations come from a fixed vocabulary (`number`, `Float64Array`, `{ value: number; grad: Gradient }`). */
function typeText(t: string): string {
  if (!/^[A-Za-z0-9_$ {}:;[\]|?]+$/.test(t)) throw internalError(`not a safe type for generated code: ${JSON.stringify(t)}`);
  return t;
}

/** An object key or member name: bare when it is an identifier name, else a string literal. */
const propertyKey = (key: string): string => (IDENTIFIER.test(key) ? key : stringLiteral(key));

function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return String(x);
}

export class CodePrinter {
  constructor(readonly lang: Lang) {}

  expr(e: Expr, minLevel = 0): string {
    const text = this.bare(e);
    return levelOf(e) < minLevel ? `(${text})` : text;
  }

  private bare(e: Expr): string {
    switch (e.k) {
      case 'num':
        return formatNumber(e.value);
      case 'str':
        return stringLiteral(e.value);
      case 'bool':
        return String(e.value);
      case 'id':
        return identifier(e.name);
      case 'member':
        return IDENTIFIER.test(e.property)
          ? `${this.expr(e.object, L.call)}${e.optional ? '?.' : '.'}${e.property}`
          : `${this.expr(e.object, L.call)}${e.optional ? '?.' : ''}[${stringLiteral(e.property)}]`;
      case 'index':
        return `${this.expr(e.object, L.call)}[${this.expr(e.index)}]`;
      case 'call':
        return `${this.expr(e.callee, L.call)}(${e.args.map((a) => this.expr(a, L.assign)).join(', ')})`;
      case 'new':
        return `new ${this.expr(e.callee, L.call)}(${e.args.map((a) => this.expr(a, L.assign)).join(', ')})`;
      case 'unary': {
        const arg = this.expr(e.arg, L.unary);
        // `- -x` must not print as `--x`, nor `+ +x` as `++x`.
        const sep = e.op === 'typeof' || ((e.op === '-' || e.op === '+') && arg.startsWith(e.op)) ? ' ' : '';
        return `${e.op}${sep}${arg}`;
      }
      case 'binary': {
        const level = BINARY_LEVEL[e.op];
        // ** is right-associative, and its left operand must be an update expression or tighter: a unary
        // operand there (+t ** 3, -x ** 2) is a syntax error, so it is parenthesised.
        const leftMin = e.op === '**' ? L.postfix : level;
        const rightMin = e.op === '**' ? level : level + 1;
        return `${this.expr(e.left, leftMin)} ${e.op} ${this.expr(e.right, rightMin)}`;
      }
      case 'cond':
        return `${this.expr(e.test, L.cond + 1)} ? ${this.expr(e.then, L.assign)} : ${this.expr(e.otherwise, L.assign)}`;
      case 'assign':
        return `${this.expr(e.target, L.call)} ${e.op} ${this.expr(e.value, L.assign)}`;
      case 'update':
        return `${this.expr(e.target, L.call)}${e.op}`;
      case 'object':
        return e.entries.length === 0 ? '{}' : `{ ${e.entries.map((x) => (x.value.k === 'id' && x.value.name === x.key ? identifier(x.key) : `${propertyKey(x.key)}: ${this.expr(x.value, L.assign)}`)).join(', ')} }`;
      case 'array':
        return `[${e.items.map((x) => this.expr(x, L.assign)).join(', ')}]`;
      case 'asConst':
        return this.lang === 'ts' ? `${this.expr(e.expr, L.call)} as const` : this.bare(e.expr);
    }
  }

  stmts(list: readonly Stmt[], indent = ''): string[] {
    return list.flatMap((s) => this.stmt(s, indent));
  }

  private type(t: string | undefined): string {
    return this.lang === 'ts' && t ? `: ${typeText(t)}` : '';
  }

  stmt(s: Stmt, ind: string): string[] {
    const inner = `${ind}  `;
    switch (s.k) {
      case 'decl':
        return [`${ind}${s.exported ? 'export ' : ''}${s.kind} ${identifier(s.name)}${this.type(s.type)} = ${this.expr(s.init, L.assign)};`];
      case 'expr':
        return [`${ind}${this.expr(s.expr)};`];
      case 'for': {
        identifier(s.index);
        const head = s.down
          ? `for (let ${s.index} = ${this.expr(s.to, L.additive + 1)} - 1; ${s.index} >= ${this.expr(s.from, L.relational + 1)}; ${s.index}--)`
          : `for (let ${s.index} = ${this.expr(s.from, L.assign)}; ${s.index} < ${this.expr(s.to, L.relational + 1)}; ${s.index}++)`;
        return [`${ind}${head} {`, ...this.stmts(s.body, inner), `${ind}}`];
      }
      case 'if': {
        const lines = [`${ind}if (${this.expr(s.test)}) {`, ...this.stmts(s.then, inner)];
        if (s.otherwise?.length) lines.push(`${ind}} else {`, ...this.stmts(s.otherwise, inner));
        return [...lines, `${ind}}`];
      }
      case 'block':
        return [`${ind}{`, ...this.stmts(s.body, inner), `${ind}}`];
      case 'return':
        return [`${ind}return${s.value ? ` ${this.expr(s.value)}` : ''};`];
      case 'throw':
        return [`${ind}throw ${this.expr(s.value)};`];
      case 'break':
        return [`${ind}break;`];
      case 'comment':
        return s.lines.map((l) => (l === '' ? `${ind}//` : `${ind}// ${commentText(l)}`));
      case 'blank':
        return [''];
      case 'function': {
        const params = s.params.map((p) => `${identifier(p.name)}${this.lang === 'ts' ? `${p.optional ? '?' : ''}: ${typeText(p.type)}` : ''}`).join(', ');
        return [`${ind}${s.exported ? 'export ' : ''}function ${identifier(s.name)}(${params})${this.type(s.returns)} {`, ...this.stmts(s.body, inner), `${ind}}`];
      }
      case 'interface': {
        if (this.lang !== 'ts') return [];
        const fields = s.fields.flatMap((f) => [...(f.doc ? [`${inner}/** ${commentText(f.doc)} */`] : []), `${inner}${propertyKey(f.name)}${f.optional ? '?' : ''}: ${typeText(f.type)};`]);
        return [`${ind}${s.exported ? 'export ' : ''}interface ${identifier(s.name)} {`, ...fields, `${ind}}`];
      }
    }
  }
}

export function printStatements(list: readonly Stmt[], lang: Lang): string {
  return `${new CodePrinter(lang).stmts(list).join('\n')}\n`;
}
