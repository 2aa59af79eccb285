// Smart constructors: the algebraic facts they apply as nodes are built.
import { describe, expect, it } from 'vitest';
import * as C from '../../src/ir/construct.ts';
import { shape } from '../../src/ir/shape.ts';
import { print } from '../../src/print/index.ts';

describe('transpose', () => {
  const A = C.variable({ key: 'A', name: { base: 'A' }, symmetric: false }, shape('m', 'n'));

  it('(Aᵀ)ᵀ is A, and a scalar is its own transpose', () => {
    expect(C.transpose(C.transpose(A))).toBe(A);
    expect(C.transpose(C.ONE)).toBe(C.ONE);
  });

  it('0ᵀ is the zero of the transposed shape, not a transposed zero (printed 0, never 0ᵀ)', () => {
    const zero = C.zeros(shape('m', 'n'));
    const t = C.transpose(zero);
    expect(t.op).toBe('zeros');
    expect(t.shape).toEqual(shape('n', 'm'));
    expect(t).toBe(C.zeros(shape('n', 'm')));
    expect(print(t, 'unicode')).not.toContain('ᵀ');
  });
});
