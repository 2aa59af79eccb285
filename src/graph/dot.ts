// DOT for Graphviz: sources as ellipses at the bottom, steps as rounded boxes, the output doubly
// outlined at the top (the lecture notes' orientation: the root is the loss). Each label is
// name = definition over its shape, then (with values) the forward value and ∂L/∂node; each edge
// carries its local derivative, as the lecture notes draw it.
import { escapeHtml } from '../html.ts';
import type { ComputationGraph, GraphNode } from './model.ts';
import { formatValue } from './model.ts';

/** Text in a Graphviz HTML-like label. */
const html = escapeHtml;

/** Times: Graphviz has its metrics, and it is the serif of the formulas (dotToSvg asks for KaTeX's where the page has it). */
const FONT = 'Times-Roman';

const COLORS = { shape: '#6b6b6b', value: '#1f5fa8', gradient: '#b0392b', edge: '#4d4d4d', output: '#f3f0e6' } as const;

/** Words into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

function label(n: GraphNode): string {
  // One text run per line: Graphviz places separate runs by its own width estimates, which are
  // wrong for sub- and superscript characters, and a gap opens between `z₄` and its `=`.
  const title = html(n.definition ? `${n.name.unicode} = ${n.definition.unicode}` : n.name.unicode);
  const rows = [title, `<FONT POINT-SIZE="10" COLOR="${COLORS.shape}">${html(n.shape.unicode)}</FONT>`];
  if (n.value !== undefined) rows.push(`<FONT POINT-SIZE="11" COLOR="${COLORS.value}">value ${html(formatValue(n.value))}</FONT>`);
  if (n.gradient !== undefined) {
    rows.push(`<FONT POINT-SIZE="11" COLOR="${COLORS.gradient}">${html(n.gradientSymbol.unicode)} = ${html(formatValue(n.gradient))}</FONT>`);
  }
  return `<${rows.join('<BR/>')}>`;
}

export function toDot(g: ComputationGraph, title = 'computation graph'): string {
  const lines = [
    `digraph "${title.replace(/"/g, "'")}" {`,
    '  rankdir=BT;',
    `  graph [fontname="${FONT}", nodesep=0.45, ranksep=0.45, pad=0.2];`,
    `  node [fontname="${FONT}", fontsize=13, margin="0.12,0.06"];`,
    `  edge [fontname="${FONT}", fontsize=10, color="${COLORS.edge}", fontcolor="${COLORS.edge}", arrowsize=0.7];`,
  ];
  if (g.legend) lines.push(`  label=<<FONT POINT-SIZE="10" COLOR="${COLORS.shape}">${wrap(g.legend.unicode, 70).map(html).join('<BR ALIGN="LEFT"/>')}<BR ALIGN="LEFT"/></FONT>>; labelloc=b; labeljust=l;`);
  for (const n of g.nodes) {
    const style = n.kind === 'source' ? 'shape=ellipse' : n.kind === 'output' ? `shape=box, style="rounded,filled", fillcolor="${COLORS.output}", peripheries=2` : 'shape=box, style=rounded';
    lines.push(`  ${n.id} [${style}, label=${label(n)}];`);
  }
  for (const e of g.edges) lines.push(`  ${e.from} -> ${e.to}${e.local ? ` [label=<${html(e.local.unicode)}>]` : ''};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
