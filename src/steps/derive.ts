// A derivation, the way the course notes write one: the forward pass as named intermediates with
// their shapes, then the backward pass node by node. Everything here is IR; printing is `render.ts`.
//
// The steps (group.ts) are let-bindings: each definition is an expression over the symbols of
// earlier steps. The backward pass runs at that level, as a TA does: `backward()` of `diff/`
// differentiates each step's definition (its vector-Jacobian product, from the op table's adjoint
// rules), and the products are chained from the output down. The whole-graph `backward()` of the
// plain IR is kept beside it; the tests check every line against it and against finite differences.
//
// For each backward line ∂L/∂u the derivation keeps:
//   - the chain rule in symbols:  ∂L/∂u = Σ_c ∂L/∂c · ∂c/∂u  over the steps c that use u;
//   - the local derivative ∂c/∂u where it is a matrix one can write (c scalar: a gradient; c an
//     elementwise map of u: diag(f′));
//   - the chain-rule product: the vector-Jacobian product of step c applied to the symbol ∂L/∂c
//     (e.g. ∂L/∂A = ∂L/∂z₁ xᵀ), as an IR node over a placeholder;
//   - the result: ∂L/∂u, simplified, written over the forward names (−2z₄z₂, not −2(y − bᵀσ(Ax))σ(Ax)).
import type { Model, VariableInfo } from '../build/index.ts';
import { requireScalarOutput } from '../build/index.ts';
import * as C from '../ir/construct.ts';
import type { Node } from '../ir/node.ts';
import { topoSort } from '../ir/node.ts';
import { isEntrywise } from '../ir/ops.ts';
import { isColumn, isScalar, sameShape } from '../ir/shape.ts';
import type { Backward, Layout } from '../diff/index.ts';
import { backward, inner } from '../diff/index.ts';
import { ChainruleError } from '../errors.ts';
import { Simplifier } from '../simplify/index.ts';
import type { Name } from '../syntax/ast.ts';
import type { Grouping, Step } from './group.ts';
import type { Granularity } from './group.ts';
import { substitute } from '../ir/fold.ts';
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
  /** The IR node of the step, or the differentiated variable. */
  readonly node: Node;
  /** The step's symbol (or the variable): what the line differentiates with respect to. */
  readonly symbol: Node;
  readonly name: Name;
  readonly isVariable: boolean;
  readonly terms: readonly ChainTerm[];
  /** ∂L/∂u accumulated step by step, unsimplified (gradient layout). */
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
  /** The whole-graph backward pass (adjoints of every IR node it visited). */
  readonly pass: Backward;
  /** Step symbols → their IR nodes: turns any expression of the derivation into plain IR. */
  readonly expand: (n: Node) => Node;
  readonly simplifier: Simplifier;
  /** A name as the document shows it (its font, e.g. 𝓛 where the statement writes \mathcal{L}). */
  readonly display: (name: Name) => Name;
}

export interface DeriveOptions {
  /** Step grouping: the notes' (default) or one step per operation. */
  readonly granularity?: Granularity;
  readonly layout?: Layout;
  /** How names are shown (default: as written). */
  readonly display?: (name: Name) => Name;
}

/** Simplifier rules a derivation does not apply (see `derive`). */
export const STEP_EXCLUDED_RULES: readonly string[] = ['expand-polynomial', 'order-polynomial'];

let placeholderCount = 0;
/** A fresh variable standing for a symbol: the upstream derivative ∂L/∂c. */
function placeholder(shape: Node['shape']): Node {
  const key = `⟨upstream ${++placeholderCount}⟩`;
  return C.variable({ key, name: { base: '□', sub: String(placeholderCount) }, symmetric: false }, shape);
}

/** True when `node`, as a function of `input`, acts entry by entry (its Jacobian is diagonal). */
function isElementwiseIn(node: Node, input: Node): boolean {
  if (!isColumn(node.shape) || !sameShape(node.shape, input.shape)) return false;
  const check = (n: Node): boolean => {
    if (n === input || !topoSort([n]).includes(input)) return true;
    if (isScalar(n.shape) || !sameShape(n.shape, input.shape)) return false; // a scalar of the input mixes its entries
    if (!isEntrywise(n)) return false;
    return n.args.every(check);
  };
  return check(node);
}

/** True when `n` depends on `x`. */
const dependsOn = (n: Node, x: Node): boolean => n === x || topoSort([n]).includes(x);

/**
 * M with `e = M·g`, when the vector-Jacobian product `e` is written as a matrix applied to its
 * upstream symbol g (Wᵀg, diag(d)g, s·Ag, sums of these); then M is ∂c/∂u in gradient layout.
 * Undefined when `e` has another form (g inside a transpose, or not linear in g as written).
 */
function linearCoefficient(e: Node, g: Node): Node | undefined {
  if (e === g) return C.identity(g.shape.rows);
  if (!dependsOn(e, g)) return undefined;
  const only = (args: readonly Node[]): number | undefined => {
    const at = args.flatMap((a, i) => (dependsOn(a, g) ? [i] : []));
    return at.length === 1 ? at[0] : undefined;
  };
  switch (e.op) {
    case 'add': {
      const parts = e.args.map((t) => linearCoefficient(t, g));
      return parts.every((p): p is Node => p !== undefined) ? C.add(...parts) : undefined;
    }
    case 'mul': {
      const i = only(e.args);
      if (i === undefined || isScalar(e.args[i].shape)) return undefined;
      const inner = linearCoefficient(e.args[i], g);
      return inner && C.mul(...e.args.filter((_, k) => k !== i), inner);
    }
    case 'matmul': {
      // A scalar equals its transpose: (g ⊙ d)ᵀw = wᵀ(g ⊙ d).
      if (isScalar(e.shape) && e.args.length === 2 && only(e.args) === 0 && e.args[0].op === 'transpose') return linearCoefficient(C.matmul(C.transpose(e.args[1]), e.args[0].args[0]), g);
      const last = e.args.length - 1;
      if (only(e.args) !== last) return undefined;
      const inner = linearCoefficient(e.args[last], g);
      return inner && C.matmul(...e.args.slice(0, last), inner);
    }
    case 'hadamard': {
      const i = only(e.args);
      if (i === undefined || !isColumn(e.shape)) return undefined;
      const inner = linearCoefficient(e.args[i], g);
      const others = e.args.filter((_, k) => k !== i);
      return inner && C.matmul(C.diag(others.length === 1 ? others[0] : C.hadamard(...others)), inner);
    }
    default:
      return undefined;
  }
}

/**
 * Reverse mode at the level of steps, exactly as the notes do it: ∂L/∂L = 1; then for each step c,
 * last first, and each input u of its definition, the vector-Jacobian product of c (computed by
 * `backward()` on c's definition) applied to ∂L/∂c, summed over the steps that use u. Results are
 * written over the step symbols, so they reuse z₁, z₂, … instead of expanding them.
 */
export function derive(model: Model, variables: readonly VariableInfo[], options: DeriveOptions = {}): Derivation {
  requireScalarOutput(model);
  if (variables.length === 0) throw new ChainruleError('say which variables to differentiate with respect to', { hint: '--wrt W,x' });
  const layout = options.layout ?? 'gradient';
  const grouping = groupSteps(model, options.granularity);
  const root = model.output.node;
  // The whole-graph pass: its adjoints are the oracle the step-level ones are tested against.
  const pass = backward(root, variables.map((v) => v.node));
  // Intermediates are quantities, not polynomial variables: multiplying (y − t)y(1 − y) out into
  // a polynomial in y would hide the chain rule the steps are there to show.
  const simplifier = new Simplifier(true, { exclude: STEP_EXCLUDED_RULES });
  const steps = grouping.steps;
  const outputStep = steps[steps.length - 1];
  const wanted = new Set(variables.map((v) => v.node));

  const present = (n: Node): Node => {
    const s = simplifier.simplify(layout === 'numerator' ? C.transpose(n) : n);
    return layout === 'numerator' ? simplifier.simplify(presentNumerator(s)) : s;
  };

  // Which steps depend on a requested variable, and which steps use each input.
  const depends = new Set<Node>(wanted);
  for (const s of steps) if ((grouping.inputs.get(s.symbol) ?? []).some((u) => depends.has(u))) depends.add(s.symbol);
  const usedBy = new Map<Node, Step[]>();
  for (const s of steps) for (const u of grouping.inputs.get(s.symbol) ?? []) usedBy.set(u, [...(usedBy.get(u) ?? []), s]);

  // The symbols ∂L/∂c: in gradient layout (the shape of c) for the algebra, and as displayed.
  const upstream = new Map<Node, Step>();
  const gradientSymbol = new Map<Step, Node>();
  const shownSymbol = new Map<Step, Node>();
  for (const s of steps) {
    const g = placeholder(s.node.shape);
    gradientSymbol.set(s, g);
    upstream.set(g, s);
    if (layout === 'numerator') {
      const n = placeholder(C.transpose(s.symbol).shape);
      shownSymbol.set(s, n);
      upstream.set(n, s);
    } else shownSymbol.set(s, g);
  }

  const raw = new Map<Node, Node[]>([[outputStep.symbol, [C.ONE]]]);
  const termsOf = new Map<Node, ChainTerm[]>();
  const lines: BackwardLine[] = [];
  const emitted = new Set<Node>();
  const emit = (u: Node, step: Step | undefined) => {
    const adjoint = C.add(...(raw.get(u) ?? [C.zeros(u.shape)]));
    raw.set(u, [adjoint]);
    const name = step ? step.name : u.op === 'var' ? u.attr.name : { base: '?' };
    lines.push({ node: step ? step.node : u, symbol: u, name, isVariable: !step, terms: termsOf.get(u) ?? [], raw: adjoint, result: present(adjoint) });
    emitted.add(u);
  };

  for (let k = steps.length - 1; k >= 0; k--) {
    const c = steps[k];
    if (!depends.has(c.symbol)) continue;
    emit(c.symbol, c);
    const upstreamValue = raw.get(c.symbol)![0];
    const g = gradientSymbol.get(c)!;
    const isOutput = c === outputStep;
    for (const u of grouping.inputs.get(c.symbol) ?? []) {
      if (!depends.has(u)) continue;
      // ⟨ḡ, c⟩ is a scalar whose gradient with respect to u is exactly the VJP Jᵀḡ.
      const vjp = grouping.fold(backward(inner(g, c.expr), [u]).gradients.get(u) as Node);
      raw.set(u, [...(raw.get(u) ?? []), substitute(vjp, new Map([[g, upstreamValue]]))]);
      const shown = isOutput ? substitute(vjp, new Map([[g, C.ONE]])) : layout === 'numerator' ? substitute(vjp, new Map([[g, C.transpose(shownSymbol.get(c)!)]])) : vjp;
      let local: Node | undefined;
      if (isScalar(c.node.shape)) local = present(grouping.fold(backward(c.expr, [u]).gradients.get(u) as Node));
      else if (isElementwiseIn(c.expr, u)) {
        const d = simplifier.simplify(grouping.fold(backward(inner(C.ones(c.expr.shape), c.expr), [u]).gradients.get(u) as Node));
        // diag(𝟙) = I, diag(−𝟙) = −I
        const { scalars, rest } = C.splitScalars(d);
        local = rest.op === 'ones' ? C.mul(...scalars, C.identity(d.shape.rows)) : C.diag(d);
      } else if (isColumn(c.node.shape) && (isColumn(u.shape) || isScalar(u.shape))) {
        // A vector of a vector (z = Wx) or of a scalar (h = relu(wx + b)): the Jacobian is the
        // matrix the VJP applies to ∂L/∂c.
        const m = linearCoefficient(simplifier.simplify(vjp), g);
        if (m) local = present(m);
      }
      termsOf.set(u, [...(termsOf.get(u) ?? []), { via: c, local, product: present(shown) }]);
    }
    // A variable's line comes once every step that uses it has passed its part back.
    for (const u of grouping.inputs.get(c.symbol) ?? []) {
      if (wanted.has(u) && !emitted.has(u) && (usedBy.get(u) ?? []).every((s) => s === c || !depends.has(s.symbol) || emitted.has(s.symbol))) emit(u, undefined);
    }
  }

  const byNode = new Map(lines.map((l) => [l.symbol, l]));
  const answers = variables.map((variable) => {
    const line = byNode.get(variable.node);
    if (line) return { variable, line };
    // The output does not depend on it: the derivative is zero.
    const zero = C.zeros(layout === 'numerator' ? C.transpose(variable.node).shape : variable.shape);
    const l: BackwardLine = { node: variable.node, symbol: variable.node, name: variable.name, isVariable: true, terms: [], raw: C.zeros(variable.shape), result: zero };
    lines.push(l);
    return { variable, line: l };
  });
  const forward: ForwardLine[] = steps.map((step) => ({ step, inputs: grouping.inputs.get(step.symbol) ?? [] }));
  return { model, grouping, layout, outputName: outputStep.name, forward, backward: lines, answers, upstream, pass, simplifier, expand: grouping.expand, display: options.display ?? ((n) => n) };
}
