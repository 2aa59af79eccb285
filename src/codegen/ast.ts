// A small code AST for the generated modules (SymPy's codegen/ast, esbuild's js_ast): kernels build
// trees, one printer turns them into TypeScript or JavaScript text with parentheses from precedence.
// Types are plain type expressions from a fixed vocabulary; the JS printer drops them.

export type BinaryOp = '+' | '-' | '*' | '/' | '**' | '<' | '>' | '<=' | '>=' | '===' | '!==' | '&&' | '||' | '??' | 'instanceof';
export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=';

export type Expr =
  | { readonly k: 'num'; readonly value: number }
  | { readonly k: 'str'; readonly value: string }
  | { readonly k: 'bool'; readonly value: boolean }
  | { readonly k: 'id'; readonly name: string }
  | { readonly k: 'member'; readonly object: Expr; readonly property: string; readonly optional?: boolean }
  | { readonly k: 'index'; readonly object: Expr; readonly index: Expr }
  | { readonly k: 'call'; readonly callee: Expr; readonly args: readonly Expr[] }
  | { readonly k: 'new'; readonly callee: Expr; readonly args: readonly Expr[] }
  | { readonly k: 'unary'; readonly op: '-' | '+' | '!' | 'typeof'; readonly arg: Expr }
  | { readonly k: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly k: 'cond'; readonly test: Expr; readonly then: Expr; readonly otherwise: Expr }
  | { readonly k: 'assign'; readonly op: AssignOp; readonly target: Expr; readonly value: Expr }
  | { readonly k: 'update'; readonly op: '++' | '--'; readonly target: Expr }
  | { readonly k: 'object'; readonly entries: readonly { readonly key: string; readonly value: Expr }[] }
  | { readonly k: 'array'; readonly items: readonly Expr[] }
  /** `expr as const` in TypeScript, `expr` in JavaScript. */
  | { readonly k: 'asConst'; readonly expr: Expr };

export interface Param {
  readonly name: string;
  readonly type: string;
  readonly optional?: boolean;
}

export type Stmt =
  | { readonly k: 'decl'; readonly kind: 'const' | 'let'; readonly name: string; readonly type?: string; readonly init: Expr; readonly exported?: boolean }
  | { readonly k: 'expr'; readonly expr: Expr }
  /** for (let index = from; index < to; index++), or downwards from to − 1 to from when `down`. */
  | { readonly k: 'for'; readonly index: string; readonly from: Expr; readonly to: Expr; readonly down?: boolean; readonly body: readonly Stmt[] }
  | { readonly k: 'if'; readonly test: Expr; readonly then: readonly Stmt[]; readonly otherwise?: readonly Stmt[] }
  | { readonly k: 'block'; readonly body: readonly Stmt[] }
  | { readonly k: 'return'; readonly value?: Expr }
  | { readonly k: 'throw'; readonly value: Expr }
  | { readonly k: 'break' }
  /** Line comments; each line printed with `// `. */
  | { readonly k: 'comment'; readonly lines: readonly string[] }
  | { readonly k: 'blank' }
  | { readonly k: 'function'; readonly name: string; readonly params: readonly Param[]; readonly returns: string; readonly body: readonly Stmt[]; readonly exported?: boolean }
  /** TypeScript only: `interface Name { field: type; }`, each field with an optional doc comment. */
  | { readonly k: 'interface'; readonly name: string; readonly fields: readonly { readonly name: string; readonly type: string; readonly optional?: boolean; readonly doc?: string }[]; readonly exported?: boolean };

// ---- builders ------------------------------------------------------------------------------------

export const num = (value: number): Expr => ({ k: 'num', value });
export const str = (value: string): Expr => ({ k: 'str', value });
export const bool = (value: boolean): Expr => ({ k: 'bool', value });
export const id = (name: string): Expr => ({ k: 'id', name });
export const member = (object: Expr, property: string, optional = false): Expr => ({ k: 'member', object, property, optional });
export const index = (object: Expr, at: Expr): Expr => ({ k: 'index', object, index: at });
export const call = (callee: Expr | string, ...args: Expr[]): Expr => ({ k: 'call', callee: typeof callee === 'string' ? id(callee) : callee, args });
export const mathCall = (name: string, ...args: Expr[]): Expr => call(member(id('Math'), name), ...args);
export const newExpr = (callee: string, ...args: Expr[]): Expr => ({ k: 'new', callee: id(callee), args });
export const neg = (arg: Expr): Expr => (arg.k === 'num' ? num(-arg.value) : { k: 'unary', op: '-', arg });
export const not = (arg: Expr): Expr => ({ k: 'unary', op: '!', arg });
/** +test: a comparison as 1 or 0 without a branch (a mispredicted branch per element costs more). */
export const toNumber = (arg: Expr): Expr => ({ k: 'unary', op: '+', arg });
export const bin = (op: BinaryOp, left: Expr, right: Expr): Expr => ({ k: 'binary', op, left, right });
export const cond = (test: Expr, then: Expr, otherwise: Expr): Expr => ({ k: 'cond', test, then, otherwise });
export const assign = (target: Expr, value: Expr, op: AssignOp = '='): Stmt => ({ k: 'expr', expr: { k: 'assign', op, target, value } });
export const increment = (target: Expr): Stmt => ({ k: 'expr', expr: { k: 'update', op: '++', target } });
export const object = (entries: { key: string; value: Expr }[]): Expr => ({ k: 'object', entries });
export const array = (items: Expr[]): Expr => ({ k: 'array', items });
export const asConst = (expr: Expr): Expr => ({ k: 'asConst', expr });

/** a + b, folding 0 (index arithmetic). */
export function plus(a: Expr, b: Expr): Expr {
  if (a.k === 'num' && a.value === 0) return b;
  if (b.k === 'num' && b.value === 0) return a;
  if (a.k === 'num' && b.k === 'num') return num(a.value + b.value);
  return bin('+', a, b);
}

/** a · b, folding 0 and 1 (index arithmetic only: for data, 0·x is not 0 when x is ∞ or NaN). */
export function times(a: Expr, b: Expr): Expr {
  if ((a.k === 'num' && a.value === 0) || (b.k === 'num' && b.value === 0)) return num(0);
  if (a.k === 'num' && a.value === 1) return b;
  if (b.k === 'num' && b.value === 1) return a;
  if (a.k === 'num' && b.k === 'num') return num(a.value * b.value);
  return bin('*', a, b);
}

export const constDecl = (name: string, init: Expr, type?: string): Stmt => ({ k: 'decl', kind: 'const', name, init, type });
export const letDecl = (name: string, init: Expr, type?: string): Stmt => ({ k: 'decl', kind: 'let', name, init, type });
export const exprStmt = (expr: Expr): Stmt => ({ k: 'expr', expr });
export const forRange = (indexName: string, from: Expr, to: Expr, body: readonly Stmt[]): Stmt => ({ k: 'for', index: indexName, from, to, body });
export const forDown = (indexName: string, from: Expr, to: Expr, body: readonly Stmt[]): Stmt => ({ k: 'for', index: indexName, from, to, down: true, body });
export const ifStmt = (test: Expr, then: readonly Stmt[], otherwise?: readonly Stmt[]): Stmt => ({ k: 'if', test, then, otherwise });
export const ret = (value?: Expr): Stmt => ({ k: 'return', value });
export const throwError = (errorType: 'Error' | 'TypeError' | 'RangeError', message: Expr): Stmt => ({ k: 'throw', value: newExpr(errorType, message) });
export const comment = (...lines: string[]): Stmt => ({ k: 'comment', lines });
export const blank: Stmt = { k: 'blank' };

/** 'text' + x + 'more': a message with numbers in it. */
export function concat(...parts: (string | Expr)[]): Expr {
  const exprs = parts.map((p) => (typeof p === 'string' ? str(p) : p));
  return exprs.reduce((acc, e) => bin('+', acc, e));
}
