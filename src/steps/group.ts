// Forward intermediates: which IR nodes a TA would name. The course notes do not name every
// operation: `x⁽¹⁾ = W⁽¹⁾x + b` is one step (an affine layer), `ℓ = ½‖x⁽⁴⁾‖²` is one step (the
// squared norm and its ½ belong together), `z₄ = y − z₃` writes the negation inside the sum.
// A program names its own steps (`z = wx + b; y = σ(z); …`); a single expression gets z₁, z₂, …
// from the rules below. The same grouping feeds the step printer and the graph drawer, so the
// names on the graph are the names in the derivation.
import type { Model } from '../build/index.ts';
import { letExpression, substitute, symbolFor } from '../ir/fold.ts';
import type { Node } from '../ir/node.ts';
import { topoSort } from '../ir/node.ts';
import { isLeaf } from '../ir/ops.ts';
import type { Name } from '../syntax/ast.ts';
import { nameKey } from '../syntax/ast.ts';

/** Sources of the graph, never steps: variables and constants (the ops of class leaf). */
export { isLeaf };

/** k·x with a numeric k: printed as part of whatever uses it (−z₃ inside y − z₃). */
const isConstantMultiple = (n: Node): boolean => n.op === 'mul' && n.args.length === 2 && n.args[0].op === 'const';

/** A product of sources, their transposes and reciprocals (Ax, αAAᵀ, β⁻¹I, wᵀφ): the linear part of
 * an affine step, written inside the sum that uses it (W⁽¹⁾x + b), never named alone. */
function isSourceMonomial(n: Node): boolean {
  if (isLeaf(n)) return true;
  switch (n.op) {
    case 'transpose':
      return isSourceMonomial(n.args[0]);
    case 'pow': // β⁻¹: a reciprocal of a scalar source is notation, not a step
      return n.args[0].op === 'var' && n.args[1].op === 'const' && n.args[1].attr.num === -1;
    case 'mul':
    case 'matmul':
    case 'hadamard':
      return n.args.every(isSourceMonomial);
    default:
      return false;
  }
}

/** Why a node is written inside its only consumer instead of being named: rules as data. */
const INLINE_RULES: readonly { name: string; applies: (node: Node, consumer: Node, consumerNamed: boolean) => boolean }[] = [
  { name: 'transpose is notation (zᵀ)', applies: (n) => n.op === 'transpose' },
  { name: 'a constant multiple is notation (−z₃)', applies: (n) => isConstantMultiple(n) },
  // ½‖z‖² and −½tr(z) are one step; but in y − z₃ the negation is notation and z₃ keeps its name.
  { name: 'a named constant multiple keeps its operand (½‖z‖²)', applies: (_, c, named) => named && isConstantMultiple(c) },
  { name: 'squared norm (‖z‖²)', applies: (n, c) => n.op === 'norm' && c.op === 'pow' },
  { name: 'log-determinant (log|K|)', applies: (n, c) => n.op === 'det' && c.op === 'apply' && c.attr.kind === 'builtin' && c.attr.name === 'log' },
  { name: 'affine map (Wx + b)', applies: (n, c) => isSourceMonomial(n) && (c.op === 'add' || isSourceMonomial(c)) },
];

export interface Step {
  /** The step's value in the IR (for evaluation and for graphs). */
  readonly node: Node;
  readonly name: Name;
  /** True when the user named it (a program line), false for z₁, z₂, … */
  readonly userNamed: boolean;
  /** A variable standing for this step in later definitions: prints as its name. */
  readonly symbol: Node;
  /** The definition, over the symbols of earlier steps and the model's variables (z₃ = bᵀz₂). */
  readonly expr: Node;
}

export interface Grouping {
  /** The named intermediates in forward order; the output last. */
  readonly steps: readonly Step[];
  /** real node → its step. */
  readonly stepOf: ReadonlyMap<Node, Step>;
  /** symbol → its step. */
  readonly stepOfSymbol: ReadonlyMap<Node, Step>;
  /** The graph's sources: the variables the output depends on, in order of first use. */
  readonly sources: readonly Node[];
  /** The direct inputs of each step (keyed by its symbol): symbols of steps and variables its definition mentions. */
  readonly inputs: ReadonlyMap<Node, readonly Node[]>;
  /** Replaces every step symbol by the step's IR node: the plain expression, for evaluation. */
  readonly expand: (n: Node) => Node;
  /** Replaces every occurrence of a step's definition by its symbol (σ(z) → y). */
  readonly fold: (n: Node) => Node;
}

/** The letter for automatic names: z, unless the expression already uses it. */
function freshLetter(model: Model): string {
  const used = new Set([...model.variables.map((v) => v.name.base), ...model.definitions.map((d) => d.name.base)]);
  return ['z', 'u', 'v', 'q', 'r', 's'].find((l) => !used.has(l)) ?? 'ζ';
}

const outputName = (model: Model): Name => model.output.key !== undefined ? (model.definitions.find((d) => d.key === model.output.key)?.name ?? { base: model.output.display ?? 'f' }) : { base: 'f' };

/** Chooses the steps of a model's output: the user's definitions when it is a program, else z₁, z₂, … */
/** `step`: the notes' grouping (Wx + b, ½‖z‖² and log|K| are one step each). `operation`: one
 * step per IR operation, transposes and constant multiples included, for the finest graph. */
export type Granularity = 'step' | 'operation';

export function groupSteps(model: Model, granularity: Granularity = 'step'): Grouping {
  const root = model.output.node;
  const order = topoSort([root]);
  const rootIndex = model.definitions.findIndex((d) => d.node === root);
  const userDefinitions = model.definitions.filter((d, i) => !isLeaf(d.node) && d.node !== root && (rootIndex < 0 || i < rootIndex));
  const isProgram = userDefinitions.length > 0 && granularity === 'step';
  const userName = new Map(userDefinitions.map((d) => [d.node, d.name]));

  const chosen: { node: Node; name: Name; userNamed: boolean }[] = [];
  if (isProgram) {
    const seen = new Set<Node>();
    for (const d of userDefinitions) if (!seen.has(d.node)) (seen.add(d.node), chosen.push({ node: d.node, name: d.name, userNamed: true }));
  } else {
    const consumers = new Map<Node, Node[]>();
    for (const n of order) for (const a of new Set(n.args)) consumers.set(a, [...(consumers.get(a) ?? []), n]);
    // Decided from the output down, so a rule can ask whether the consumer itself is named.
    const isNamed = new Set<Node>([root]);
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i];
      if (isLeaf(n) || n === root) continue;
      const users = consumers.get(n) ?? [];
      if (granularity === 'operation') {
        isNamed.add(n);
        continue;
      }
      const inline = users.length === 1 && INLINE_RULES.some((r) => r.applies(n, users[0], isNamed.has(users[0])));
      // A transpose is never named, even when shared: zᵀ costs nothing to write.
      if (!inline && n.op !== 'transpose') isNamed.add(n);
    }
    const letter = freshLetter(model);
    let k = 0;
    for (const n of order) {
      if (!isNamed.has(n) || n === root) continue;
      const own = userName.get(n);
      chosen.push(own ? { node: n, name: own, userNamed: true } : { node: n, name: { base: letter, sub: String(++k) }, userNamed: false });
    }
  }
  chosen.push({ node: root, name: outputName(model), userNamed: model.output.key !== undefined });

  const steps: Step[] = [];
  for (const c of chosen) {
    const key = `⟨step ${nameKey(c.name)}⟩`;
    const symbol = symbolFor(c.name, c.node, key);
    steps.push({ ...c, symbol, expr: letExpression(c.node, steps) });
  }
  // Only the steps the output uses (a program may define more than its output needs).
  const stepOfSymbol = new Map(steps.map((s) => [s.symbol, s]));
  const used = new Set<Step>([steps[steps.length - 1]]);
  for (let i = steps.length - 1; i >= 0; i--) {
    if (!used.has(steps[i])) continue;
    for (const n of topoSort([steps[i].expr])) {
      const s = stepOfSymbol.get(n);
      if (s) used.add(s);
    }
  }
  const kept = steps.filter((s) => used.has(s));
  const variables = new Set(model.variables.map((v) => v.node));
  const inputs = new Map<Node, Node[]>();
  for (const s of kept) inputs.set(s.symbol, topoSort([s.expr]).filter((n) => n !== s.expr && (stepOfSymbol.has(n) || variables.has(n))));
  const toNode = new Map(kept.map((s) => [s.symbol, s.node]));
  // Earlier definitions, found again inside derivatives: σ(z) → y when y = σ(z).
  const toSymbol = new Map(kept.filter((s) => s.expr.op !== 'var').map((s) => [s.expr, s.symbol]));
  const sources = model.variables.map((v) => v.node).filter((v) => order.includes(v));
  return {
    steps: kept,
    stepOf: new Map(kept.map((s) => [s.node, s])),
    stepOfSymbol: new Map(kept.map((s) => [s.symbol, s])),
    sources,
    inputs,
    expand: (n) => substitute(n, toNode),
    fold: (n) => substitute(n, toSymbol),
  };
}
