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
  it('Xᵀdiag(s)X (the logistic-regression Hessian): the diagonal scales the rows of X, never stored N×N', () => {
    const spec = moduleSpec('𝟙ᵀlog(𝟙 + exp(−y ⊙ (Xw)))', { wrt: 'w', where: 'X: N×d', hessian: true }).spec;
    const p = (spec.second as NonNullable<typeof spec.second>).hessianProgram;
    expect(p.values.filter((v) => v.rows === 'N' && v.cols === 'N')).toEqual([]);
    expect(matrixTemps(p).map((v) => [v.rows, v.cols])).toEqual([['N', 'd']]); // s ⊙ rows of X, read by the one gemm
    expect(count(p, 'gemm')).toBe(1);
  });

  it('‖Wx − x‖²: the gemv, the residual and its square in one row loop; the outer product written into ∂W', () => {
    const p = gradProgram('‖Wx − x‖²', 'W', 'W: n×n; x: n');
    expect(kinds(p)).toEqual(['loop', 'map']);
    const nest = p.instrs[0] as Extract<Instr, { kind: 'loop' }>;
    expect(nest.body.map((m) => m.kind)).toEqual(['reduce']); // (Wx)ᵢ = Σⱼ Wᵢⱼxⱼ
    expect(nest.epilogue.map((m) => m.kind)).toEqual(['map', 'sum']); // rᵢ = (Wx)ᵢ − xᵢ, Σ rᵢ²
    expect([...nest.locals].map((v) => v.label)).toEqual(['Wx']); // Wx is never stored …
    expect(nest.epilogue[0].out.role).toBe('temp'); // … the residual is: 2rxᵀ reads it
    expect(nest.locals.has(nest.epilogue[0].out)).toBe(false);
    expect(matrixTemps(p)).toEqual([]);
    const last = p.instrs[1] as Extract<Instr, { kind: 'map' }>;
    expect(last.out.role).toBe('result');
    // Without the gradient nothing reads the residual afterwards: value() stores no vector at all.
    const value = moduleSpec('‖Wx − x‖²', { wrt: 'W', where: 'W: n×n; x: n' }).spec.valueProgram;
    expect(kinds(value)).toEqual(['loop']);
    const locals = (value.instrs[0] as Extract<Instr, { kind: 'loop' }>).locals;
    expect(value.values.filter((v) => v.role === 'temp' && v.rows !== 1 && !locals.has(v))).toEqual([]);
  });

  it('the MLP: each gemv fuses its bias, relu and loss; W₂ᵀ(ŷ − y) reads W₂ along rows; no matrix temporaries', () => {
    const p = gradProgram('h = relu(W₁x + b₁)\nŷ = W₂h + b₂\nL = ½‖ŷ − y‖²', 'W2,b2,W1,b1', 'x: n; y: k; W₁: m×n; b₁: m; W₂: k×m; b₂: k');
    expect(count(p, 'gemm')).toBe(0);
    const reduces = p.instrs.flatMap((i) => (i.kind === 'reduce' ? [i] : i.kind === 'loop' ? i.body.filter((m) => m.kind === 'reduce') : []));
    expect(reduces.map((r) => r.along)).toEqual(['j', 'j', 'i']); // W₁x, W₂h by rows; W₂ᵀr by columns of W₂
    const first = p.instrs[0] as Extract<Instr, { kind: 'loop' }>;
    expect(first.epilogue.map((m) => m.out.label)).toEqual(['W₁x + b₁', 'relu(W₁x + b₁)']);
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
    expect(count(p, 'gemm')).toBe(0);
    const nest = p.instrs[0] as Extract<Instr, { kind: 'loop' }>; // Ax, σ(Ax) and bᵀσ(Ax) in one row loop
    expect(nest.body.map((m) => m.kind)).toEqual(['reduce']);
    expect(nest.epilogue.map((m) => m.kind)).toEqual(['map', 'sum']);
    expect(matrixTemps(p)).toEqual([]);
  });

  describe('products with a ones vector never store 𝟙', () => {
    const ones = (p: Program) => p.values.filter((v) => v.label.includes('product factor') || v.label === '𝟙');
    it('X𝟙 is a row sum, 𝟙ᵀX a column sum, 𝟙ᵀx a sum, x𝟙ᵀ a broadcast into its consumer', () => {
      const p = gradProgram('‖X𝟙 − u‖² + ‖𝟙ᵀX − vᵀ‖² + 𝟙ᵀx + ‖x𝟙ᵀ − X‖²', 'X,x', 'X: n×m; u, x: n; v: m');
      expect(ones(p)).toEqual([]);
      const reduces = p.instrs.flatMap((i) => (i.kind === 'reduce' ? [i] : i.kind === 'loop' ? [...i.body, ...i.epilogue].filter((m) => m.kind === 'reduce') : []));
      expect(reduces.find((r) => r.out.label === 'X𝟙')?.along).toBe('j');
      expect(reduces.find((r) => r.out.label === '𝟙ᵀX')?.along).toBe('i');
      expect(p.values.filter((v) => v.role === 'temp' && v.label === 'x𝟙ᵀ')).toEqual([]);
    });

    it('the bias gradient of a batched loss, (…)𝟙, is a row sum fused with the masked adjoint that feeds ∂W₁', () => {
      const p = gradProgram('H = relu(W₁X + b₁𝟙ᵀ)\nŶ = W₂H + b₂𝟙ᵀ\nL = ½‖Ŷ − Y‖²/B', 'W₁,b₁,W₂,b₂', 'W₁: h; b₁: h; W₂: 1×h; b₂: scalar; X: 1×B; Y: 1×B');
      expect(ones(p)).toEqual([]);
      expect(count(p, 'gemm')).toBe(0);
      const nests = p.instrs.filter((i): i is Extract<Instr, { kind: 'loop' }> => i.kind === 'loop');
      // Forward: W₁X + b₁𝟙ᵀ, relu and the column sums W₂H in one pass.
      expect(nests[0].body.map((m) => m.kind)).toEqual(['map', 'map', 'reduce']);
      // Backward: the masked adjoint (local, never stored) and the row sums ∂W₁, ∂b₁, ∂W₂ in one pass.
      const backward = nests.find((n) => n.body.some((m) => m.out.key === 'b1')) as Extract<Instr, { kind: 'loop' }>;
      expect(backward.body.map((m) => m.out.key ?? 'local').sort()).toEqual(['W1', 'W2', 'b1', 'local']);
      expect(backward.locals.size).toBe(1);
    });
  });

  it('a layer W₁X + b₁𝟙ᵀ with many inputs: bias and relu run in the loop of the product, each row while it is in cache', () => {
    const p = gradProgram('H = relu(W₁X + b₁𝟙ᵀ)\nŶ = W₂H + b₂𝟙ᵀ\nL = ½‖Ŷ − Y‖²/B', 'W₁,b₁,W₂,b₂', 'X: n×B; Y: k×B; W₁: m×n; b₁: m; W₂: k×m; b₂: k');
    const nests = p.instrs.filter((i): i is Extract<Instr, { kind: 'loop' }> => i.kind === 'loop');
    expect(nests[0].head?.out.label).toBe('W₁X');
    expect(nests[0].body.map((m) => m.out.label)).toEqual(['W₁X + b₁𝟙ᵀ', 'relu(W₁X + b₁𝟙ᵀ)']);
    // W₂H heads the loss: Ŷ − Y, ‖·‖² and ∂b₂ = B⁻¹(Ŷ − Y)𝟙 in its loop; W₂ᵀ(Ŷ − Y) heads the mask and ∂b₁.
    expect(nests[1].head?.out.label).toBe('W₂H');
    expect(nests[2].head?.out.label).toBe('W₂ᵀ(Ŷ − Y)');
    expect(nests[2].body.some((m) => m.out.key === 'b1')).toBe(true);
    // AAᵀ computes one triangle and mirrors it: it heads nothing.
    const k = gradProgram('‖AAᵀ + I‖²', 'A', 'A: n×n');
    expect(k.instrs.some((i) => i.kind === 'loop' && i.head?.symmetric)).toBe(false);
  });
});
