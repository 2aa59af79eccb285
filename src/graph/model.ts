// The computation graph of a model, as the notes draw it: variables are the sources, the output is
// the sink, each named intermediate (the steps of `steps/`) is one node with its definition and
// shape, and each edge u → c carries the local derivative ∂c/∂u where it is a matrix one writes.
// With values, every node also carries its forward value and ∂L/∂node (the backward pass, evaluated).
// Renderers (DOT, SVG, TikZ, Mermaid) only draw this structure.
import type { Model, VariableInfo } from '../build/index.ts';
import type { Bound, JsonValue } from '../eval/json.ts';
import { fromTensor } from '../eval/json.ts';
import { evaluateAll } from '../eval/index.ts';
import type { Node } from '../ir/node.ts';
import type { Shape } from '../ir/shape.ts';
import { isScalar, isVectorLike } from '../ir/shape.ts';
import { printName } from '../print/names.ts';
import type { Name } from '../syntax/ast.ts';
import type { Derivation } from '../steps/index.ts';
import type { Granularity } from '../steps/group.ts';
import type { Layout } from '../diff/index.ts';
import { derive, partial, printers, shapeText } from '../steps/index.ts';

/** Text in the two notations the renderers need. */
export interface Both {
  readonly unicode: string;
  readonly latex: string;
}

export interface GraphNode {
  readonly id: string;
  readonly kind: 'source' | 'step' | 'output';
  readonly node: Node;
  readonly name: Both;
  /** `Ax` for z₁ = Ax; none for a source. */
  readonly definition?: Both;
  readonly shape: Both;
  readonly value?: JsonValue;
  /** ∂L/∂node, in the node's shape. */
  readonly gradient?: JsonValue;
  /** The symbol ∂L/∂node, written inline (a slash, not a fraction: it sits in a small label). */
  readonly gradientSymbol: Both;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** ∂to/∂from, when it is a matrix one writes (scalar steps, elementwise maps). */
  readonly local?: Both;
}

export interface ComputationGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly outputName: Name;
  /** Why some edges carry no label (the Jacobian has no matrix form), for the renderers' legend. */
  readonly legend?: Both;
}

export interface GraphOptions {
  /** Variables whose gradients the graph shows (default: every variable). */
  readonly wrt?: readonly VariableInfo[];
  /** Values of every variable: then each node shows its forward value and gradient. */
  readonly at?: Bound;
  /** One node per named step (the notes' drawing, default) or per operation. */
  readonly granularity?: Granularity;
  /** How edge Jacobians are written: gradient layout (∂z/∂x = Wᵀ for z = Wx, the default) or numerator (W). */
  readonly layout?: Layout;
  /** How names are shown (default: as written). */
  readonly display?: (name: Name) => Name;
}

const both = (name: Name): Both => ({ unicode: printName(name, 'unicode'), latex: printName(name, 'latex') });
const inlinePartial = (of: Name, wrt: Name): Both => ({ unicode: partial(of, wrt, 'unicode'), latex: `\\partial ${printName(of, 'latex')}/\\partial ${printName(wrt, 'latex')}` });

export function buildGraph(model: Model, options: GraphOptions = {}): ComputationGraph {
  const wrt = options.wrt ?? model.variables.filter((v) => v.node !== model.output.node);
  const d: Derivation = derive(model, wrt, { granularity: options.granularity, layout: options.layout, display: options.display });
  const displayed = d.display;
  const p = printers(d);
  const ids = new Map<Node, string>();
  const { grouping } = d;
  grouping.sources.forEach((s, i) => ids.set(s, `v${i + 1}`));
  grouping.steps.forEach((s, i) => ids.set(s.symbol, `s${i + 1}`));

  let values: Map<Node, JsonValue> | undefined;
  let gradients: Map<Node, JsonValue> | undefined;
  if (options.at) {
    const { values: given, dims } = options.at;
    // Forward values of the IR nodes; gradients from the step-level backward pass, expanded to IR.
    const shown = [...grouping.sources, ...grouping.steps.map((s) => s.node)];
    const adjoints = d.backward.map((l) => [l.node, d.expand(l.raw)] as const);
    const all = evaluateAll([...shown, ...adjoints.map(([, a]) => a)], given, dims);
    values = new Map(shown.map((n) => [n, fromTensor(all.get(n)!, n.shape)]));
    gradients = new Map(adjoints.map(([n, a]) => [n, fromTensor(all.get(a)!, n.shape)]));
  }

  const nameOf = (n: Node): Name => (n.op === 'var' ? n.attr.name : { base: '?' });
  const shapeOf = (s: Shape): Both => ({ unicode: shapeText(s, 'unicode'), latex: shapeText(s, 'latex') });
  const nodes: GraphNode[] = [
    ...grouping.sources.map((s): GraphNode => ({
      id: ids.get(s)!, kind: 'source', node: s, name: both(displayed(nameOf(s))), shape: shapeOf(s.shape), value: values?.get(s), gradient: gradients?.get(s), gradientSymbol: inlinePartial(displayed(d.outputName), displayed(nameOf(s))),
    })),
    ...grouping.steps.map((s): GraphNode => ({
      id: ids.get(s.symbol)!,
      kind: s.node === model.output.node ? 'output' : 'step',
      node: s.node,
      name: both(displayed(s.name)),
      definition: { unicode: p.definition(s.expr, 'unicode'), latex: p.definition(s.expr, 'latex') },
      shape: shapeOf(s.node.shape),
      value: values?.get(s.node),
      gradient: gradients?.get(s.node),
      gradientSymbol: inlinePartial(displayed(d.outputName), displayed(s.name)),
    })),
  ];

  // Edges with the local derivative of every chain-rule term the derivation computed.
  const locals = new Map<string, Both>();
  // Every edge gets its local derivative, also the edges from variables the gradients leave out.
  const everything = model.variables.filter((v) => v.node !== model.output.node);
  const all = everything.length > wrt.length ? derive(model, everything, { granularity: options.granularity, layout: options.layout, display: options.display }) : d;
  const pa = all === d ? p : printers(all);
  for (const line of all.backward) {
    for (const t of line.terms) {
      if (!t.local) continue;
      locals.set(`${ids.get(line.symbol)}→${ids.get(t.via.symbol)}`, { unicode: pa.expr(t.local, 'unicode'), latex: pa.expr(t.local, 'latex') });
    }
  }
  const edges: GraphEdge[] = [];
  for (const s of grouping.steps) {
    for (const u of grouping.inputs.get(s.symbol) ?? []) {
      const from = ids.get(u);
      if (!from) continue;
      const to = ids.get(s.symbol)!;
      edges.push({ from, to, local: locals.get(`${from}→${to}`) });
    }
  }
  // An edge out of a matrix U has no matrix Jacobian (∂c/∂U is a higher-order tensor): say so once.
  const unlabelled = edges.filter((e) => !e.local).map((e) => nodes.find((n) => n.id === e.from)!);
  const fromMatrix = [...new Set(unlabelled.filter((n) => !isVectorLike(n.node.shape) && !isScalar(n.node.shape)))];
  const others = unlabelled.filter((n) => !fromMatrix.includes(n));
  let legend: Both | undefined;
  if (unlabelled.length > 0) {
    const list = (ns: readonly GraphNode[], f: 'unicode' | 'latex') => [...new Set(ns.map((n) => (f === 'unicode' ? n.name.unicode : `$${n.name.latex}$`)))].join(', ');
    const say = (f: 'unicode' | 'latex') =>
      [
        fromMatrix.length ? `Unlabelled edges from ${list(fromMatrix, f)}: the derivative with respect to a matrix is not a matrix; the backward pass gives ${fromMatrix.map((n) => (f === 'unicode' ? n.gradientSymbol.unicode : `$${n.gradientSymbol.latex}$`)).join(', ')} directly.` : '',
        others.length ? `Unlabelled edges from ${list(others, f)}: the local derivative has no compact matrix form; see the backward pass.` : '',
      ].filter(Boolean).join(' ');
    legend = { unicode: say('unicode'), latex: say('latex') };
  }
  return { nodes, edges, outputName: d.outputName, legend };
}

/** 3, 0.25, −1.333, [6, 12], [[1, 2], [3, 4]]: short, exact when the number is. */
export function formatValue(v: JsonValue, format: 'unicode' | 'latex' = 'unicode'): string {
  const num = (x: number): string => {
    const s = Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
    return format === 'unicode' ? s.replace('-', '−') : s;
  };
  if (typeof v === 'number') return num(v);
  const row = (r: number[]) => `[${r.map(num).join(', ')}]`;
  if (v.length > 0 && Array.isArray(v[0])) return `[${(v as number[][]).map(row).join(', ')}]`;
  return row(v as number[]);
}
