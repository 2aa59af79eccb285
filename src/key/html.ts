// The answer key as one self-contained HTML page: every formula typeset by KaTeX (HTML for the
// eye, MathML for screen readers), with KaTeX's stylesheet and its woff2 fonts inlined so the page
// needs nothing beside it; graphs as inline SVG.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type Katex from 'katex';
import { escapeHtml } from '../html.ts';
import { checkedMath } from './math.ts';
import { splitMath } from './problems.ts';
import type { Repeats } from './repeats.ts';
import { findRepeats, partLabel } from './repeats.ts';
import { failureText } from './solve.ts';
import type { Solution, SolvedPart, SolvedSheet } from './solve.ts';

// KaTeX is loaded by the first formula, so that commands writing no HTML key never load it.
let katexModule: typeof Katex | undefined;
const katex = (): typeof Katex => (katexModule ??= createRequire(import.meta.url)('katex') as typeof Katex);

/** The one way text enters the HTML key. */
const escape = escapeHtml;

/**
 * Spellings KaTeX draws wrongly, and what it draws instead. KaTeX's blackboard font has capitals
 * only: \mathbb{1} comes out as a plain 1, so 𝟙[x > 0] would read as a product. The PDF key's
 * preamble draws it the same way (1 struck twice).
 */
const KATEX_SPELLINGS: readonly (readonly [RegExp, string])[] = [[/\\mathbb\{1\}/g, '\\mathrm{1\\!\\!1}']];
export const forKatex = (tex: string): string => KATEX_SPELLINGS.reduce((t, [from, to]) => t.replace(from, to), tex);

/** Renders formulas and remembers each one (tests re-render them all). */
export class MathRenderer {
  readonly formulas: { tex: string; display: boolean }[] = [];
  render(tex: string, display: boolean): string {
    this.formulas.push({ tex, display });
    // throwOnError: a formula KaTeX cannot read is a bug to fix, never red text in a key.
    // trust: false (KaTeX's default, stated): no \href, \url, \includegraphics or \html… from any formula.
    return katex().renderToString(forKatex(tex), { displayMode: display, throwOnError: true, output: 'htmlAndMathml', strict: 'ignore', trust: false });
  }
  /** Text from a problem file: escaped, and its math (checked on load) typeset. */
  text(s: string): string {
    return splitMath(s).map((p) => (p.math ? this.render(checkedMath(p.text), false) : escape(p.text))).join('');
  }
}

/** katex.min.css with each font as a woff2 data URI (the woff/ttf fallbacks dropped): about 400 KB. */
let katexStyle: string | undefined;
function inlinedKatexStyle(): string {
  if (katexStyle !== undefined) return katexStyle;
  const dist = dirname(createRequire(import.meta.url).resolve('katex/dist/katex.min.css'));
  const css = readFileSync(join(dist, 'katex.min.css'), 'utf8');
  katexStyle = css
    .replace(/,\s*url\(fonts\/[^)]+\.(woff|ttf)\) format\("(woff|truetype)"\)/g, '')
    .replace(/url\(fonts\/([^)]+\.woff2)\)/g, (_, file: string) => `url(data:font/woff2;base64,${readFileSync(join(dist, 'fonts', file)).toString('base64')})`);
  return katexStyle;
}

const aligned = (rows: readonly string[]): string => `\\begin{aligned}\n${rows.join(' \\\\\n')}\n\\end{aligned}`;

/** Graphviz's SVG without its XML prolog, ready to inline. */
const inlineSvg = (svg: string): string => svg.slice(svg.indexOf('<svg'));

function solution(s: Solution, m: MathRenderer, repeats: Repeats = {}): string {
  const out: string[] = [];
  const show = new Set(s.computation.show);
  if (show.has('answers')) {
    const rows = s.answers.flatMap((a) => (a.expanded ? [`${a.symbol.latex} &= ${a.named.latex}`, `&= ${a.expanded.latex} && \\in ${a.shape.latex}`] : [`${a.symbol.latex} &= ${a.named.latex} && \\in ${a.shape.latex}`]));
    out.push(`<div class="answer"><b>Answer.</b>${s.computation.layout === 'numerator' || s.second ? ' (numerator layout)' : ''}${m.render(aligned(rows), true)}</div>`);
  }
  if (show.has('steps')) {
    for (const sec of s.sections) {
      const asIn = sec.kind === 'forward' ? repeats.forwardAsIn : sec.kind === 'backward' ? repeats.backwardAsIn : undefined;
      if (asIn) out.push(`<p><b>${escape(sec.title)}</b> as in ${escape(asIn)}.</p>`);
      else out.push(`<p>${sec.note ? `<b>${escape(sec.title)}</b> (${m.text(sec.note)}).` : `<b>${escape(sec.title)}.</b>`}</p>${m.render(aligned(sec.rows), true)}`);
    }
  }
  if (show.has('graph')) out.push(`<figure class="graph">${inlineSvg(s.svg)}</figure>`);
  if (show.has('shapes')) {
    const rows = s.shapes.map((r) => `<tr><td>${m.render(r.symbol.latex, false)}</td><td>${r.meaning === 'variable' ? 'variable' : m.render(r.meaning.latex, false)}</td><td>${m.render(r.shape.latex, false)}</td></tr>`);
    out.push(`<table class="shapes"><thead><tr><th>symbol</th><th>definition</th><th>shape</th></tr></thead><tbody>${rows.join('')}</tbody></table>`);
  }
  return out.join('\n');
}

function part(p: SolvedPart, m: MathRenderer, repeats: Map<Solution, Repeats>): string {
  const body = [`<p>${p.part.id ? `<b>${escape(partLabel(p.part.id))}</b> ` : ''}${m.text(p.part.statement)}</p>`, ...p.solutions.map((s) => solution(s, m, repeats.get(s)))];
  if (p.part.answer) body.push(`<p class="written"><i>Answer.</i> ${m.text(p.part.answer)}</p>`);
  for (const f of p.failures ?? []) body.push(`<p class="failed"><b>Not solved.</b> ${escape(failureText(f))}</p>`);
  return `<section class="part">${body.join('\n')}</section>`;
}

const STYLE = `body{font-family:Georgia,'Times New Roman',serif;max-width:56rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}
h1{font-weight:normal}h2{border-bottom:1px solid #ccc;margin-top:2.5rem}.course{color:#666;font-style:italic}
.answer{border:1px solid #bbb;background:#fafaf7;padding:.2rem 1rem;margin:1rem 0}math[display=block]{margin:.6rem 0;overflow-x:auto}
figure.graph{text-align:center;margin:1rem 0;overflow-x:auto}figure.graph svg{max-width:100%;height:auto}
table.shapes{border-collapse:collapse;margin:1rem auto;font-size:.95em}table.shapes th,table.shapes td{border-bottom:1px solid #ddd;padding:.2rem .8rem;text-align:left}`;

export function toHtml(sheets: readonly SolvedSheet[], m: MathRenderer = new MathRenderer(), title = 'Answer key: backpropagation and computation graphs'): string {
  const out: string[] = [];
  for (const s of sheets) {
    out.push(`<h2>${escape(s.sheet.sheet)}</h2>`);
    if (s.sheet.course) out.push(`<p class="course">${escape(s.sheet.course)}</p>`);
    for (const p of s.problems) {
      out.push(`<h3>Problem ${escape(p.problem.id)}: ${escape(p.problem.title)}</h3>`);
      if (p.problem.statement) out.push(`<p>${m.text(p.problem.statement)}</p>`);
      const repeats = findRepeats(p);
      out.push(...p.parts.map((q) => part(q, m, repeats)));
    }
  }
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escape(title)}</title>\n<style>\n${inlinedKatexStyle()}\n${STYLE}\n</style>\n</head>\n<body>\n<h1>${escape(title)}</h1>\n<p class="course">Written by chainrule.</p>\n${out.join('\n')}\n</body>\n</html>\n`;
}
