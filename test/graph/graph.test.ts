// Computation graphs: the lecture's worked example with exactly its numbers, DOT that Graphviz
// reads back, and SVG, TikZ and Mermaid for every sample computation.
import { describe, expect, it } from 'vitest';
import { bindValues, findVariable, parse } from '../../src/api.ts';
import { buildGraph, dotToSvg, graphviz, toDot, toMermaid, toTikz } from '../../src/graph/index.ts';
import type { ComputationGraph } from '../../src/graph/index.ts';
import { deriveComputation, sampleComputations } from '../steps/support.ts';

const lecture = (): ComputationGraph => {
  const model = parse('L = (wᵀφ − y)²', { where: 'w, φ: 2; y: scalar' });
  return buildGraph(model, { wrt: [findVariable(model, 'w')], at: bindValues(model, { w: [3, 1], φ: [1, 2], y: 2 }) });
};

describe('the lecture example (wᵀφ − y)² at w = [3, 1], φ = [1, 2], y = 2', () => {
  it('has residual 3, loss 9, ∂L/∂residual 6 and ∂L/∂w = [6, 12] on its nodes', () => {
    const g = lecture();
    const residual = g.nodes.find((n) => n.definition?.unicode === 'wᵀφ − y')!;
    const loss = g.nodes.find((n) => n.kind === 'output')!;
    const w = g.nodes.find((n) => n.kind === 'source' && n.name.unicode === 'w')!;
    expect(residual.value).toBe(3);
    expect(residual.gradient).toBe(6);
    expect(loss.value).toBe(9);
    expect(loss.gradient).toBe(1);
    expect(w.value).toEqual([3, 1]);
    expect(w.gradient).toEqual([6, 12]);
    // y is not differentiated: it shows its value only.
    expect(g.nodes.find((n) => n.name.unicode === 'y')!.gradient).toBeUndefined();
  });

  it('writes those numbers into DOT, SVG, TikZ and Mermaid', async () => {
    const g = lecture();
    const dot = toDot(g);
    const svg = await dotToSvg(dot);
    for (const text of [dot, svg]) {
      for (const s of ['value 3', 'value 9', '∂L/∂z₁ = 6', '∂L/∂w = [6, 12]']) expect(text).toContain(s);
    }
    // The edge into the loss carries the local derivative 2z₁, as the notes' 1 · 2(3) = 6.
    expect(dot).toMatch(/-> s2 \[label=<2z₁>\]/);
    const tikz = await toTikz(g);
    expect(tikz).toContain('value $3$');
    expect(tikz).toContain('\\partial L/\\partial w = [6, 12]');
    expect(toMermaid(g)).toContain('∂L/∂z₁ = 6');
  });
});

describe('every sample computation', () => {
  for (const { label, computation } of sampleComputations()) {
    it(`${label}: DOT reads back through Graphviz; SVG, TikZ and Mermaid are drawn`, async () => {
      const { model, variables } = deriveComputation(computation);
      const g = buildGraph(model, { wrt: variables, at: computation.at ? bindValues(model, computation.at) : undefined });
      const dot = toDot(g);
      const viz = await graphviz();
      const back = viz.render(dot, { format: 'dot' });
      expect(back.errors).toEqual([]);
      expect(back.status).toBe('success');
      const json = viz.renderJSON(dot) as { objects: unknown[]; edges?: unknown[] };
      expect(json.objects.length).toBe(g.nodes.length);
      expect(json.edges?.length ?? 0).toBe(g.edges.length);
      // Sources are the variables, the output is the one sink.
      expect(g.nodes.filter((n) => n.kind === 'output')).toHaveLength(1);
      expect(g.edges.some((e) => e.from === g.nodes.find((n) => n.kind === 'output')!.id)).toBe(false);
      const svg = await dotToSvg(dot);
      expect(svg).toContain('<svg');
      expect((svg.match(/class="node"/g) ?? []).length).toBe(g.nodes.length);
      const tikz = await toTikz(g);
      expect(tikz.startsWith('\\begin{tikzpicture}')).toBe(true);
      expect((tikz.match(/\\node\[graph (?:source|step|output)\]/g) ?? []).length).toBe(g.nodes.length);
      expect((tikz.match(/\\draw\[->\]/g) ?? []).length).toBe(g.edges.length);
      const mermaid = toMermaid(g);
      // Bottom to top like the SVG (rankdir=BT): the loss at the top.
      expect(mermaid.startsWith('flowchart BT')).toBe(true);
      expect(dot).toContain('rankdir=BT');
      // Every edge carries its local derivative, or the legend names its source and says why not.
      for (const e of g.edges.filter((x) => !x.local)) {
        const from = g.nodes.find((n) => n.id === e.from)!;
        expect(g.legend?.unicode).toContain(from.name.unicode);
        expect(svg).toContain(from.name.unicode);
      }
      // Shapes as sets (ℝ, ℝⁿ, ℝⁿˣᵈ), never a bare dimension.
      for (const n of g.nodes) expect(n.shape.unicode).toMatch(/^ℝ/);
      // One math font family: Graphviz's Times layout, drawn in KaTeX's serif; no sans-serif.
      expect(svg).not.toMatch(/Helvetica|sans-serif/);
      expect(svg).toContain('KaTeX_Main');
      expect((mermaid.match(/-->/g) ?? []).length).toBe(g.edges.length);
    });
  }
});
