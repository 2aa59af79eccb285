// Code AST → text. Parentheses come from precedence levels (esbuild's printer): a child is wrapped
// exactly when its level is below what its position needs. Equal levels on the right of a
// left-associative operator are wrapped too: a − (b − c), and a + (b + c), which differ from
// a + b + c in floating point.
import type { BinaryOp, Expr, Stmt } from './ast.ts';

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
        return JSON.stringify(e.value).replace(/'/g, "\\'").replace(/^"|"$/g, "'").replace(/\\"/g, '"');
      case 'bool':
        return String(e.value);
      case 'id':
        return e.name;
      case 'member':
        return `${this.expr(e.object, L.call)}${e.optional ? '?.' : '.'}${e.property}`;
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
        // ** is right-associative, and a unary operand on its left is a syntax error.
        const leftMin = e.op === '**' ? level + 1 : level;
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
        return e.entries.length === 0 ? '{}' : `{ ${e.entries.map((x) => (x.value.k === 'id' && x.value.name === x.key ? x.key : `${propertyKey(x.key)}: ${this.expr(x.value, L.assign)}`)).join(', ')} }`;
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
    return this.lang === 'ts' && t ? `: ${t}` : '';
  }

  stmt(s: Stmt, ind: string): string[] {
    const inner = `${ind}  `;
    switch (s.k) {
      case 'decl':
        return [`${ind}${s.exported ? 'export ' : ''}${s.kind} ${s.name}${this.type(s.type)} = ${this.expr(s.init, L.assign)};`];
      case 'expr':
        return [`${ind}${this.expr(s.expr)};`];
      case 'for': {
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
        return s.lines.map((l) => (l === '' ? `${ind}//` : `${ind}// ${l}`));
      case 'blank':
        return [''];
      case 'function': {
        const params = s.params.map((p) => `${p.name}${this.lang === 'ts' ? `${p.optional ? '?' : ''}: ${p.type}` : ''}`).join(', ');
        return [`${ind}${s.exported ? 'export ' : ''}function ${s.name}(${params})${this.type(s.returns)} {`, ...this.stmts(s.body, inner), `${ind}}`];
      }
      case 'interface': {
        if (this.lang !== 'ts') return [];
        const fields = s.fields.flatMap((f) => [...(f.doc ? [`${inner}/** ${f.doc} */`] : []), `${inner}${propertyKey(f.name)}${f.optional ? '?' : ''}: ${f.type};`]);
        return [`${ind}${s.exported ? 'export ' : ''}interface ${s.name} {`, ...fields, `${ind}}`];
      }
    }
  }
}

const propertyKey = (key: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `'${key.replace(/'/g, "\\'")}'`);

export function printStatements(list: readonly Stmt[], lang: Lang): string {
  return `${new CodePrinter(lang).stmts(list).join('\n')}\n`;
}
