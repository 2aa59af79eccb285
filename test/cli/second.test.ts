// jacobian and hessian as a user meets them: real processes, exit codes, the JSON shapes.
import { describe, expect, it } from 'vitest';
import { chainrule, jsonFiles } from './support.ts';

const file = jsonFiles('chainrule-second-');

describe('chainrule steps on a vector output, --hessian, --hvp', () => {
  it('a vector output gets its Jacobian step by step (forward mode), no longer a refusal', () => {
    const r = chainrule(['steps', 'tanh(Wx)', '--wrt', 'x', '--where', 'W: m×n']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('∂z₁/∂x = W   [ℝᵐˣⁿ]');
    expect(r.stdout).toContain('∂f/∂x = ∂f/∂z₁ · ∂z₁/∂x,   ∂f/∂z₁ = diag(𝟙 − f^∘²)');
    expect(r.stdout).toContain('= diag(𝟙 − tanh(Wx)^∘²)W   [ℝᵐˣⁿ]');
  });

  it('--hessian and --hvp go through the backward pass; latex and json formats', () => {
    const h = chainrule(['steps', '𝟙ᵀexp(Ax)', '--wrt', 'x', '--hessian']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('x̄ = Aᵀz̄₁');
    expect(h.stdout).toContain('= Aᵀ diag(exp(Ax))A   [ℝᵐˣᵐ]');
    const v = chainrule(['steps', '𝟙ᵀexp(Ax)', '--wrt', 'x', '--hvp', '--format', 'json']);
    const json = JSON.parse(v.stdout) as { kind: string; answers: { expanded: string }[] };
    expect(json.kind).toBe('hvp');
    expect(json.answers[0].expanded).toBe('Aᵀ(exp(Ax) ⊙ Av)');
    const l = chainrule(['steps', '𝟙ᵀexp(Ax)', '--wrt', 'x', '--hessian', '--format', 'latex']);
    expect(l.stdout).toContain('\\begin{align*}');
    expect(chainrule(['steps', '‖x‖²', '--wrt', 'x', '--hessian', '--hvp']).code).toBe(2);
  });
});

describe('chainrule jacobian', () => {
  it('prints the matrix form in numerator layout, and its transpose with --layout gradient', () => {
    expect(chainrule(['jacobian', 'tanh(Wx)', '--wrt', 'x', '--where', 'W: m×n']).stdout.trim()).toBe('diag(𝟙 − tanh(Wx)^∘²)W');
    const r = chainrule(['jacobian', 'Xθ', '--wrt', 'θ', '--where', 'X: N×d', '--layout', 'gradient']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('Xᵀ');
  });

  it('prints a matrix by a matrix as a differential with its Kronecker form and the convention', () => {
    const r = chainrule(['jacobian', 'AXB', '--wrt', 'X', '--where', 'A: m×n; X: n×p; B: p×q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('df = A(dX)B');
    expect(r.stdout).toContain('vec(df) = (Bᵀ ⊗ A) vec(dX)');
    expect(r.stdout).toContain('vec stacks columns');
  });

  it('--at --format json gives shape(f) × shape(x) nested arrays keyed by the name as written', () => {
    const r = chainrule(['jacobian', 'softmax(z)', '--wrt', 'z', '--at', file('z.json', { z: [1, 2, 3] }), '--format', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { jacobian: { z: number[][] } };
    const s = [1, 2, 3].map(Math.exp);
    const total = s.reduce((a, b) => a + b);
    const p = s.map((x) => x / total);
    expect(out.jacobian.z).toHaveLength(3);
    out.jacobian.z.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo((i === j ? p[i] : 0) - p[i] * p[j], 12)));
  });

  it('a matrix by a matrix gives the four-index array', () => {
    const r = chainrule(['jacobian', 'AX', '--wrt', 'X', '--at', file('ax.json', { A: [[1, 2], [3, 4], [5, 6]], X: [[1, 0], [0, 1]] }), '--format', 'json']);
    const j = (JSON.parse(r.stdout) as { jacobian: { X: number[][][][] } }).jacobian.X;
    // ∂(AX)_{ij}/∂X_{kl} = A_{ik} δ_{jl}
    expect(j[2][1][1][1]).toBe(6);
    expect(j[2][1][1][0]).toBe(0);
    expect(j[0][0][1][0]).toBe(2);
  });

  it('refuses an unknown layout with exit code 2', () => {
    const r = chainrule(['jacobian', 'Ax', '--wrt', 'x', '--layout', 'denominator']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toBe("error: option '--layout <layout>' argument 'denominator' is invalid. Allowed choices are gradient, numerator.");
  });
});

describe('chainrule hessian', () => {
  it('prints the textbook form a new user expects', () => {
    const r = chainrule(['hessian', '𝟙ᵀexp(Ax)', '--wrt', 'x']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('Aᵀ diag(exp(Ax))A');
  });

  it('mixed blocks, the Hessian-vector product, and a clear refusal for a vector output', () => {
    expect(chainrule(['hessian', 'yᵀAx', '--wrt', 'x,y', '--where', 'A: m×n']).stdout).toContain('∂²f/∂x∂y = Aᵀ');
    expect(chainrule(['hessian', '‖Ax − b‖²', '--wrt', 'x', '--hvp']).stdout.trim()).toBe('∇²f·v = 2AᵀAv');
    // Several variables: the joint product, one direction part per variable, the mixed blocks included.
    // A zero block of a scalar by a matrix prints as 0, not 0ᵀ.
    expect(chainrule(['hessian', 'λ/2·‖w‖² + α·tr(XᵀX)', '--wrt', 'λ,X']).stdout.split('\n')[1]).toBe('∂²f/∂λ∂X = 0');
    expect(chainrule(['hessian', 'yᵀAx + ‖x‖²', '--wrt', 'x,y', '--hvp']).stdout.trim().split('\n')).toEqual(['v = (v_x, v_y)', '(∇²f·v)_x = Aᵀv_y + 2v_x', '(∇²f·v)_y = Av_x']);
    expect(chainrule(['hessian', 'α‖x‖²', '--wrt', 'x,α', '--hvp', '--format', 'latex']).stdout.trim().split('\n')[0]).toBe('v = (v_{x}, v_{\\alpha})');
    const r = chainrule(['hessian', 'Ax', '--wrt', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('chainrule jacobian');
  });

  it('--at --format json gives shape(x) × shape(x) nested arrays', () => {
    const r = chainrule(['hessian', '‖Ax − b‖²', '--wrt', 'x', '--at', file('ls.json', { A: [[1, 2], [3, 4], [5, 6]], x: [1, 1], b: [0, 0, 0] }), '--format', 'json']);
    expect(r.code).toBe(0);
    // 2AᵀA = 2[[35, 44], [44, 56]]
    expect((JSON.parse(r.stdout) as { hessian: { x: number[][] } }).hessian.x).toEqual([[70, 88], [88, 112]]);
  });
});

describe('chainrule check --jacobian / --hessian', () => {
  it('checks every printed Jacobian and Hessian block against finite differences', () => {
    const j = chainrule(['check', 'tanh(Wx)', '--wrt', 'x,W', '--where', 'W: m×n', '--jacobian', '--format', 'json']);
    expect(j.code).toBe(0);
    const jc = JSON.parse(j.stdout) as { ok: boolean; checks: { block: string; relativeError: number; points: number }[] };
    expect(jc.checks.map((c) => c.block)).toEqual(['x', 'W']);
    for (const c of jc.checks) expect(c.relativeError).toBeLessThan(1e-6);
    const h = chainrule(['check', '−log|X| + yᵀAx', '--wrt', 'X,x,y', '--where', 'A: m×n', '--hessian']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('ok   ∂²/∂x,y: Aᵀ');
    expect(h.stdout).toContain('d²f[dX, dX] = tr(X⁻¹(dX)X⁻¹(dX))');
  });
});
