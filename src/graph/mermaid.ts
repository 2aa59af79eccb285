// Mermaid flowchart: the same graph for Markdown viewers that render Mermaid (GitHub, GitLab).
import type { ComputationGraph, GraphNode } from './model.ts';
import { formatValue } from './model.ts';

/** Mermaid labels are quoted strings; quotes and angle brackets go in as entities. */
const text = (s: string): string => s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/\|/g, '#124;');

function label(n: GraphNode): string {
  const rows = [n.definition ? `${n.name.unicode} = ${n.definition.unicode}` : n.name.unicode, n.shape.unicode];
  if (n.value !== undefined) rows.push(`value ${formatValue(n.value)}`);
  if (n.gradient !== undefined) rows.push(`${n.gradientSymbol.unicode} = ${formatValue(n.gradient)}`);
  return `"${rows.map(text).join('<br/>')}"`;
}

export function toMermaid(g: ComputationGraph): string {
  // Bottom to top, as the SVG and the notes draw it: the loss at the top.
  const lines = ['flowchart BT'];
  for (const n of g.nodes) {
    const l = label(n);
    lines.push(`  ${n.id}${n.kind === 'source' ? `([${l}])` : n.kind === 'output' ? `[[${l}]]` : `[${l}]`}`);
  }
  for (const e of g.edges) lines.push(`  ${e.from} ${e.local ? `-- "${text(e.local.unicode)}" ` : ''}--> ${e.to}`);
  if (g.legend) lines.push(`  %% ${g.legend.unicode.replace(/[\r\n\u2028\u2029]/g, ' ')}`);
  return `${lines.join('\n')}\n`;
}
