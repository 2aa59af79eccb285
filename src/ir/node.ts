// The one IR node type: an immutable, hash-consed DAG. Equal structure ⇒ the same object, so
// identity is `===`, CSE is free, and passes memoize on nodes (tinygrad's UOp, JAX's jaxpr atoms).
// Nodes are made only by the constructors in `construct.ts`, which check shapes and normalize structure.
import type { Name, NormKind, Relation } from '../syntax/ast.ts';
import type { Rational } from './rational.ts';
import { ratKey } from './rational.ts';
import type { Shape } from './shape.ts';
import { shapeKey } from './shape.ts';
import { chargeWork } from '../limits.ts';

export type { NormKind, Relation };

/** Built-in elementwise functions of one argument. */
export const ELEMENTWISE_BUILTINS = [
  'exp', 'log', 'sqrt', 'σ', 'tanh', 'relu', 'softplus', 'abs', 'sign', 'sin', 'cos', 'tan', 'arctan', 'sinh', 'cosh', 'log1p', 'expm1', 'erf',
] as const;
export type ElementwiseBuiltin = (typeof ELEMENTWISE_BUILTINS)[number];

/** An elementwise function: built-in, or abstract (`Φ`, declared `elementwise`) with its derivative order (Φ′ → 1). */
export type ElementwiseFn =
  | { readonly kind: 'builtin'; readonly name: ElementwiseBuiltin }
  | { readonly kind: 'abstract'; readonly name: Name; readonly key: string; readonly order: number };

export const fnKey = (f: ElementwiseFn): string => (f.kind === 'builtin' ? f.name : `${f.key}'${f.order}`);

/** A declared variable: its key (`W^(1)`), its name as parts, and what was declared of it. */
export interface Variable {
  readonly key: string;
  readonly name: Name;
  readonly symmetric: boolean;
}

/** Keys of the symbolic directions of differentials (dX in dF = A dX B): such a variable prints as (dX). */
export const DIFFERENTIAL_KEY_PREFIX = '⟨d⟩';

/** Keys of variables that stand for a derivative (∂L/∂b₁, named in a generated module's comments):
 * such a variable prints in parentheses, (∂L/∂b₁)xᵀ. */
export const DERIVATIVE_KEY_PREFIX = '⟨∂⟩';

/** Keys of variables that stand for a value a generated module's comments name (u₁ = W₂ relu(W₁x + b₁) + b₂). */
export const INTERMEDIATE_KEY_PREFIX = '⟨u⟩';

/** Abstract scalar function of several scalars, `f(a, b)`, and which partials were taken (∂₁∂₂f → [1, 2]). */
export interface AbstractCall {
  readonly key: string;
  readonly name: Name;
  readonly partials: readonly number[];
}

/** Each op and the type of its attribute. The op list is the key set of every per-stage table. */
export interface OpAttrs {
  /** An exact or float constant; scalar. */
  const: Rational;
  /** A named constant (π). */
  constant: 'π';
  var: Variable;
  /** A dimension symbol used as a scalar: `n` in `(n/2)·log(2π)`. */
  dim: string;
  identity: null;
  ones: null;
  zeros: null;
  /** n-ary sum of same-shape terms. */
  add: null;
  /** n-ary commutative product of scalars, with at most one non-scalar factor (scaling), last. */
  mul: null;
  /** n-ary matrix product chain of non-scalars (inner and outer products included). */
  matmul: null;
  /** n-ary elementwise product of same-shape non-scalars. */
  hadamard: null;
  /** base^exponent with a scalar exponent; elementwise when the base is not a scalar. */
  pow: null;
  transpose: null;
  inv: null;
  det: null;
  trace: null;
  /** vector → diagonal matrix, or square matrix → vector of its diagonal. */
  diag: null;
  /** ‖x‖₂ or ‖X‖_F; ‖x‖₁ = Σ|xᵢ|; ‖x‖_∞ = max |xᵢ| (vectors). */
  norm: NormKind;
  apply: ElementwiseFn;
  /** 𝟙[a rel b], elementwise. */
  indicator: Relation;
  max: null;
  min: null;
  /** Over the entries of a vector, over each row of a matrix (as in the ML literature). */
  softmax: null;
  /** log softmax(x) = x − logsumexp(x)𝟙, computed without forming softmax; row by row for a matrix. */
  logsoftmax: null;
  logsumexp: null;
  call: AbstractCall;
}

export type Op = keyof OpAttrs;

export const OPS: readonly Op[] = [
  'const', 'constant', 'var', 'dim', 'identity', 'ones', 'zeros', 'add', 'mul', 'matmul', 'hadamard', 'pow',
  'transpose', 'inv', 'det', 'trace', 'diag', 'norm', 'apply', 'indicator', 'max', 'min', 'softmax',
  'logsoftmax', 'logsumexp', 'call',
] as const satisfies readonly Op[];

export interface NodeOf<O extends Op> {
  readonly id: number;
  readonly op: O;
  readonly args: readonly Node[];
  readonly shape: Shape;
  readonly attr: OpAttrs[O];
}

export type Node = { [O in Op]: NodeOf<O> }[Op];

export function is<O extends Op>(node: Node, op: O): node is Extract<Node, { op: O }> {
  return node.op === op;
}

function attrKey(op: Op, attr: unknown): string {
  if (attr === null) return '';
  switch (op) {
    case 'const':
      return ratKey(attr as Rational);
    case 'var': {
      const v = attr as Variable;
      return `${v.key}${v.symmetric ? ':sym' : ''}`;
    }
    case 'apply':
      return fnKey(attr as ElementwiseFn);
    case 'call': {
      const c = attr as AbstractCall;
      return `${c.key}∂${c.partials.join(',')}`;
    }
    default:
      return String(attr);
  }
}

const table = new Map<string, Node>();
let nextId = 1;

/** The unique node with this structure. Only constructors call this. */
export function intern<O extends Op>(op: O, args: readonly Node[], shape: Shape, attr: OpAttrs[O]): NodeOf<O> {
  chargeWork(args.length + 1);
  const key = `${op}|${attrKey(op, attr)}|${shapeKey(shape)}|${args.map((a) => a.id).join(',')}`;
  const found = table.get(key);
  if (found) return found as unknown as NodeOf<O>;
  const node = Object.freeze({ id: nextId++, op, args: Object.freeze([...args]), shape, attr }) as NodeOf<O>;
  table.set(key, node as unknown as Node);
  return node;
}

/** Nodes reachable from the roots, each once, operands before users (topological order). With
 * `skip`, a node it accepts is left out with everything only reachable through it (a pass that
 * has done those nodes already need not walk them again). */
export function topoSort(roots: readonly Node[], skip?: (node: Node) => boolean): Node[] {
  const seen = new Set<Node>();
  const order: Node[] = [];
  // Iterative post-order: deep graphs (50-layer MLPs, 10 000-term sums) must not overflow the stack.
  for (const root of roots) {
    if (seen.has(root) || skip?.(root)) continue;
    const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
    seen.add(root);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.args.length) {
        const child = top.node.args[top.next++];
        if (!seen.has(child) && !skip?.(child)) {
          seen.add(child);
          stack.push({ node: child, next: 0 });
        }
      } else {
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order;
}

/** Number of distinct nodes in the DAG: the size measure for "no expression swell". */
export const dagSize = (roots: readonly Node[]): number => topoSort(roots).length;

/** dagSize([root]) > limit, walking at most limit + 1 nodes (a size guard must not cost the size of
 * a 200-layer gradient each time it is asked). */
export function dagSizeExceeds(root: Node, limit: number): boolean {
  const seen = new Set<Node>([root]);
  const stack: Node[] = [root];
  while (stack.length) {
    for (const a of (stack.pop() as Node).args) {
      if (seen.has(a)) continue;
      seen.add(a);
      if (seen.size > limit) return true;
      stack.push(a);
    }
  }
  return seen.size > limit;
}

/** Memoizes a function of nodes on node identity. */
export function memoize<R>(f: (node: Node) => R): (node: Node) => R {
  const cache = new WeakMap<Node, R>();
  return (node) => {
    let r = cache.get(node);
    if (r === undefined && !cache.has(node)) {
      r = f(node);
      cache.set(node, r);
    }
    return r as R;
  };
}
