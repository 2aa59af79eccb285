// TikZ for LaTeX documents, placed where Graphviz's dot layout puts the nodes (so the picture has
// dot's ranks and crossings minimized), drawn with LaTeX math labels.
import { toDot } from './dot.ts';
import type { ComputationGraph, GraphNode } from './model.ts';
import { formatValue } from './model.ts';
import { layout } from './svg.ts';

/** Graphviz measures Helvetica text; LaTeX math runs wider. Spread the layout to leave room. */
const SPREAD = { x: 1.05, y: 0.9 };

function label(n: GraphNode): string {
  const title = n.definition ? `$${n.name.latex} = ${n.definition.latex}$` : `$${n.name.latex}$`;
  const rows = [title, `{\\scriptsize\\color{black!60}$${n.shape.latex}$}`];
  if (n.value !== undefined) rows.push(`{\\scriptsize\\color{blue!70!black}value $${formatValue(n.value, 'latex')}$}`);
  if (n.gradient !== undefined) {
    rows.push(`{\\scriptsize\\color{red!60!black}$${n.gradientSymbol.latex} = ${formatValue(n.gradient, 'latex')}$}`);
  }
  return rows.join(' \\\\ ');
}

export async function toTikz(g: ComputationGraph): Promise<string> {
  const { nodes: at, labels } = await layout(toDot(g));
  const lines = [
    '\\begin{tikzpicture}[>=stealth, x=1pt, y=1pt,',
    '  graph source/.style={draw, ellipse, inner sep=2pt, align=center},',
    '  graph step/.style={draw, rounded corners=3pt, inner sep=4pt, align=center},',
    '  graph output/.style={graph step, double, fill=black!4},',
    '  graph local/.style={fill=white, inner sep=1pt, font=\\scriptsize, text=black!70}]',
  ];
  for (const n of g.nodes) {
    const p = at.get(n.id) ?? { x: 0, y: 0 };
    lines.push(`  \\node[graph ${n.kind}] (${n.id}) at (${(p.x * SPREAD.x).toFixed(1)}, ${(p.y * SPREAD.y).toFixed(1)}) {${label(n)}};`);
  }
  for (const e of g.edges) {
    lines.push(`  \\draw[->] (${e.from}) -- (${e.to});`);
    const lp = labels.get(`${e.from}→${e.to}`);
    if (e.local) lines.push(lp ? `  \\node[graph local] at (${(lp.x * SPREAD.x).toFixed(1)}, ${(lp.y * SPREAD.y).toFixed(1)}) {$${e.local.latex}$};` : `  \\path (${e.from}) -- node[graph local] {$${e.local.latex}$} (${e.to});`);
  }
  if (g.legend) {
    const bottom = Math.min(...g.nodes.map((n) => (at.get(n.id)?.y ?? 0) * SPREAD.y));
    const left = Math.min(...g.nodes.map((n) => ((at.get(n.id)?.x ?? 0) - (at.get(n.id)?.width ?? 0) / 2) * SPREAD.x));
    const right = Math.max(...g.nodes.map((n) => ((at.get(n.id)?.x ?? 0) + (at.get(n.id)?.width ?? 0) / 2) * SPREAD.x));
    // As wide as the drawing (at least 200pt), so the legend never widens the picture by much.
    lines.push(`  \\node[anchor=north west, font=\\scriptsize, text=black!60, text width=${Math.max(200, right - left).toFixed(0)}pt, align=left, inner sep=0pt] at (${left.toFixed(1)}, ${(bottom - 28).toFixed(1)}) {${g.legend.latex}};`);
  }
  lines.push('\\end{tikzpicture}');
  return `${lines.join('\n')}\n`;
}
