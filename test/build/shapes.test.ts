// Shape inference: declarations, then usage, then the naming defaults; seeds parse with the shapes they state.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/api.ts';
import { describeShape } from '../../src/ir/shape.ts';
import { print } from '../../src/print/index.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const seeds = JSON.parse(readFileSync(path.resolve(repoRoot, 'test/fixtures/seeds.json'), 'utf8')) as {
  problems: { id: string; source?: string; where?: string; wrt?: string[] }[];
};

const shapes = (source: string, where?: string): Record<string, string> => {
  const model = parse(source, { where });
  return Object.fromEntries([...model.variables.map((v) => [v.display, describeShape(v.shape)]), ['result', describeShape(model.output.node.shape)]]);
};

/** What each seed's `where` states, as `describeShape` writes it. */
const stated: Record<string, Record<string, string>> = {
  'two-layer-phi': { 'W⁽¹⁾': 'd×d', 'W⁽²⁾': 'd×d', x: 'd', b: 'd', y: 'd', result: 'scalar' },
  'sum-of-units': { W: 'n×d', x: 'd', b: 'n', y: 'scalar', result: 'scalar' },
  'sigmoid-two-layer': { A: 'h×m', b: 'h', x: 'm', y: 'scalar', result: 'scalar' },
  'regularized-logistic-unit': { w: 'scalar', x: 'scalar', b: 'scalar', t: 'scalar', λ: 'scalar', result: 'scalar' },
  'wx-minus-x': { W: 'n×n', x: 'n', result: 'scalar' },
  logdet: { A: 'n×n', α: 'scalar', β: 'scalar', γ: 'scalar', result: 'scalar' },
  'trace-inverse': { A: 'n×n', B: 'n×n', α: 'scalar', β: 'scalar', result: 'scalar' },
  'regression-mlp': { x: 'n', y: 'k', 'W₁': 'm×n', 'b₁': 'm', 'W₂': 'k×m', 'b₂': 'k', result: 'scalar' },
  hinge: { w: 'd', φ: 'd', y: 'scalar', result: 'scalar' },
  'backprop-values': { w: '2', φ: '2', y: 'scalar', result: 'scalar' },
  'finite-difference-cost': { 'W⁽¹⁾': 'd×d', 'W⁽²⁾': 'd×d', x: 'd', b: 'd', y: 'd', result: 'scalar' },
  'chain-scalar': { x: 'scalar', result: 'scalar' },
  // No declarations: x keeps the lower-case default (a vector), and σ, relu apply entrywise.
  'activation-derivatives': { x: 'n', result: 'n' },
  // No declarations: a·b and a² of vectors do not type-check, so usage makes a and b scalars.
  'building-blocks': { a: 'scalar', b: 'scalar', result: 'scalar' },
};

describe('seeds parse with the shapes they state', () => {
  for (const p of seeds.problems.filter((q) => q.source)) {
    it(p.id, () => {
      const got = shapes(p.source as string, p.where);
      expect(stated[p.id], `state the shapes of seed ${p.id} in this test`).toBeDefined();
      expect(got).toEqual(stated[p.id]);
    });
  }
});

describe('inference from usage and defaults', () => {
  it('Wx − x makes x a vector of W’s size, and W square', () => {
    expect(shapes('‖Wx − x‖²')).toEqual({ W: 'n×n', x: 'n', result: 'scalar' });
  });
  it('y − bᵀσ(Ax) makes y a scalar', () => {
    expect(shapes('(y − bᵀσ(Ax))²', 'A: h×m')).toEqual({ y: 'scalar', b: 'h', A: 'h×m', x: 'm', result: 'scalar' });
  });
  it('Greek names default to scalars, upper-case Latin to matrices', () => {
    expect(shapes('αAAᵀ + β⁻¹I')).toEqual({ α: 'scalar', A: 'n×m', β: 'scalar', result: 'n×n' });
  });
  it('dimension symbols are scalars with the value of the size', () => {
    expect(shapes('(n/2)·log(2π) + ½ log|K|', 'K: n×n')).toEqual({ K: 'n×n', result: 'scalar' });
  });
  it('a literal 1 where a vector is required is the ones vector', () => {
    const m = parse('1 − σ(z)', { where: 'z: n' });
    expect(print(m.output.node, 'unicode')).toBe('𝟙 − σ(z)');
    expect(shapes('1ᵀx', 'x: n')).toEqual({ x: 'n', result: 'scalar' });
  });
  it('|A| is a determinant for a square matrix and an absolute value for a scalar', () => {
    expect(parse('|A|', { where: 'A: n×n' }).output.node.op).toBe('det');
    expect(parse('|α|').output.node.op).toBe('apply');
  });
  it('x² of a scalar program variable', () => {
    expect(shapes('z = wx + b; y = σ(z); L = ½(y − t)²', 'w, x, b, t: scalar')).toEqual({ w: 'scalar', x: 'scalar', b: 'scalar', t: 'scalar', result: 'scalar' });
  });
  it('the last line may be a function definition: its parameters are variables', () => {
    expect(shapes('f(x) = x²; g(x) = x; h(x₁, x₂) = x₁² + x₂²; ℓ(x) = h(f(x), g(x))')).toEqual({ x: 'scalar', result: 'scalar' });
  });
  it('symmetric is declarable and derived', async () => {
    const { isSymmetric } = await import('../../src/ir/properties.ts');
    expect(isSymmetric(parse('K', { where: 'K: n×n symmetric' }).output.node)).toBe(true);
    expect(isSymmetric(parse('αAAᵀ + β⁻¹I', { where: 'A: n×m' }).output.node)).toBe(true);
    expect(isSymmetric(parse('(αAAᵀ + β⁻¹I)⁻¹', { where: 'A: n×m' }).output.node)).toBe(true);
    expect(isSymmetric(parse('AB', { where: 'A, B: n×n' }).output.node)).toBe(false);
  });
  it('equal structure is the same node (hash-consing)', () => {
    expect(parse('‖Wx − x‖²').output.node).toBe(parse('norm(W*x - x)^2').output.node);
  });
});
