// Forward intermediates: which IR nodes a TA would name. The course notes do not name every
// operation: `x⁽¹⁾ = W⁽¹⁾x + b` is one step (an affine layer), `ℓ = ½‖x⁽⁴⁾‖²` is one step (the
// squared norm and its ½ belong together), `z₄ = y − z₃` writes the negation inside the sum.
// A program names its own steps (`z = wx + b; y = σ(z); …`); a single expression gets z₁, z₂, …
// from the rules below. The same grouping feeds the step printer and the graph drawer, so the
// names on the graph are the names in the derivation.
import type { Model } from '../build/index.ts';
import type { Node } from '../ir/node.ts';
import { topoSort } from '../ir/node.ts';
import type { Name } from '../syntax/ast.ts';

/** Ops that are sources of the graph, never steps: variables and constants. */
const LEAF_OPS: ReadonlySet<Node['op']> = new Set(['var', 'const', 'constant', 'dim', 'identity', 'ones', 'zeros']);
export const isLeaf = (n: Node): boolean => LEAF_OPS.has(n.op);

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
  readonly node: Node;
  readonly name: Name;
  /** True when the user named it (a program line), false for z₁, z₂, … */
  readonly userNamed: boolean;
}

export interface Grouping {
  /** The named intermediates in forward order; the output last. */
  readonly steps: readonly Step[];
  /** node → its step (for named nodes only). */
  readonly stepOf: ReadonlyMap<Node, Step>;
  /** The graph's sources: the variables the output depends on, in order of first use. */
  readonly sources: readonly Node[];
  /** The direct inputs of each step: the steps and variables its expression mentions. */
  readonly inputs: ReadonlyMap<Node, readonly Node[]>;
}

/** The letter for automatic names: z, unless the expression already uses it. */
function freshLetter(model: Model): string {
  const used = new Set([...model.variables.map((v) => v.name.base), ...model.definitions.map((d) => d.name.base)]);
  return ['z', 'u', 'v', 'q', 'r', 's'].find((l) => !used.has(l)) ?? 'ζ';
}

const outputName = (model: Model): Name => model.output.key !== undefined ? (model.definitions.find((d) => d.key === model.output.key)?.name ?? { base: model.output.display ?? 'f' }) : { base: 'f' };

/** Chooses the steps of a model's output: the user's definitions when it is a program, else z₁, z₂, … */
export function groupSteps(model: Model): Grouping {
  const root = model.output.node;
  const order = topoSort([root]);
  const userDefinitions = model.definitions.filter((d) => !isLeaf(d.node) && d.node !== root && order.includes(d.node));
  const isProgram = userDefinitions.length > 0;

  const consumers = new Map<Node, Node[]>();
  for (const n of order) for (const a of new Set(n.args)) consumers.set(a, [...(consumers.get(a) ?? []), n]);

  const named = new Map<Node, { name: Name; userNamed: boolean } | null>();
  if (isProgram) {
    for (const d of userDefinitions) if (!named.has(d.node)) named.set(d.node, { name: d.name, userNamed: true });
  } else {
    // Decided from the output down, so a rule can ask whether the consumer itself is named.
    const isNamed = new Set<Node>([root]);
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i];
      if (isLeaf(n) || n === root) continue;
      const users = consumers.get(n) ?? [];
      const inline = users.length === 1 && INLINE_RULES.some((r) => r.applies(n, users[0], isNamed.has(users[0])));
      // A transpose is never named, even when shared: zᵀ costs nothing to write.
      if (!inline && n.op !== 'transpose') isNamed.add(n);
    }
    const letter = freshLetter(model);
    let k = 0;
    for (const n of order) if (isNamed.has(n) && n !== root) named.set(n, { name: { base: letter, sub: String(++k) }, userNamed: false });
  }
  named.set(root, { name: outputName(model), userNamed: model.output.key !== undefined });

  const steps: Step[] = [];
  const stepOf = new Map<Node, Step>();
  for (const n of order) {
    const s = named.get(n);
    if (!s) continue;
    const step = { node: n, ...s };
    steps.push(step);
    stepOf.set(n, step);
  }

  const inputs = new Map<Node, Node[]>();
  for (const step of steps) {
    const found: Node[] = [];
    const seen = new Set<Node>();
    const visit = (n: Node): void => {
      for (const a of n.args) {
        if (seen.has(a)) continue;
        seen.add(a);
        if (stepOf.has(a) || a.op === 'var') found.push(a);
        else visit(a);
      }
    };
    visit(step.node);
    inputs.set(step.node, found);
  }
  const sources = model.variables.map((v) => v.node).filter((v) => order.includes(v));
  return { steps, stepOf, sources, inputs };
}
