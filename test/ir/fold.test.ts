// Folding a node over the user's definitions puts their names back into flattened sums and products.
import { describe, expect, it } from 'vitest';
import { inDefinitions, parse } from '../../src/api.ts';
import * as C from '../../src/ir/construct.ts';
import { print } from '../../src/print/index.ts';

describe('definition folding', () => {
  const mlp = parse('h = relu(W₁x + b₁); ŷ = W₂h + b₂; L = ½‖ŷ − y‖²', { where: 'x: n; y: k; W₁: m×n; W₂: k×m' });
  const fold = inDefinitions(mlp);
  const [h, yHat] = mlp.definitions.map((d) => d.node);
  const y = mlp.variables.find((v) => v.display === 'y')!.node;

  it('finds ŷ inside the flattened W₂h + b₂ − y', () => {
    expect(print(C.sub(yHat, y), 'unicode')).toBe('W₂ relu(W₁x + b₁) + b₂ − y');
    expect(print(fold(C.sub(yHat, y)), 'unicode')).toBe('ŷ − y');
  });

  it('writes a definition as its name, or as its definition with keepRoot', () => {
    expect(print(fold(h), 'unicode')).toBe('h');
    expect(print(fold(yHat, { keepRoot: true }), 'unicode')).toBe('W₂h + b₂');
  });

  it('finds a definition among the factors of a product, coefficients divided out', () => {
    const model = parse('R = ½w²; L_reg = L + λR', { where: 'w, L, λ: scalar' });
    const R = model.definitions[0].node;
    const λ = model.variables.find((v) => v.display === 'λ')!.node;
    expect(print(C.mul(λ, R), 'unicode')).toBe('½λw²');
    expect(print(inDefinitions(model)(C.mul(λ, R)), 'unicode')).toBe('λR');
  });

  it('finds a contiguous run of a matrix product', () => {
    const model = parse('P = AB; Q = PC', { where: 'A, B, C: n×n' });
    expect(print(model.output.node, 'unicode')).toBe('ABC');
    expect(print(inDefinitions(parse('P = AB; Q = PC; f = tr(Q)', { where: 'A, B, C: n×n' }))(model.output.node), 'unicode')).toBe('Q');
  });
});
