// The shape of lowered programs: the kernels the issue asks for are the ones chosen. Transposes are
// index swaps (never stored), outer products fuse into the loop that stores them, K⁻¹B is a solve
// (no explicit inverse), tr(AB) and xᵀAy form no product, forward values are reused by the gradient.
import { describe, expect, it } from 'vitest';
import { moduleSpec } from '../../src/compile.ts';
import type { Instr, Program } from '../../src/lower/program.ts';

const gradProgram = (source: string, wrt: string, where: string): Program => moduleSpec(source, { wrt, where }).spec.gradProgram;
const kinds = (p: Program): string[] => p.instrs.map((i) => i.kind);
const count = (p: Program, kind: Instr['kind']): number => p.instrs.filter((i) => i.kind === kind).length;
/** Buffers written by the program that are neither results nor vectors: stored matrix temporaries. */
const matrixTemps = (p: Program) => p.values.filter((v) => v.role === 'temp' && v.rows !== 1 && v.cols !== 1);

describe('lowering', () => {
  it('‖Wx − x‖²: one gemv, the residual stored once, the outer product written into ∂W', () => {
    const p = gradProgram('‖Wx − x‖²', 'W', 'W: n×n; x: n');
    expect(kinds(p)).toEqual(['gemm', 'map', 'sum', 'map']);
    expect(matrixTemps(p)).toEqual([]);
    const last = p.instrs[3] as Extract<Instr, { kind: 'map' }>;
    expect(last.out.role).toBe('result');
  });

  it('the MLP: forward values are reused, W₂ᵀ(ŷ − y) reads W₂ transposed, no matrix temporaries', () => {
    const p = gradProgram('h = relu(W₁x + b₁)\nŷ = W₂h + b₂\nL = ½‖ŷ − y‖²', 'W2,b2,W1,b1', 'x: n; y: k; W₁: m×n; b₁: m; W₂: k×m; b₂: k');
    const gemms = p.instrs.filter((i): i is Extract<Instr, { kind: 'gemm' }> => i.kind === 'gemm');
    expect(gemms).toHaveLength(3); // W₁x, W₂h, W₂ᵀ(ŷ − y)
    expect(gemms.filter((g) => g.a.transposed)).toHaveLength(1);
    expect(matrixTemps(p)).toEqual([]);
  });

  it('tr((αAAᵀ + β⁻¹I)⁻¹BBᵀ): one factorization, one solve shared by the value and both gradients, no inverse', () => {
    const p = gradProgram('L₂ = −½ tr((αAAᵀ + β⁻¹I)⁻¹BBᵀ)', 'A,B', 'A, B: n×n; α, β: scalar');
    expect(count(p, 'factor')).toBe(1);
    expect(count(p, 'solve')).toBe(1);
    expect(count(p, 'inverse')).toBe(0);
    const factor = p.instrs.find((i) => i.kind === 'factor') as Extract<Instr, { kind: 'factor' }>;
    expect(factor.factor.symmetric).toBe(true); // Cholesky first
    const aat = p.instrs.find((i) => i.kind === 'gemm') as Extract<Instr, { kind: 'gemm' }>;
    expect(aat.symmetric).toBe(true); // AAᵀ computes one triangle
  });

  it('log|αAAᵀ + β⁻¹I|: log-determinant from the factor, the gradient by a solve', () => {
    const p = gradProgram('L₁ = −γ/2 · log|αAAᵀ + β⁻¹I|', 'A', 'A: n×n; α, β, γ: scalar');
    expect(count(p, 'logdet')).toBe(1);
    expect(count(p, 'det')).toBe(0);
    expect(count(p, 'solve')).toBe(1);
    expect(count(p, 'inverse')).toBe(0);
  });

  it('tr(AB) and xᵀAy are single reductions: no product is formed', () => {
    const tr = moduleSpec('tr(AB)', { wrt: 'A', where: 'A: n×m; B: m×n' }).spec.valueProgram;
    expect(kinds(tr)).toEqual(['sum']);
    const bilinear = moduleSpec('xᵀAy', { wrt: 'x', where: 'A: n×m; x: n; y: m' }).spec.valueProgram;
    expect(kinds(bilinear)).toEqual(['sum']);
    expect(bilinear.values.filter((v) => v.role === 'temp' && (v.rows !== 1 || v.cols !== 1))).toEqual([]);
  });

  it('σ(Ax): the sigmoid chain of the gradient fuses into the loop that stores ∂A', () => {
    const p = gradProgram('L = (y − bᵀσ(Ax))²', 'b,A', 'A: h×m; b: h; x: m; y: scalar');
    const gradA = p.instrs.find((i) => i.kind === 'map' && i.out.key === 'A');
    expect(gradA).toBeDefined();
    expect(count(p, 'gemm')).toBe(1); // Ax only
    expect(matrixTemps(p)).toEqual([]);
  });
});
