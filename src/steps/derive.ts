// A derivation, the way the course notes write one: the forward pass as named intermediates with
// their shapes, then the backward pass node by node. Everything here is IR, driven by the reverse
// pass of `diff/` (its adjoint for every visited node and its visit order); printing is `render.ts`.
//
// For each backward line ∂L/∂u the derivation keeps:
//   - the chain rule in symbols:  ∂L/∂u = Σ_c ∂L/∂c · ∂c/∂u  over the steps c that use u;
//   - the local derivative ∂c/∂u where it is a matrix one can write (c scalar: a gradient; c an
//     elementwise map of u: diag(f′));
//   - the chain-rule product: the vector-Jacobian product of step c applied to the symbol ∂L/∂c
//     (the adjoint rule of `diff/rules.ts`, e.g. ∂L/∂A = ∂L/∂z₁ xᵀ), as an IR node over a placeholder;
//   - the result: ∂L/∂u from the backward pass, simplified and written with the forward names.
import type { Model, VariableInfo } from '../build/index.ts';
import * as C from '../ir/construct.ts';
import type { Node } from '../ir/node.ts';
import { topoSort } from '../ir/node.ts';
import { isColumn, isScalar, sameShape } from '../ir/shape.ts';
import type { Backward, Layout } from '../diff/index.ts';
import { backward, inner } from '../diff/index.ts';
import { ChainruleError } from '../errors.ts';
import { Simplifier } from '../simplify/index.ts';
import type { Name } from '../syntax/ast.ts';
import { nameKey } from '../syntax/ast.ts';
import type { Grouping, Step } from './group.ts';
import { groupSteps } from './group.ts';
import { presentNumerator } from './numerator.ts';

export interface ForwardLine {
  readonly step: Step;
  /** Steps and variables the definition uses. */
  readonly inputs: readonly Node[];
}

/** One term ∂L/∂c · ∂c/∂u of a backward line. */
export interface ChainTerm {
  /** The step c that uses u. */
  readonly via: Step;
  /** ∂c/∂u as a matrix, when it is one a TA would write (c scalar, or c elementwise in u). */
  readonly local?: Node;
  /** The chain-rule product over `upstream` (which stands for ∂L/∂c), simplified. */
  readonly product: Node;
}

export interface BackwardLine {
  /** A step or a differentiated variable. */
  readonly node: Node;
  readonly name: Name;
  readonly isVariable: boolean;
  readonly terms: readonly ChainTerm[];
  /** ∂L/∂u straight from the backward pass (gradient layout). */
  readonly raw: Node;
  /** Simplified, in the requested layout. */
  readonly result: Node;
}

export interface Derivation {
  readonly model: Model;
  readonly grouping: Grouping;
  readonly layout: Layout;
  readonly outputName: Name;
  readonly forward: readonly ForwardLine[];
  /** Output first, then each step and variable in the order the backward pass reached it. */
  readonly backward: readonly BackwardLine[];
  /** The final answers, one per requested variable, in the order asked. */
  readonly answers: readonly { variable: VariableInfo; line: BackwardLine }[];
  /** Placeholder node → the step whose adjoint it stands for (∂L/∂c). */
  readonly upstream: ReadonlyMap<Node, Step>;
  /** The forward names, for printing results in their terms. */
  readonly names: ReadonlyMap<Node, Name>;
  readonly pass: Backward;
  readonly simplifier: Simplifier;
}

export interface DeriveOptions {
  readonly layout?: Layout;
}

let placeholderCount = 0;
/** A fresh variable standing for a symbol (∂L/∂z₃, or an input cut loose from its definition). */
function placeholder(shape: Node['shape'], symmetric = false): Node {
  const key = `⟨placeholder ${++placeholderCount}⟩`;
  return C.variable({ key, name: { base: '□', sub: String(placeholderCount) }, symmetric }, shape);
}

/** Replaces nodes by others throughout `root`, rebuilding through the constructors. */
export function substitute(root: Node, replacements: ReadonlyMap<Node, Node>): Node {
  const memo = new Map<Node, Node>(replacements);
  for (const n of topoSort([root])) {
    if (memo.has(n)) continue;
    memo.set(n, C.rebuild(n, n.args.map((a) => memo.get(a) ?? a)));
  }
  return memo.get(root) as Node;
}

/** True when `node`, as a function of `input`, acts entry by entry (its Jacobian is diagonal). */
function isElementwiseIn(node: Node, input: Node): boolean {
  if (!isColumn(node.shape) || !sameShape(node.shape, input.shape)) return false;
  const check = (n: Node): boolean => {
    if (n === input || !topoSort([n]).includes(input)) return true;
    if (!sameShape(n.shape, input.shape) && !isScalar(n.shape)) return false;
    if (isScalar(n.shape)) return false; // a scalar that depends on the input mixes its entries
    if (!['apply', 'hadamard', 'add', 'mul', 'pow', 'indicator', 'max', 'min'].includes(n.op)) return false;
    return n.args.every(check);
  };
  return check(node);
}

export function derive(model: Model, variables: readonly VariableInfo[], options: DeriveOptions = {}): Derivation {
  if (variables.length === 0) throw new ChainruleError('say which variables to differentiate with respect to', { hint: '--wrt W,x' });
  const layout = options.layout ?? 'gradient';
  const grouping = groupSteps(model);
  const root = model.output.node;
  const pass = backward(root, variables.map((v) => v.node));
  const simplifier = new Simplifier(true);
  const outputStep = grouping.stepOf.get(root) as Step;

  const names = new Map<Node, Name>();
  for (const s of grouping.steps) names.set(s.node, s.name);

  const forward: ForwardLine[] = grouping.steps.map((step) => ({ step, inputs: grouping.inputs.get(step.node) ?? [] }));

  // Which steps use each node (as a direct input).
  const usedBy = new Map<Node, Step[]>();
  for (const step of grouping.steps) for (const u of grouping.inputs.get(step.node) ?? []) usedBy.set(u, [...(usedBy.get(u) ?? []), step]);

  const upstream = new Map<Node, Step>();
  const upstreamOf = new Map<Step, Node>();
  for (const step of grouping.steps) {
    // ∂L/∂L = 1: the output's own adjoint is the number, not a symbol.
    if (step.node === root) {
      upstreamOf.set(step, C.ONE);
      continue;
    }
    // The symbol ∂L/∂c: the gradient's shape, or its transpose in numerator layout.
    const shape = layout === 'numerator' ? C.transpose(step.node).shape : step.node.shape;
    const p = placeholder(shape);
    upstream.set(p, step);
    upstreamOf.set(step, p);
  }

  const present = (n: Node): Node => {
    const s = simplifier.simplify(layout === 'numerator' ? C.transpose(n) : n);
    return layout === 'numerator' ? simplifier.simplify(presentNumerator(s)) : s;
  };

  /** The vector-Jacobian product of step c with respect to its input u, over the symbol ∂L/∂c. */
  const chainTerm = (via: Step, u: Node): ChainTerm => {
    const inputs = grouping.inputs.get(via.node) ?? [];
    const cut = new Map<Node, Node>();
    for (const i of inputs) cut.set(i, placeholder(i.shape, i.op === 'var' && i.attr.symmetric));
    const local = substitute(via.node, cut);
    const back = new Map([...cut].map(([orig, p]) => [p, orig]));
    const p = cut.get(u) as Node;
    const symbol = upstreamOf.get(via) as Node;
    // ⟨ḡ, c⟩ is a scalar whose gradient with respect to u is exactly the VJP Jᵀḡ.
    const seed = layout === 'numerator' ? C.transpose(symbol) : symbol;
    const vjp = backward(inner(seed, local), [p]).gradients.get(p) as Node;
    const product = present(substitute(vjp, back));
    let jacobian: Node | undefined;
    if (isScalar(via.node.shape)) {
      jacobian = backward(local, [p]).gradients.get(p) as Node;
      jacobian = substitute(jacobian, back);
      jacobian = simplifier.simplify(layout === 'numerator' ? C.transpose(jacobian) : jacobian);
    } else if (isElementwiseIn(local, p)) {
      const diagonal = backward(inner(C.ones(local.shape), local), [p]).gradients.get(p) as Node;
      const d = simplifier.simplify(substitute(diagonal, back));
      jacobian = d.op === 'ones' ? C.identity(d.shape.rows) : C.diag(d); // diag(𝟙) = I
    }
    return { via, local: jacobian, product };
  };

  const wanted = new Set(variables.map((v) => v.node));
  const lines: BackwardLine[] = [];
  for (const node of pass.order) {
    const step = grouping.stepOf.get(node);
    const isVariable = wanted.has(node);
    if (!step && !isVariable) continue;
    const raw = pass.adjoints.get(node) as Node;
    const name = step ? step.name : (node.op === 'var' ? node.attr.name : { base: '?' });
    const terms = node === root ? [] : (usedBy.get(node) ?? []).filter((c) => pass.adjoints.has(c.node)).map((c) => chainTerm(c, node));
    lines.push({ node, name, isVariable, terms, raw, result: present(raw) });
  }
  const byNode = new Map(lines.map((l) => [l.node, l]));
  const answers = variables.map((variable) => {
    const line = byNode.get(variable.node);
    if (line) return { variable, line };
    // The output does not depend on it: the derivative is zero.
    const zero = C.zeros(layout === 'numerator' ? C.transpose(variable.node).shape : variable.shape);
    const l: BackwardLine = { node: variable.node, name: variable.name, isVariable: true, terms: [], raw: C.zeros(variable.shape), result: zero };
    lines.push(l);
    return { variable, line: l };
  });
  return { model, grouping, layout, outputName: outputStep.name, forward, backward: lines, answers, upstream, names, pass, simplifier };
}

export const stepKey = (s: Step): string => nameKey(s.name);
