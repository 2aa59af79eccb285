// Matrix powers: a run of equal factors in a matrix product prints as the power the books write
// (X³, (XᵀX)⁻²), in every format, and each printed form reads back as the same node.
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import type { Format } from '../../src/print/index.ts';
import { print } from '../../src/print/index.ts';

const WHERE = 'X: n×n; A: n×n; B: n×n';

const CASES: [source: string, printed: Record<Format, string>][] = [
  ['XXX', { unicode: 'X³', latex: 'X^{3}', ascii: 'X^3' }],
  ['(XᵀX)⁻¹(XᵀX)⁻¹', { unicode: '(XᵀX)⁻²', latex: '(X^{\\top}X)^{-2}', ascii: "(X'*X)^(-2)" }],
  ['A(A + B)(A + B)B', { unicode: 'A(A + B)²B', latex: 'A(A + B)^{2}B', ascii: 'A*(A + B)^2*B' }],
  // (Xᵀ)² is longer than XᵀXᵀ; three factors are not.
  ['XᵀXᵀ', { unicode: 'XᵀXᵀ', latex: 'X^{\\top}X^{\\top}', ascii: "X'*X'" }],
  ['XᵀXᵀXᵀ', { unicode: '(Xᵀ)³', latex: '(X^{\\top})^{3}', ascii: "(X')^3" }],
  ['AXXA', { unicode: 'AX²A', latex: 'AX^{2}A', ascii: 'A*X^2*A' }],
];

describe('matrix powers', () => {
  for (const [source, printed] of CASES) {
    for (const format of ['unicode', 'latex', 'ascii'] as const) {
      it(`${source} prints as ${printed[format]} in ${format} and reads back`, () => {
        const node = parse(source, { where: WHERE }).output.node;
        expect(print(node, format)).toBe(printed[format]);
        expect(parse(printed[format], { where: WHERE }).output.node).toBe(node);
      });
    }
  }

  it('prints the Matrix Cookbook forms of ∂tr((XᵀX)⁻¹)/∂X and ∂|X³|/∂X', () => {
    const [traceInverse] = differentiate(parse('tr((XᵀX)⁻¹)', { where: 'X: n×m' }), ['X']).derivatives;
    expect(traceInverse.unicode).toBe('−2X(XᵀX)⁻²');
    const [detCubed] = differentiate(parse('|X³|', { where: 'X: n×n' }), ['X']).derivatives;
    expect(detCubed.unicode).toBe('3|X³|X⁻ᵀ');
  });
});
