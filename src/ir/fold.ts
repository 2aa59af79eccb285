// Writing a node over the user's definitions. The constructors flatten, so after `ŷ = W₂h + b₂`
// the IR of ŷ − y is W₂h + b₂ − y, with no node for ŷ; folding finds a definition's operands inside
// a flattened node and puts a variable standing for the definition back (ŷ − y). It is an IR
// rewrite, so printers stay plain: `diff`, `steps` and the comments of generated code all use it.
import type { Name } from '../syntax/ast.ts';
import { nameKey } from '../syntax/ast.ts';
import * as C from './construct.ts';
import type { Node } from './node.ts';
import { topoSort } from './node.ts';
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
const FLATTENED: ReadonlySet<Node['op']> = new Set(['add', 'mul', 'hadamard', 'matmul']);

/**
 * The constructors flatten: after `R = ½w²; L_reg = L + λR`, the IR of L_reg holds ½·λ·w², with no
 * node for R. This finds a definition's operands inside a flattened node (as a sub-multiset; a
 * contiguous run for the non-commutative matrix product) and puts the definition's symbol back:
 * ½·λ·w² → λ·R. Numeric coefficients divide out (2·½ stays exact).
 */
function refactor(n: Node, def: Node, symbol: Node): Node | undefined {
  if (n.op !== def.op || !FLATTENED.has(n.op) || n === def) return undefined;
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

/** A definition's node written over the symbols of earlier definitions. */
export function letExpression(node: Node, earlier: readonly { node: Node; symbol: Node; expr: Node }[]): Node {
  const exact = new Map<Node, Node>();
  for (const e of earlier) exact.set(e.node, e.symbol).set(e.expr, e.symbol);
  const memo = new Map<Node, Node>();
  for (const n of topoSort([node])) {
    let m = exact.get(n) ?? C.rebuild(n, n.args.map((a) => memo.get(a) ?? a));
    m = exact.get(m) ?? m;
    // Latest definitions first: they are the largest, and contain the earlier ones. Operands are
    // already over symbols, so a definition is looked for in its let-form.
    for (let k = earlier.length - 1; k >= 0 && FLATTENED.has(m.op); k--) m = refactor(m, earlier[k].expr, earlier[k].symbol) ?? m;
    memo.set(n, m);
  }
  return memo.get(node) as Node;
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

export function definitionFolder(definitions: readonly { readonly node: Node; readonly name: Name }[]): Folder {
  const folded: FoldedDefinition[] = [];
  for (const d of definitions) folded.push({ node: d.node, symbol: symbolFor(d.name, d.node), expr: letExpression(d.node, folded) });
  const own = new Map(folded.map((f) => [f.node, f.expr]));
  return (node, options) => (options?.keepRoot && own.get(node)) || letExpression(node, folded);
}
