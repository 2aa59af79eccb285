// The answer key in Markdown: math as $…$ and $$…$$ (GitHub and most viewers render it with
// KaTeX or MathJax), graphs as SVG files beside the document.
import { checkedMath } from './math.ts';
import { splitMath } from './problems.ts';
import type { Repeats } from './repeats.ts';
import { findRepeats, partLabel } from './repeats.ts';
import { failureText } from './solve.ts';
import type { Solution, SolvedPart, SolvedSheet } from './solve.ts';

const MARKDOWN_HTML: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * The one way text from a problem file enters the Markdown key. Outside math: HTML's characters as
 * entities (no <script>, no <img onerror>), and Markdown's punctuation backslash-escaped (no links,
 * images, emphasis, code spans, tables, stray math, headings or lists from the text), control
 * characters dropped.
 * Math between $…$ passes through the command check (problem files are checked on load).
 */
export function markdownText(s: string): string {
  return splitMath(s)
    .map((p) => (p.math ? `$${checkedMath(p.text)}$` : p.text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '').replace(/[&<>"]/g, (c) => MARKDOWN_HTML[c]).replace(/[\\`*_[\]|$~]/g, (c) => `\\${c}`).replace(/^(\s*)(#|[+-](?=\s))/gm, '$1\\$2').replace(/^(\s*\d+)([.)])/gm, '$1\\$2')))
    .join('');
}

const aligned = (rows: readonly string[]): string => `$$\n\\begin{aligned}\n${rows.join(' \\\\\n')}\n\\end{aligned}\n$$`;

/** The file name of a solution's graph, relative to the key. */
export type GraphPath = (s: Solution) => string;

function solution(s: Solution, graphPath: GraphPath, repeats: Repeats = {}): string {
  const out: string[] = [];
  const show = new Set(s.computation.show);
  if (show.has('answers')) {
    const rows = s.answers.flatMap((a) => (a.expanded ? [`${a.symbol.latex} &= ${a.named.latex}`, `&= ${a.expanded.latex} && \\in ${a.shape.latex}`] : [`${a.symbol.latex} &= ${a.named.latex} && \\in ${a.shape.latex}`]));
    out.push(`**Answer.**${s.computation.layout === 'numerator' || s.second ? ' (numerator layout)' : ''}`, aligned(rows));
  }
  if (show.has('steps')) {
    for (const sec of s.sections) {
      const asIn = sec.kind === 'forward' ? repeats.forwardAsIn : sec.kind === 'backward' ? repeats.backwardAsIn : undefined;
      if (asIn) out.push(`**${sec.title}** as in ${asIn}.`);
      else out.push(sec.note ? `**${sec.title}** (${markdownText(sec.note)}).` : `**${sec.title}.**`, aligned(sec.rows));
    }
  }
  if (show.has('graph')) out.push(`![computation graph](${graphPath(s)})`);
  if (show.has('shapes')) {
    out.push(['| symbol | definition | shape |', '|---|---|---|', ...s.shapes.map((r) => `| $${r.symbol.latex}$ | ${r.meaning === 'variable' ? 'variable' : `$${r.meaning.latex}$`} | $${r.shape.latex}$ |`)].join('\n'));
  }
  return out.join('\n\n');
}

function part(p: SolvedPart, graphPath: GraphPath, repeats: Map<Solution, Repeats>): string {
  const body = [`${p.part.id ? `**${markdownText(partLabel(p.part.id))}** ` : ''}${markdownText(p.part.statement)}`, ...p.solutions.map((s) => solution(s, graphPath, repeats.get(s)))];
  if (p.part.answer) body.push(`*Answer.* ${markdownText(p.part.answer)}`);
  for (const f of p.failures ?? []) body.push(`**Not solved.** ${markdownText(failureText(f))}`);
  return body.join('\n\n');
}

export function toMarkdown(sheets: readonly SolvedSheet[], graphPath: GraphPath, title = 'Answer key: backpropagation and computation graphs'): string {
  const out = [`# ${markdownText(title)}`, '', '*Written by chainrule.*'];
  for (const s of sheets) {
    out.push('', `## ${markdownText(s.sheet.sheet)}`);
    if (s.sheet.course) out.push('', `*${markdownText(s.sheet.course)}*`);
    for (const p of s.problems) {
      out.push('', `### Problem ${markdownText(p.problem.id)}: ${markdownText(p.problem.title)}`);
      if (p.problem.statement) out.push('', markdownText(p.problem.statement));
      const repeats = findRepeats(p);
      for (const q of p.parts) out.push('', part(q, graphPath, repeats));
    }
  }
  return `${out.join('\n')}\n`;
}
