// One node per operation gives the same numbers as the notes' grouping, on a finer graph.
import { describe, expect, it } from 'vitest';
import { bindValues, findVariable, parse } from '../../src/api.ts';
import { buildGraph } from '../../src/graph/index.ts';

describe('graph granularity', () => {
  const model = parse('L = (wᵀφ − y)²', { where: 'w, φ: 2; y: scalar' });
  const options = { wrt: [findVariable(model, 'w')], at: bindValues(model, { w: [3, 1], φ: [1, 2], y: 2 }) };
  const step = buildGraph(model, options);
  const operation = buildGraph(model, { ...options, granularity: 'operation' });

  it('operation granularity draws every operation: wᵀ, wᵀφ, −y, the sum and the square', () => {
    expect(step.nodes.length).toBe(5); // w, φ, y, residual, L
    expect(operation.nodes.length).toBe(8); // w, φ, y, wᵀ, wᵀφ, −y, residual, L
    expect(operation.edges.length).toBeGreaterThan(step.edges.length);
  });

  it('both show the lecture’s numbers: residual 3, loss 9, ∂L/∂w = [6, 12]', () => {
    for (const g of [step, operation]) {
      const loss = g.nodes.find((n) => n.kind === 'output');
      const residual = g.nodes.find((n) => n.value === 3 && n.kind === 'step');
      const w = g.nodes.find((n) => n.kind === 'source' && n.name.unicode === 'w');
      expect(loss?.value).toBe(9);
      expect(residual?.gradient).toBe(6);
      expect(w?.gradient).toEqual([6, 12]);
    }
    // The finer graph also carries the inner product: wᵀφ = 5 with ∂L/∂(wᵀφ) = 6.
    expect(operation.nodes.find((n) => n.definition?.unicode.endsWith('φ') && n.value === 5)?.gradient).toBe(6);
  });
});
