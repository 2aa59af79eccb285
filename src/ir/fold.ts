// Writing a node over the user's definitions. The constructors flatten, so after `ŷ = W₂h + b₂`
// the IR of ŷ − y is W₂h + b₂ − y, with no node for ŷ; folding finds a definition's operands inside
// a flattened node and puts a variable standing for the definition back (ŷ − y). It is an IR
// rewrite, so printers stay plain: `diff`, `steps` and the comments of generated code all use it.
import type { Name } from '../syntax/ast.ts';
import { nameKey } from '../syntax/ast.ts';
import * as C from './construct.ts';
import type { Node } from './node.ts';
import { topoSort } from './node.ts';
import { OP_INFO } from './ops.ts';
import { isSymmetric } from './properties.ts';
import * as Q from './rational.ts';
import { isScalar } from './shape.ts';

/** Replaces nodes by others throughout `root`, rebuilding through the constructors. */
export function substitute(root: Node, replacements: ReadonlyMap<Node, Node>): Node {
  if (replacements.size === 0) return root;
  const memo = new Map<Node, Node>();
  for (const n of topoSort([root])) memo.set(n, replacements.get(n) ?? C.rebuild(n, n.args.map((a) => memo.get(a) ?? a)));
  return memo.get(root) as Node;
}

/** n-ary ops whose constructors flatten nested operands: where a named definition can dissolve. */
const flattens = (op: Node['op']): boolean => OP_INFO[op].flattens;

/**
 * The constructors flatten: after `R = ½w²; L_reg = L + λR`, the IR of L_reg holds ½·λ·w², with no
 * node for R. This finds a definition's operands inside a flattened node (as a sub-multiset; a
 * contiguous run for the non-commutative matrix product) and puts the definition's symbol back:
 * ½·λ·w² → λ·R. Numeric coefficients divide out (2·½ stays exact).
 */
function refactor(n: Node, def: Node, symbol: Node): Node | undefined {
  if (n.op !== def.op || !flattens(n.op) || n === def) return undefined;
  if (n.op === 'matmul') {
    const k = def.args.length;
    for (let i = 0; i + k <= n.args.length; i++) {
      if (def.args.every((a, j) => n.args[i + j] === a)) return C.matmul(...n.args.slice(0, i), symbol, ...n.args.slice(i + k));
    }
    return undefined;
  }
  const rest: (Node | undefined)[] = [...n.args];
  let coefficient = Q.ONE;
  let first = -1;
  for (const a of def.args) {
    const at = rest.indexOf(a);
    if (at >= 0) {
      rest[at] = undefined;
      // Numeric factors print first whatever their place; the symbol goes where the first symbolic operand was.
      if (a.op !== 'const' && (first < 0 || at < first)) first = at;
    }
    else if (n.op === 'mul' && a.op === 'const') coefficient = Q.mul(coefficient, Q.reciprocal(a.attr));
    else return undefined;
  }
  // The symbol takes the place of the definition's first operand: ŷ − y, not −y + ŷ.
  const args = rest.map((r, i) => (i === first ? symbol : r)).filter((r): r is Node => r !== undefined);
  if (first < 0) args.push(symbol);
  if (coefficient.num !== 1 || coefficient.den !== 1) {
    const c = args.findIndex((r) => r.op === 'const');
    if (c < 0) args.unshift(C.num(coefficient));
    else args[c] = C.num(Q.mul((args[c] as Extract<Node, { op: 'const' }>).attr, coefficient));
  }
  return C.make(n.op, null as never, args, n.shape);
}

/**
 * Definitions to fold over, added in program order, with the index and memo that keep folding
 * linear: a node that is a definition becomes its symbol without a walk below it; a flattened node
 * is tried only against definitions of its op that have one of its operands (not against them all);
 * and with `keepMemo`, a node folded once is never walked again (valid only while no definition is
 * added, so `add` clears it).
 */
export class Folding {
  readonly definitions: FoldedDefinition[] = [];
  private readonly exact = new Map<Node, Node>();
  /** Indices of definitions whose let-form has this op and this first non-constant operand. */
  private readonly byOperand = new Map<string, number[]>();
  private memo = new Map<Node, Node>();

  /** Adds a definition (after the ones it may refer to) and returns its let-form. */
  add(node: Node, symbol: Node): FoldedDefinition {
    const expr = this.fold(node);
    this.push({ node, symbol, expr });
    return this.definitions[this.definitions.length - 1];
  }

  /** Adds a definition whose let-form is already known. */
  push(d: FoldedDefinition): void {
    const k = this.definitions.length;
    this.definitions.push(d);
    this.memo = new Map();
    this.exact.set(d.node, d.symbol).set(d.expr, d.symbol);
    if (!flattens(d.expr.op)) return;
    const key = d.expr.args.find((a) => a.op !== 'const');
    const slot = `${d.expr.op}|${key ? key.id : 'const'}`;
    const list = this.byOperand.get(slot);
    if (list) list.push(k);
    else this.byOperand.set(slot, [k]);
  }

  /** Whether the node is one of the definitions (and so folds to its symbol). */
  names(node: Node): boolean {
    return this.exact.has(node);
  }

  /** The node over the symbols of the definitions. */
  fold(root: Node): Node {
    const memo = this.memo;
    const known = memo.get(root) ?? this.exact.get(root);
    if (known) return known;
    // Iterative post-order over the nodes not yet folded; a definition's node is not entered.
    const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
    const entered = new Set<Node>([root]);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const args = top.node.args;
      if (top.next < args.length) {
        const child = args[top.next++];
        if (entered.has(child) || memo.has(child)) continue;
        const symbol = this.exact.get(child);
        if (symbol) memo.set(child, symbol);
        else {
          entered.add(child);
          stack.push({ node: child, next: 0 });
        }
        continue;
      }
      stack.pop();
      const n = top.node;
      let m = this.exact.get(n) ?? C.rebuild(n, n.args.map((a) => memo.get(a) ?? a));
      m = this.exact.get(m) ?? m;
      // Latest definitions first: they are the largest, and contain the earlier ones. Operands are
      // already over symbols, so a definition is looked for in its let-form.
      let below = this.definitions.length;
      while (flattens(m.op) && below > 0) {
        let next: { k: number; m: Node } | undefined;
        for (const k of this.candidates(m, below)) {
          const r = refactor(m, this.definitions[k].expr, this.definitions[k].symbol);
          if (r) {
            next = { k, m: r };
            break;
          }
        }
        if (!next) break;
        m = next.m;
        below = next.k;
      }
      memo.set(n, m);
    }
    return memo.get(root) as Node;
  }

  /** Indices below `below` of the definitions that could be found among m's operands, latest first. */
  private candidates(m: Node, below: number): number[] {
    const found = new Set<number>();
    for (const key of [...m.args.map((a) => a.id), 'const']) {
      for (const k of this.byOperand.get(`${m.op}|${key}`) ?? []) if (k < below) found.add(k);
    }
    return [...found].sort((a, b) => b - a);
  }
}

/** A definition's node written over the symbols of earlier definitions. */
export function letExpression(node: Node, earlier: readonly { node: Node; symbol: Node; expr: Node }[]): Node {
  const folding = new Folding();
  for (const e of earlier) folding.push(e);
  return folding.fold(node);
}

/** A definition written over the earlier ones: its node, the variable standing for it, its let-form. */
export interface FoldedDefinition {
  readonly node: Node;
  readonly symbol: Node;
  readonly expr: Node;
}

/** A variable that prints as the definition's name and stands for its node. */
export function symbolFor(name: Name, node: Node, key = `⟨${nameKey(name)}⟩`): Node {
  return C.variable({ key, name, symmetric: isSymmetric(node) && !isScalar(node.shape) }, node.shape);
}

/** Folds nodes over the given definitions (in program order): n ↦ n written with their names.
 * With `keepRoot`, a node that is itself a definition is written as its definition (h ↦ relu(W₁x + b₁)),
 * as a label of the computation of h wants; without it, it is written as its name. */
export type Folder = (node: Node, options?: { readonly keepRoot?: boolean }) => Node;

/** A folder, with the definitions it folds over. */
export interface DefinitionFolder extends Folder {
  readonly definitions: readonly FoldedDefinition[];
}

export function definitionFolder(definitions: readonly { readonly node: Node; readonly name: Name }[]): DefinitionFolder {
  const folding = new Folding();
  for (const d of definitions) folding.add(d.node, symbolFor(d.name, d.node));
  const own = new Map(folding.definitions.map((f) => [f.node, f.expr]));
  // No definition is added from here on, so every call shares one memo: a node is folded once.
  const fold: Folder = (node, options) => (options?.keepRoot && own.get(node)) || folding.fold(node);
  return Object.assign(fold, { definitions: folding.definitions });
}
