// Renders a Jacobian, Hessian or Hessian-vector product derivation (tangent.ts) as text, LaTeX,
// Markdown or JSON: the forward pass, (for second derivatives) the backward pass as bindings
// ū = …, then the tangent pass line by line and the answers. The symbols of earlier tangent lines
// print as ∂u/∂x (matrix form) or du (differential form).
import type { VariableInfo } from '../build/index.ts';
import type { Node } from '../ir/node.ts';
import { DIFFERENTIAL_KEY_PREFIX } from '../ir/node.ts';
import * as C from '../ir/construct.ts';
import { describeShape, isScalar, shape } from '../ir/shape.ts';
import type { Format, Printed } from '../print/index.ts';
import { Level, Printer } from '../print/index.ts';
import { printName } from '../print/names.ts';
import type { Name } from '../syntax/ast.ts';
import type { PrintedLine } from './render.ts';
import { shapeText } from './render.ts';
import type { Binding, TangentDerivation, TangentLine, TangentPass } from './tangent.ts';

type Notation = 'unicode' | 'latex';

const partial = (of: string, wrt: string, f: Notation): string => (f === 'latex' ? `\\frac{\\partial ${of}}{\\partial ${wrt}}` : `∂${of}/∂${wrt}`);
const d = (f: Notation): string => (f === 'latex' ? '\\mathrm{d}' : 'd');

class TangentPrinter extends Printer {
  constructor(
    format: Format,
    private readonly names: ReadonlyMap<Node, Name>,
    private readonly pass: TangentPass | undefined,
  ) {
    super(format);
  }

  override print(node: Node): Printed {
    const u = this.pass?.placeholders.get(node);
    if (u && this.pass?.form === 'matrix') {
      const f = this.format === 'latex' ? 'latex' : 'unicode';
      const text = partial(printName(this.names.get(u) ?? { base: '?' }, f), printName(this.pass.variable?.name ?? { base: '?' }, f), f);
      return { text, level: this.format === 'latex' ? Level.ATOM : Level.PRODUCT };
    }
    return super.print(node);
  }
}

/** A forward-mode line has the pieces of a backward one (render.ts), read the other way: `chain` is
 * Σ ∂c/∂u · ∂u/∂x (matrix form), empty when it says no more than the product. */
export type PrintedTangentLine = PrintedLine;

export interface PrintedAnswer {
  readonly lhs: string;
  /** Over the forward names (and adjoints). */
  readonly result: string;
  /** In the model's variables, when it differs. */
  readonly expanded?: string;
  readonly shape: string;
}

/** Printing helpers for one derivation. */
class View {
  readonly names: Map<Node, Name>;
  private readonly printers = new Map<TangentPass | undefined, Record<Notation, TangentPrinter>>();

  constructor(readonly t: TangentDerivation) {
    this.names = new Map<Node, Name>([...t.variables.map((v) => [v.node, v.name] as const), ...t.bindings.map((b) => [b.symbol, b.name] as const)]);
  }

  expr(n: Node, f: Notation, pass?: TangentPass): string {
    let p = this.printers.get(pass);
    if (!p) {
      p = { unicode: new TangentPrinter('unicode', this.names, pass), latex: new TangentPrinter('latex', this.names, pass) };
      this.printers.set(pass, p);
    }
    // A lone differential needs no parentheses: dz₁ = dz₂, not (dz₂).
    if (n.op === 'var' && n.attr.key.startsWith(DIFFERENTIAL_KEY_PREFIX)) return `${d(f)}${p[f].nameText(n.attr.name)}`;
    return p[f].print(n).text;
  }

  name(n: Name, f: Notation): string {
    return printName(n, f);
  }

  /** The left side of a line: ∂c/∂x or dc. */
  lhs(pass: TangentPass, b: Binding, f: Notation): string {
    if (pass.form === 'matrix') return partial(this.name(b.name, f), this.name(pass.variable?.name ?? { base: '?' }, f), f);
    return `${d(f)}${this.name(b.name, f)}`;
  }

  line(pass: TangentPass, line: TangentLine, f: Notation): PrintedTangentLine {
    const lhs = this.lhs(pass, line.binding, f);
    const dot = f === 'latex' ? ' ' : ' · ';
    const x = pass.variable ? this.name(pass.variable.name, f) : '';
    const cName = this.name(line.binding.name, f);
    const chain = line.terms
      .map((t) => (pass.seeds.has(t.via) ? this.expr(t.local, f, pass) : `${partial(cName, this.name(this.names.get(t.via) ?? { base: '?' }, f), f)}${dot}${partial(this.name(this.names.get(t.via) ?? { base: '?' }, f), x, f)}`))
      .join(' + ');
    const locals = line.terms.filter((t) => !pass.seeds.has(t.via)).map((t) => `${partial(cName, this.name(this.names.get(t.via) ?? { base: '?' }, f), f)} = ${this.expr(t.local, f, pass)}`);
    const result = this.expr(line.result, f, pass);
    const productText = this.expr(line.product, f, pass);
    const product = productText !== result && productText !== chain ? productText : undefined;
    return { lhs, chain: chain === result ? '' : chain, locals, product, result, shape: shapeText(line.result.shape, f) };
  }

  /** The answers: the last line for the output (Jacobian), or for each x̄ (Hessian, HVP). */
  answers(f: Notation): PrintedAnswer[] {
    const t = this.t;
    const out: PrintedAnswer[] = [];
    const fName = this.name(t.grouping.steps[t.grouping.steps.length - 1].name, f);
    const show = (pass: TangentPass, line: TangentLine | undefined, lhs: string, zero: Node, given?: Node): PrintedAnswer => {
      const node = given ?? line?.result ?? zero;
      const result = this.expr(node, f, pass);
      const expandedNode = t.simplifier.simplify(t.expand(node));
      const expanded = this.expr(expandedNode, f, pass);
      return { lhs, result, expanded: expanded !== result ? expanded : undefined, shape: shapeText(node.shape, f) };
    };
    const lineFor = (pass: TangentPass, symbol: Node | undefined) => pass.lines.find((l) => l.binding.symbol === symbol);
    const v = (x: VariableInfo) => this.name(x.name, f);
    if (t.kind === 'jacobian') {
      const output = t.grouping.steps[t.grouping.steps.length - 1].symbol;
      for (const pass of t.passes) {
        const x = pass.variable as VariableInfo;
        const line = lineFor(pass, output);
        const lhs = pass.form === 'matrix' ? partial(fName, v(x), f) : `${d(f)}${fName}`;
        out.push(show(pass, line, lhs, zeroOf(pass, output, x)));
      }
      return out;
    }
    if (t.kind === 'hvp') {
      const pass = t.passes[0];
      for (const x of t.variables) {
        const bar = t.adjointOf.get(x.node);
        const direction = this.expr(pass.seeds.get(x.node) as Node, f, pass);
        const hv = f === 'latex' ? `\\nabla^2 ${fName}\\,${direction}` : `∇²${fName}·${direction}`;
        const lhs = `${t.variables.length > 1 ? `(${f === 'latex' ? `\\nabla^2 ${fName}\\,v` : `∇²${fName}·v`})_{${v(x)}}`.replace(/_\{(.*)\}$/, f === 'latex' ? '_{$1}' : '_$1') : hv} = ${d(f)}${this.name(bar?.name ?? x.name, f)}`;
        out.push(show(pass, lineFor(pass, bar?.symbol), lhs, zeroOf(pass, bar?.symbol, pass.variable ?? x)));
      }
      return out;
    }
    t.passes.forEach((pass, j) => {
      const y = pass.variable as VariableInfo;
      for (const x of t.variables.slice(0, j + 1)) {
        const bar = t.adjointOf.get(x.node);
        const second = x === y ? (f === 'latex' ? `\\frac{\\partial^2 ${fName}}{\\partial ${v(x)}^2}` : `∂²${fName}/∂${v(x)}²`) : f === 'latex' ? `\\frac{\\partial^2 ${fName}}{\\partial ${v(x)}\\,\\partial ${v(y)}}` : `∂²${fName}/∂${v(x)}∂${v(y)}`;
        const barName = this.name(bar?.name ?? x.name, f);
        const lhs = pass.form === 'matrix' ? `${second} = ${partial(barName, v(y), f)}` : `${d(f)}${barName}`;
        out.push(show(pass, lineFor(pass, bar?.symbol), lhs, zeroOf(pass, bar?.symbol, pass.variable ?? x)));
        // A matrix variable: the second differential d²f[dX, dX] = ⟨dX, dX̄⟩ too.
        const bilinear = x === y ? t.secondDifferentials.get(x) : undefined;
        if (bilinear) {
          const dX = this.expr(pass.seeds.get(x.node) as Node, f, pass);
          out.push(show(pass, undefined, `${f === 'latex' ? '\\mathrm{d}^2' : 'd²'}${fName}[${dX}, ${dX}]`, bilinear, bilinear));
        }
      }
    });
    return out;
  }
}

/** The answer when nothing moves: a zero Jacobian (rows of the target × the variable's entries) or a zero differential. */
function zeroOf(pass: TangentPass, target: Node | undefined, x: VariableInfo): Node {
  const s = target?.shape ?? { rows: 1, cols: 1 };
  if (pass.form === 'differential') return C.zeros(s);
  return C.zeros(shape(isScalar(s) ? 1 : s.rows, isScalar(x.shape) ? 1 : x.shape.rows));
}

const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - [...s].length));

function header(t: TangentDerivation, pass: TangentPass, f: Notation, view: View): string {
  const x = pass.variable ? view.name(pass.variable.name, f) : '';
  const fName = view.name(t.grouping.steps[t.grouping.steps.length - 1].name, f);
  if (t.kind === 'hvp') {
    const dirs = [...pass.seeds.entries()].map(([v, dir]) => `${d(f)}${view.name(view.names.get(v) ?? { base: '?' }, f)} = ${view.expr(dir, f, pass)}`).join(', ');
    return `Hessian-vector product: forward mode through both passes along ${dirs} (du: the change of u in that direction)`;
  }
  const what = t.kind === 'jacobian' ? `Jacobian of ${fName} by ${x}, forward mode over the steps` : `Hessian: the Jacobian of the gradient by ${x}, forward mode through both passes`;
  if (pass.form === 'matrix') return `${what} (numerator layout: (∂u/∂${x})ᵢⱼ = ∂uᵢ/∂${x}ⱼ)`;
  return `${what} (in differentials: du is the change of u when ${x} moves by d${x})`;
}

export function renderTangentText(t: TangentDerivation): string {
  const view = new View(t);
  const out: string[] = ['Forward pass'];
  const defs = t.grouping.steps.map((s) => ({ lhs: printName(s.name, 'unicode'), rhs: view.expr(s.expr, 'unicode'), shape: shapeText(s.node.shape, 'unicode') }));
  const w = Math.max(...defs.map((x) => [...x.lhs].length));
  const w2 = Math.max(...defs.map((x) => [...x.rhs].length)) + w + 3;
  for (const x of defs) out.push(`  ${pad(`${pad(x.lhs, w)} = ${x.rhs}`, w2)}   ${x.shape}`);
  if (t.kind !== 'jacobian') {
    const fName = printName(t.grouping.steps[t.grouping.steps.length - 1].name, 'unicode');
    out.push('', `Backward pass (ū = ∂${fName}/∂u, gradient layout; constants are written into their uses)`);
    for (const b of adjointRows(t)) out.push(`  ${printName(b.name, 'unicode')} = ${view.expr(b.expr, 'unicode')}   [${shapeText(b.symbol.shape, 'unicode')}]`);
  }
  for (const pass of t.passes) {
    out.push('', header(t, pass, 'unicode', view));
    for (const line of pass.lines) {
      const l = view.line(pass, line, 'unicode');
      const indent = ' '.repeat([...l.lhs].length + 1);
      const rows: string[] = [];
      if (l.chain) rows.push(`${l.lhs} = ${l.chain}${l.locals.length ? `,   ${l.locals.join(',   ')}` : ''}`);
      if (l.product) rows.push(`${rows.length ? `${indent}= ` : `${l.lhs} = `}${l.product}`);
      rows.push(`${rows.length ? `${indent}= ` : `${l.lhs} = `}${l.result}`);
      rows[rows.length - 1] += `   [${l.shape}]`;
      out.push(...rows.map((r) => `  ${r}`));
    }
  }
  out.push('', 'Answers');
  for (const a of view.answers('unicode')) {
    const indent = ' '.repeat([...a.lhs].length + 1);
    out.push(`  ${a.lhs} = ${a.result}${a.expanded ? '' : `   [${a.shape}]`}`);
    if (a.expanded) out.push(`  ${indent}= ${a.expanded}   [${a.shape}]`);
  }
  return `${out.join('\n')}\n`;
}

/** The adjoint bindings as shown in the backward pass: every one, constants included. */
function adjointRows(t: TangentDerivation): readonly Binding[] {
  return t.adjoints;
}

function latexRows(t: TangentDerivation, view: View): { forward: string[]; backward: string[]; passes: { header: string; rows: string[] }[]; answers: string[] } {
  const forward = t.grouping.steps.map((s) => `${printName(s.name, 'latex')} &= ${view.expr(s.expr, 'latex')} && \\in ${shapeText(s.node.shape, 'latex')}`);
  const backward = adjointRows(t).map((b) => `${printName(b.name, 'latex')} &= ${view.expr(b.expr, 'latex')} && \\in ${shapeText(b.symbol.shape, 'latex')}`);
  const passes = t.passes.map((pass) => {
    const rows: string[] = [];
    for (const line of pass.lines) {
      const l = view.line(pass, line, 'latex');
      const parts = [l.chain, l.product, l.result].filter((x): x is string => !!x);
      const locals = l.locals.length ? ` && \\text{with } ${l.locals.join(',\\ ')}` : '';
      const shape = ` && \\in ${l.shape}`;
      if (parts.length === 1) {
        rows.push(`${l.lhs} &= ${parts[0]}${shape}`);
        continue;
      }
      rows.push(`${l.lhs} &= ${parts[0]}${locals}`);
      for (const part of parts.slice(1, -1)) rows.push(`&= ${part}`);
      rows.push(`&= ${parts[parts.length - 1]}${shape}`);
    }
    return { header: header(t, pass, 'unicode', view), rows };
  });
  const answers = view.answers('latex').flatMap((a) => (a.expanded ? [`${a.lhs} &= ${a.result}`, `&= ${a.expanded} && \\in ${a.shape}`] : [`${a.lhs} &= ${a.result} && \\in ${a.shape}`]));
  return { forward, backward, passes, answers };
}

export function renderTangentLatex(t: TangentDerivation): string {
  const r = latexRows(t, new View(t));
  const block = (rows: string[]) => ['\\begin{align*}', rows.join(' \\\\\n'), '\\end{align*}'];
  const out = ['% forward pass', ...block(r.forward)];
  if (r.backward.length) out.push('% backward pass (\\bar u = \\partial f/\\partial u)', ...block(r.backward));
  for (const p of r.passes) out.push(`% ${p.header}`, ...block(p.rows));
  out.push('% answers', ...block(r.answers));
  return `${out.join('\n')}\n`;
}

export function renderTangentMarkdown(t: TangentDerivation): string {
  const r = latexRows(t, new View(t));
  const aligned = (rows: string[]) => `$$\n\\begin{aligned}\n${rows.join(' \\\\\n')}\n\\end{aligned}\n$$`;
  const out = ['**Forward pass**', '', aligned(r.forward)];
  if (r.backward.length) out.push('', '**Backward pass** ($\\bar u = \\partial f/\\partial u$)', '', aligned(r.backward));
  for (const p of r.passes) out.push('', `**${p.header}**`, '', aligned(p.rows));
  out.push('', '**Answers**', '', aligned(r.answers));
  return `${out.join('\n')}\n`;
}

export function tangentJson(t: TangentDerivation): unknown {
  const view = new View(t);
  const both = <T>(fn: (f: Notation) => T) => ({ ...fn('unicode'), latex: fn('latex') });
  return {
    output: printName(t.grouping.steps[t.grouping.steps.length - 1].name, 'unicode'),
    kind: t.kind,
    forward: t.grouping.steps.map((s) => ({ name: printName(s.name, 'unicode'), definition: view.expr(s.expr, 'unicode'), latex: view.expr(s.expr, 'latex'), shape: describeShape(s.node.shape) })),
    backward: t.kind === 'jacobian' ? undefined : adjointRows(t).map((b) => ({ name: printName(b.name, 'unicode'), definition: view.expr(b.expr, 'unicode'), latex: view.expr(b.expr, 'latex'), shape: describeShape(b.symbol.shape) })),
    passes: t.passes.map((pass) => ({
      variable: pass.variable ? printName(pass.variable.name, 'unicode') : undefined,
      form: pass.form,
      lines: pass.lines.map((line) => both((f) => view.line(pass, line, f))),
    })),
    answers: view.answers('unicode').map((a, i) => ({ ...a, latex: view.answers('latex')[i] })),
  };
}

/** One block of a key's steps: a title, a note (text with $…$ math) and align rows. */
export interface StepSection {
  readonly kind: 'forward' | 'backward' | 'pass';
  readonly title: string;
  readonly note?: string;
  readonly rows: readonly string[];
}

/** The derivation as a key shows it: forward pass, backward pass (second derivatives), each tangent pass. */
export function tangentSections(t: TangentDerivation): StepSection[] {
  const view = new View(t);
  const r = latexRows(t, view);
  const f = printName(t.grouping.steps[t.grouping.steps.length - 1].name, 'latex');
  const out: StepSection[] = [{ kind: 'forward', title: 'Forward pass', rows: r.forward }];
  if (r.backward.length) out.push({ kind: 'backward', title: 'Backward pass', note: `$\\bar u = \\partial ${f}/\\partial u$, gradient layout; constants are written into their uses`, rows: r.backward });
  t.passes.forEach((pass, i) => {
    const x = pass.variable ? printName(pass.variable.name, 'latex') : '';
    const form = pass.form === 'matrix' ? `numerator layout: $(\\partial u/\\partial ${x})_{ij} = \\partial u_i/\\partial ${x}_j$` : t.kind === 'hvp' ? 'in differentials along the direction' : `in differentials: $\\mathrm{d}u$ is the change of $u$ when $${x}$ moves by $\\mathrm{d}${x}$`;
    const title = t.kind === 'jacobian' ? 'Jacobian pass' : t.kind === 'hessian' ? 'Hessian pass' : 'Hessian-vector product';
    const what = t.kind === 'jacobian' ? `the Jacobian of $${f}$ by $${x}$, forward mode over the steps` : t.kind === 'hessian' ? `the Jacobian of the gradient by $${x}$, forward mode through both passes` : 'forward mode through both passes';
    out.push({ kind: 'pass', title, note: `${what}; ${form}`, rows: r.passes[i].rows });
  });
  return out;
}

/** The answers in both notations. */
export function tangentAnswers(t: TangentDerivation): { unicode: PrintedAnswer; latex: PrintedAnswer }[] {
  const view = new View(t);
  const latex = view.answers('latex');
  return view.answers('unicode').map((unicode, i) => ({ unicode, latex: latex[i] }));
}
