// Renders a derivation as text (Unicode), LaTeX (align* blocks) or Markdown. Expressions are printed
// by the shared printer with the forward names as abbreviations, so results reuse z₁, z₂, …; the
// placeholder for an upstream derivative prints as the symbol ∂L/∂c. The symbolic chain rule
// (∂L/∂c · ∂c/∂u) is a template over printed names, never text taken apart.
import type { Node } from '../ir/node.ts';
import type { Shape } from '../ir/shape.ts';
import type { Format, Printed } from '../print/index.ts';
import { Level, Printer } from '../print/index.ts';
import { printName, superscriptText } from '../print/names.ts';
import type { Name } from '../syntax/ast.ts';
import type { BackwardLine, Derivation } from './derive.ts';

type Notation = 'unicode' | 'latex';

/** ∂L/∂u in a format. */
export function partial(of: Name, wrt: Name, format: Notation): string {
  return format === 'latex'
    ? `\\frac{\\partial ${printName(of, 'latex')}}{\\partial ${printName(wrt, 'latex')}}`
    : `∂${printName(of, 'unicode')}/∂${printName(wrt, 'unicode')}`;
}

/** The printer of a derivation: forward names are symbol variables already; placeholders print as ∂L/∂c. */
class StepPrinter extends Printer {
  constructor(
    format: Format,
    private readonly derivation: Derivation,
  ) {
    super(format);
  }

  private symbol(node: Node): Printed | undefined {
    const step = this.derivation.upstream.get(node);
    if (!step) return undefined;
    const d = this.derivation;
    const text = partial(d.display(d.outputName), d.display(step.name), this.format === 'latex' ? 'latex' : 'unicode');
    // A fraction is an atom in LaTeX; ∂L/∂z₃ written inline needs parentheses in a product.
    return { text, level: this.format === 'latex' ? Level.ATOM : Level.PRODUCT };
  }

  override nameText(name: Name): string {
    return super.nameText(this.derivation.display(name));
  }

  override print(node: Node): Printed {
    return this.symbol(node) ?? super.print(node);
  }
}

export interface StepPrinters {
  expr(node: Node, format: Notation): string;
  /** A step's definition. */
  definition(node: Node, format: Notation): string;
}

export function printers(d: Derivation): StepPrinters {
  const cache = { unicode: new StepPrinter('unicode', d), latex: new StepPrinter('latex', d) };
  return {
    expr: (node, format) => cache[format].print(node).text,
    definition: (node, format) => cache[format].print(node).text,
  };
}

/** ℝ^{h×m} in LaTeX, `h×m` in text. */
export function shapeText(s: Shape, format: Notation): string {
  if (format === 'unicode') {
    // ℝ, ℝⁿ, ℝⁿˣᵈ; ℝ^(q×d) where a dimension has no superscript letter.
    const exponent = s.cols === 1 ? `${s.rows}` : `${s.rows}×${s.cols}`;
    if (s.rows === 1 && s.cols === 1) return 'ℝ';
    return `ℝ${superscriptText(exponent) ?? `^(${exponent})`}`;
  }
  const dim = (x: string | number) => (typeof x === 'number' ? String(x) : printName({ base: x }, 'latex'));
  if (s.rows === 1 && s.cols === 1) return '\\mathbb{R}';
  if (s.cols === 1) return `\\mathbb{R}^{${dim(s.rows)}}`;
  return `\\mathbb{R}^{${dim(s.rows)} \\times ${dim(s.cols)}}`;
}

/** The pieces of one backward line, printed. */
export interface PrintedLine {
  readonly lhs: string;
  /** Σ ∂L/∂c · ∂c/∂u, symbolic; empty for the output itself. */
  readonly chain: string;
  /** ∂c/∂u = …, for the terms where it is a matrix one writes. */
  readonly locals: readonly string[];
  /** The chain-rule product over the upstream symbols, when it differs from the result. */
  readonly product?: string;
  readonly result: string;
  readonly shape: string;
}

export function printLine(d: Derivation, line: BackwardLine, format: Notation, p: StepPrinters = printers(d)): PrintedLine {
  const L = d.display(d.outputName);
  const lhs = partial(L, d.display(line.name), format);
  const dot = format === 'latex' ? ' ' : ' · ';
  // A direct use by the output contributes its local derivative itself (w̄ = z̄x + λw).
  const chain = line.terms.map((t) => (t.via.node === d.model.output.node ? p.expr(t.product, format) : `${partial(L, d.display(t.via.name), format)}${dot}${partial(d.display(t.via.name), d.display(line.name), format)}`)).join(' + ');
  const locals = line.terms.filter((t) => t.local && t.via.node !== d.model.output.node).map((t) => `${partial(d.display(t.via.name), d.display(line.name), format)} = ${p.expr(t.local as Node, format)}`);
  const result = p.expr(line.result, format);
  const productText = line.terms.length ? line.terms.map((t) => p.expr(t.product, format)).join(' + ') : undefined;
  const product = productText !== undefined && productText !== result && productText !== chain ? productText : undefined;
  const shape = shapeText(line.result.shape, format);
  return { lhs, chain: chain === lhs || chain === result ? '' : chain, locals, product, result, shape };
}

const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - [...s].length));

export interface RenderOptions {
  /** List the simplifier rules that fired, by name. */
  readonly explain?: boolean;
}

export function renderText(d: Derivation, options: RenderOptions = {}): string {
  const p = printers(d);
  const out: string[] = ['Forward pass'];
  const defs = d.forward.map((f) => ({ lhs: printName(d.display(f.step.name), 'unicode'), rhs: p.definition(f.step.expr, 'unicode'), shape: shapeText(f.step.node.shape, 'unicode') }));
  const w = Math.max(...defs.map((x) => [...x.lhs].length));
  const w2 = Math.max(...defs.map((x) => [...x.rhs].length)) + w + 3;
  for (const x of defs) out.push(`  ${pad(`${pad(x.lhs, w)} = ${x.rhs}`, w2)}   ${x.shape}`);
  out.push('', `Backward pass (${d.layout === 'numerator' ? 'numerator layout: ∂L/∂u is the transpose of u' : 'gradient layout: ∂L/∂u has the shape of u'})`.replace(/L/g, printName(d.display(d.outputName), 'unicode')));
  for (const line of d.backward) {
    const l = printLine(d, line, 'unicode', p);
    const indent = ' '.repeat([...l.lhs].length + 3);
    const rows: string[] = [];
    if (l.chain) rows.push(`${l.lhs} = ${l.chain}${l.locals.length ? `,   ${l.locals.join(',   ')}` : ''}`);
    if (l.product) rows.push(`${rows.length ? indent.slice(2) + '= ' : `${l.lhs} = `}${l.product}`);
    rows.push(`${rows.length ? indent.slice(2) + '= ' : `${l.lhs} = `}${l.result}`);
    rows[rows.length - 1] = `${rows[rows.length - 1]}   [${l.shape}]`;
    out.push(...rows.map((r) => `  ${r}`));
  }
  out.push('', 'Answers');
  for (const a of d.answers) out.push(`  ${partial(d.display(d.outputName), d.display(a.line.name), 'unicode')} = ${p.expr(a.line.result, 'unicode')}   [${shapeText(a.line.result.shape, 'unicode')}]`);
  if (options.explain) out.push('', ...explainLines(d));
  return `${out.join('\n')}\n`;
}

/** The simplifier rules that fired, by name, with their identities. */
export function explainLines(d: Derivation): string[] {
  const fired = d.simplifier.trace.fired;
  if (fired.size === 0) return ['Simplification: no rewrite rule was needed'];
  const identities = new Map(d.simplifier.trace.steps.map((s) => [s.rule.name, s.rule.identity]));
  return ['Simplification rules applied', ...[...fired].map(([name, count]) => `  ${name} ×${count}   ${identities.get(name) ?? ''}`.trimEnd())];
}

/** The forward pass as LaTeX align* rows. */
export function forwardLatexRows(d: Derivation): string[] {
  const p = printers(d);
  return d.forward.map((f) => `${printName(d.display(f.step.name), 'latex')} &= ${p.definition(f.step.expr, 'latex')} && \\in ${shapeText(f.step.node.shape, 'latex')}`);
}

/** The backward pass as LaTeX align* rows: chain rule and local derivatives, product, result. */
export function backwardLatexRows(d: Derivation): string[] {
  const p = printers(d);
  const rows: string[] = [];
  for (const line of d.backward) {
    const l = printLine(d, line, 'latex', p);
    const parts = [l.chain, l.product, l.result].filter((x): x is string => !!x);
    const shape = ` && \\in ${l.shape}`;
    const locals = l.locals.length ? ` && \\text{with } ${l.locals.join(',\\ ')}` : '';
    // A short line stays on one row, as written by hand: ∂L/∂z₃ = ∂L/∂z₄ ∂z₄/∂z₃ = −2z₄.
    const short = printLine(d, line, 'unicode', p);
    const width = [short.lhs, short.chain, short.product, short.result].reduce((n, x) => n + (x ? [...x].length + 3 : 0), 0);
    if (parts.length === 1 || width <= 44) {
      rows.push(`${l.lhs} &= ${parts.join(' = ')}${shape}${locals.replace(' && ', ', \\quad ')}`);
      continue;
    }
    rows.push(`${l.lhs} &= ${parts[0]}${locals}`);
    for (const part of parts.slice(1, -1)) rows.push(`&= ${part}`);
    rows.push(`&= ${parts[parts.length - 1]}${shape}`);
  }
  return rows;
}

export function renderLatex(d: Derivation, options: RenderOptions = {}): string {
  const out = ['% forward pass', '\\begin{align*}', forwardLatexRows(d).join(' \\\\\n'), '\\end{align*}', '% backward pass', '\\begin{align*}', backwardLatexRows(d).join(' \\\\\n'), '\\end{align*}'];
  if (options.explain) out.push(...explainLines(d).map((l) => `% ${l}`));
  return `${out.join('\n')}\n`;
}

export function renderMarkdown(d: Derivation, options: RenderOptions = {}): string {
  const aligned = (rows: string[]) => `$$\n\\begin{aligned}\n${rows.join(' \\\\\n')}\n\\end{aligned}\n$$`;
  const out = ['**Forward pass**', '', aligned(forwardLatexRows(d)), '', '**Backward pass**', '', aligned(backwardLatexRows(d))];
  if (options.explain) out.push('', ...explainLines(d).map((l, i) => (i === 0 ? `*${l}*` : `- ${l.trim()}`)));
  return `${out.join('\n')}\n`;
}
