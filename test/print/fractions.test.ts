// Fractions in LaTeX: rational coefficients with leading names, and reciprocals of sizes; each form
// reads back as the same node.
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/api.ts';
import { print } from '../../src/print/index.ts';

const CASES: [source: string, where: string, latex: string][] = [
  ['−γ/2·log|αAAᵀ+β⁻¹I|', 'A: n×n', '-\\frac{\\gamma}{2}\\log|\\alpha AA^{\\top} + \\beta^{-1}I|'],
  ['1/N·‖Xw − y‖²', 'X: N×d', '\\frac{1}{N}\\|Xw - y\\|^{2}'],
  ['−(2/N)Xᵀ(y − Xw)', 'X: N×d', '-\\frac{2}{N}X^{\\top}(y - Xw)'],
  ['½‖x‖²', 'x: n', '\\frac{1}{2}\\|x\\|^{2}'],
];

describe('LaTeX fractions', () => {
  for (const [source, where, latex] of CASES) {
    it(`${source} → ${latex}`, () => {
      const node = parse(source, { where }).output.node;
      expect(print(node, 'latex')).toBe(latex);
      expect(parse(latex, { where }).output.node).toBe(node);
    });
  }
});
