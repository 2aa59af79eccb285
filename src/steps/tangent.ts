// Jacobians, Hessians and Hessian-vector products step by step: forward mode over the steps.
//
// A derivation is a list of let-bindings (the forward steps z₁ = Ax, z₂ = exp(z₁), …; for a
// Hessian also the backward pass z̄₂ = 𝟙, z̄₁ = z̄₂ ⊙ z₂, x̄ = Aᵀz̄₁ written as bindings over the
// forward names). The tangent pass walks the bindings in order, as a TA does forward mode:
//   - matrix form (the variable and every binding that moves are scalars or vectors):
//       ∂c/∂x = Σ_u ∂c/∂u · ∂u/∂x,   with the local Jacobian ∂c/∂u a matrix one writes;
//   - differential form (anything else, and Hessian-vector products along v):
//       dc = Σ_u d_u c[du],   the differential of c's definition with each du a symbol.
// Each line keeps the product over symbols (∂u/∂x or du standing for earlier lines) and the
// result (the symbols replaced by the earlier results, simplified), over the forward names. A
// Hessian is the Jacobian of x̄ = ∂f/∂x through both passes (forward-over-reverse); the
// Hessian-vector product is the differential of x̄ along v.
import type { Model, VariableInfo } from '../build/index.ts';
import { differential, differentialAlong } from '../diff/forward.ts';
import { inner } from '../diff/index.ts';
import { ChainruleError } from '../errors.ts';
import * as C from '../ir/construct.ts';
import { substitute } from '../ir/fold.ts';
import type { Node } from '../ir/node.ts';
import { DIFFERENTIAL_KEY_PREFIX, topoSort } from '../ir/node.ts';
import { isColumn, isScalar } from '../ir/shape.ts';
import { linearMatrix } from '../jacobian/linear.ts';
import { Simplifier } from '../simplify/index.ts';
import type { Name } from '../syntax/ast.ts';
import type { Derivation } from './derive.ts';
import { derive, STEP_EXCLUDED_RULES } from './derive.ts';
import type { Granularity, Grouping } from './group.ts';
import { groupSteps } from './group.ts';

/** One let-binding of the program the tangent pass differentiates. */
export interface Binding {
  /** A variable standing for the binding in later definitions. */
  readonly symbol: Node;
  readonly name: Name;
  /** The definition, over earlier symbols and the model's variables. */
  readonly expr: Node;
  /** The same value in plain IR (over the model's variables only). */
  readonly node: Node;
  /** A forward step, or an adjoint ū = ∂f/∂u of the backward pass. */
  readonly kind: 'forward' | 'adjoint';
}

/** One term ∂c/∂u · ∂u/∂x of a matrix-form line. */
export interface TangentTerm {
  /** The input u: an earlier binding's symbol, or the differentiated variable. */
  readonly via: Node;
  /** ∂c/∂u in numerator layout. */
  readonly local: Node;
}

export interface TangentLine {
  readonly binding: Binding;
  /** Matrix form: one term per input that moves. Empty in differential form. */
  readonly terms: readonly TangentTerm[];
  /** Σ ∂c/∂u · (∂u/∂x) or dc over the symbols ∂u/∂x, du of earlier lines; simplified. */
  readonly product: Node;
  /** ∂c/∂x (matrix form, numerator layout) or dc (differential form), simplified, over the forward names. */
  readonly result: Node;
}

export interface TangentPass {
  readonly form: 'matrix' | 'differential';
  /** The variables that move, each with its direction: dX (differential form), v (a product), or
   * the variable itself in matrix form (∂x/∂x = I). */
  readonly seeds: ReadonlyMap<Node, Node>;
  readonly lines: readonly TangentLine[];
  /** Symbol of an earlier line (∂u/∂x or du) → the binding symbol or variable it differentiates. */
  readonly placeholders: ReadonlyMap<Node, Node>;
  /** The differentiated variable of a matrix-form pass. */
  readonly variable?: VariableInfo;
}

export type SecondKind = 'jacobian' | 'hessian' | 'hvp';

export interface TangentDerivation {
  readonly kind: SecondKind;
  readonly model: Model;
  readonly grouping: Grouping;
  readonly variables: readonly VariableInfo[];
  /** The forward steps, then (Hessian, HVP) the adjoint bindings of the backward pass. */
  readonly bindings: readonly Binding[];
  /** The scalar derivation whose backward pass gives the adjoint bindings (Hessian, HVP). */
  readonly scalar?: Derivation;
  /** One pass per variable (Jacobian, Hessian), or one joint pass along v (HVP). */
  readonly passes: readonly TangentPass[];
  /** Every adjoint of the backward pass, constants included (as shown). */
  readonly adjoints: readonly Binding[];
  /** The symbol of ∂f/∂x (x̄) per variable, for Hessians and HVPs. */
  readonly adjointOf: ReadonlyMap<Node, Binding>;
  /** Hessian passes in differentials (matrix variables): the second differential d²f[dX, dX] = ⟨dX, dX̄⟩, simplified. */
  readonly secondDifferentials: ReadonlyMap<VariableInfo, Node>;
  /** Binding symbols → plain IR; any expression of the derivation as a function of the variables. */
  readonly expand: (n: Node) => Node;
  readonly simplifier: Simplifier;
}

let counter = 0;
/** A symbol for ∂u/∂x (matrix form) or du (differential form). */
function placeholderFor(name: Name, shape: Node['shape'], differentialForm: boolean): Node {
  const key = differentialForm ? `${DIFFERENTIAL_KEY_PREFIX}⟨tangent ${++counter}⟩` : `⟨tangent ${++counter}⟩`;
  return C.variable({ key, name, symmetric: false }, shape);
}

/** A direction of the variable's shape: dX for differentials, v (or V) for a product. */
export function directionOf(model: Model, variable: VariableInfo, style: 'differential' | 'vector', among: readonly VariableInfo[]): Node {
  const taken = new Set(model.variables.map((v) => v.display));
  let name: Name = variable.name;
  if (style === 'vector') {
    const base = isColumn(variable.shape) || isScalar(variable.shape) ? 'v' : 'V';
    const free = ['v', 'u', 'w', 'p', 'q'].map((b) => (base === 'V' ? b.toUpperCase() : b)).find((b) => !taken.has(b)) ?? base;
    name = among.length > 1 ? { base: free, sub: `${variable.name.base}${variable.name.sub ?? ''}` } : { base: free };
  }
  const key = style === 'differential' ? `${DIFFERENTIAL_KEY_PREFIX}⟨step direction⟩${variable.key}` : `⟨step direction⟩${variable.key}`;
  return C.variable({ key, name, symmetric: variable.node.op === 'var' && variable.node.attr.symmetric }, variable.shape);
}

const isVectorLike = (n: Node): boolean => isScalar(n.shape) || isColumn(n.shape);

/** ∂c/∂u in numerator layout, for c and u scalars or vectors; undefined when no matrix form is found. */
function localJacobian(expr: Node, u: Node, simplifier: Simplifier): Node | undefined {
  if (isScalar(u.shape)) return simplifier.simplify(differential(expr, u, C.ONE));
  const du = placeholderFor({ base: 'u' }, u.shape, true);
  const raw = differential(expr, u, du);
  const m = linearMatrix(raw, du) ?? linearMatrix(simplifier.simplify(raw), du);
  return m && simplifier.simplify(m);
}

/**
 * The tangent pass over `bindings` with the variables in `seeds` moving. Matrix form needs one
 * scalar or vector variable; it returns undefined when a binding that moves is a matrix or a local
 * Jacobian has no matrix form found (the caller then asks for the differential form).
 */
export function tangentPass(
  bindings: readonly Binding[],
  seeds: ReadonlyMap<Node, Node>,
  form: 'matrix' | 'differential',
  simplifier: Simplifier,
  fold: (n: Node) => Node,
  names: ReadonlyMap<Node, Name>,
): TangentPass | undefined {
  const differentialForm = form === 'differential';
  const [variable] = [...seeds.keys()];
  if (!differentialForm && (seeds.size !== 1 || !isVectorLike(variable))) return undefined;
  const columns = isScalar(variable.shape) ? 1 : variable.shape.rows;
  /** The result of each moving symbol: its tangent (matrix or differential). */
  const tangent = new Map<Node, Node>();
  const placeholder = new Map<Node, Node>();
  const placeholders = new Map<Node, Node>();
  for (const [x, dir] of seeds) tangent.set(x, differentialForm ? dir : C.identity(isScalar(x.shape) ? 1 : x.shape.rows));
  const lines: TangentLine[] = [];
  for (const b of bindings) {
    const inputs = topoSort([b.expr]).filter((n) => tangent.has(n));
    if (inputs.length === 0) continue;
    const symbolOf = (u: Node): Node => {
      if (seeds.has(u)) return differentialForm ? (seeds.get(u) as Node) : C.identity(columns);
      let p = placeholder.get(u);
      if (!p) {
        const shape = differentialForm ? u.shape : { rows: isScalar(u.shape) ? 1 : u.shape.rows, cols: columns };
        p = placeholderFor(names.get(u) ?? { base: '?' }, shape as Node['shape'], differentialForm);
        placeholder.set(u, p);
        placeholders.set(p, u);
      }
      return p;
    };
    const values = new Map<Node, Node>();
    for (const u of inputs) if (!seeds.has(u)) values.set(symbolOf(u), tangent.get(u) as Node);
    let terms: TangentTerm[] = [];
    let product: Node;
    if (differentialForm) {
      product = simplifier.simplify(differentialAlong(b.expr, new Map(inputs.map((u) => [u, symbolOf(u)]))));
    } else {
      if (!isVectorLike(b.symbol)) return undefined;
      const locals = inputs.map((u) => localJacobian(b.expr, u, simplifier));
      if (locals.some((l) => l === undefined)) return undefined;
      terms = inputs.map((u, i) => ({ via: u, local: fold(locals[i] as Node) }));
      product = simplifier.simplify(C.addAll(inputs.map((u, i) => C.matmul(locals[i] as Node, symbolOf(u)))));
    }
    const result = fold(simplifier.simplify(substitute(product, values)));
    tangent.set(b.symbol, result);
    lines.push({ binding: b, terms, product: fold(product), result });
  }
  return { form, seeds, lines, placeholders };
}

/** True when `n` mentions none of the given symbols or variables: a constant such as 𝟙 or −2. */
const isClosed = (n: Node): boolean => topoSort([n]).every((m) => m.op !== 'var');

export interface TangentOptions {
  readonly granularity?: Granularity;
  readonly display?: (name: Name) => Name;
}

/** The forward steps as bindings. */
function forwardBindings(grouping: Grouping): Binding[] {
  return grouping.steps.map((s) => ({ symbol: s.symbol, name: s.name, expr: s.expr, node: s.node, kind: 'forward' as const }));
}

/** The Jacobian of the output by each variable, step by step (forward mode, numerator layout). */
export function deriveJacobian(model: Model, variables: readonly VariableInfo[], options: TangentOptions = {}): TangentDerivation {
  if (variables.length === 0) throw new ChainruleError('say which variables to differentiate with respect to', { hint: '--wrt x' });
  const grouping = groupSteps(model, options.granularity);
  const bindings = forwardBindings(grouping);
  return finish('jacobian', model, grouping, variables, bindings, undefined, [], new Map());
}

/** The adjoint ū of a step or variable, as a name: z̄₁, x̄. */
const barred = (n: Name): Name => ({ ...n, accent: 'bar' });

/**
 * The backward pass as bindings ū = Σ_c (vector-Jacobian product of c)(c̄), over the forward names
 * and earlier adjoints; adjoints that are constants (f̄ = 1, z̄ = 𝟙) are written into their uses.
 */
function adjointBindings(d: Derivation): { bindings: Binding[]; adjointOf: Map<Node, Binding> } {
  const bySymbol = new Map<Node, Binding>();
  const bindings: Binding[] = [];
  const symbolOfStep = new Map<Node, Node>(); // upstream placeholder → the adjoint's symbol or constant value
  const plain = new Map<Node, Node>(); // adjoint symbol → plain IR
  const adjointOf = new Map<Node, Binding>();
  for (const line of d.backward) {
    const isOutput = line === d.backward[0];
    let expr: Node;
    if (isOutput) expr = C.ONE;
    else {
      const products = line.terms.map((t) => t.product);
      expr = d.simplifier.simplify(substitute(C.addAll(products), symbolOfStep));
    }
    const node = substitute(d.expand(expr), plain);
    const binding: Binding = {
      symbol: C.variable({ key: `⟨adjoint⟩${line.symbol.op === 'var' ? line.symbol.attr.key : String(bindings.length)}`, name: barred(line.name), symmetric: false }, line.symbol.shape),
      name: barred(line.name),
      expr,
      node,
      kind: 'adjoint',
    };
    bindings.push(binding);
    bySymbol.set(line.symbol, binding);
    plain.set(binding.symbol, node);
    const closed = isClosed(expr);
    for (const [p, step] of d.upstream) if (step.symbol === line.symbol) symbolOfStep.set(p, closed ? expr : binding.symbol);
    if (line.isVariable) adjointOf.set(line.symbol, binding);
  }
  return { bindings, adjointOf };
}

/** The Hessian (one pass per variable) or the Hessian-vector product (one joint pass along v) of a
 * scalar output: forward mode through the forward steps and the backward pass. */
export function deriveSecond(model: Model, variables: readonly VariableInfo[], kind: 'hessian' | 'hvp', options: TangentOptions = {}): TangentDerivation {
  const scalar = derive(model, variables, { layout: 'gradient', granularity: options.granularity, display: options.display });
  const { bindings: adjoints, adjointOf } = adjointBindings(scalar);
  const bindings = [...forwardBindings(scalar.grouping), ...adjoints.filter((b) => !isClosed(b.expr))];
  return finish(kind, model, scalar.grouping, variables, bindings, scalar, adjoints, adjointOf);
}

function finish(kind: SecondKind, model: Model, grouping: Grouping, variables: readonly VariableInfo[], bindings: Binding[], scalar: Derivation | undefined, adjoints: Binding[], adjointOf: Map<Node, Binding>): TangentDerivation {
  const simplifier = new Simplifier(true, { exclude: STEP_EXCLUDED_RULES });
  // Only the bindings the answers need: the output (Jacobian) or each x̄ (Hessian, HVP), and what they use.
  const needed = new Set<Node>(kind === 'jacobian' ? [grouping.steps[grouping.steps.length - 1].symbol] : [...adjointOf.values()].map((b) => b.symbol));
  for (let i = bindings.length - 1; i >= 0; i--) if (needed.has(bindings[i].symbol)) for (const n of topoSort([bindings[i].expr])) needed.add(n);
  bindings = bindings.filter((b) => needed.has(b.symbol));
  const names = new Map<Node, Name>([...variables.map((v) => [v.node, v.name] as const), ...bindings.map((b) => [b.symbol, b.name] as const)]);
  const plain = new Map<Node, Node>(bindings.map((b) => [b.symbol, b.node]));
  const expand = (n: Node) => substitute(n, plain);
  const fold = grouping.fold;
  const passes: TangentPass[] = [];
  if (kind === 'hvp') {
    const seeds = new Map(variables.map((v) => [v.node, directionOf(model, v, 'vector', variables)]));
    passes.push(tangentPass(bindings, seeds, 'differential', simplifier, fold, names) as TangentPass);
  } else {
    for (const v of variables) {
      const matrix = tangentPass(bindings, new Map([[v.node, v.node]]), 'matrix', simplifier, fold, names);
      const pass = matrix ?? (tangentPass(bindings, new Map([[v.node, directionOf(model, v, 'differential', [v])]]), 'differential', simplifier, fold, names) as TangentPass);
      passes.push({ ...pass, variable: v });
    }
  }
  const secondDifferentials = new Map<VariableInfo, Node>();
  if (kind === 'hessian') {
    for (const pass of passes) {
      const x = pass.variable as VariableInfo;
      const bar = adjointOf.get(x.node);
      const line = pass.lines.find((l) => l.binding.symbol === bar?.symbol);
      if (pass.form !== 'differential' || !line) continue;
      secondDifferentials.set(x, fold(simplifier.simplify(inner(pass.seeds.get(x.node) as Node, line.result))));
    }
  }
  return { kind, model, grouping, variables, bindings, scalar, passes, adjoints, adjointOf, secondDifferentials, expand, simplifier };
}
