// Steps: every sample computation's forward and backward lines are checked numerically against
// the reference evaluator and finite differences; goldens pin the text of three course problems.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findVariable, parse } from '../../src/api.ts';
import { derive, explainLines, renderLatex, renderMarkdown, renderText } from '../../src/steps/index.ts';
import { checkDerivation, deriveComputation, sampleComputations } from './support.ts';

describe('every sample computation, checked numerically line by line', () => {
  for (const { label, computation } of sampleComputations()) {
    it(label, () => {
      const { model, d } = deriveComputation(computation);
      expect(checkDerivation(model, d)).toEqual([]);
      if (computation.layout !== 'gradient') {
        const g = deriveComputation(computation, 'gradient');
        expect(checkDerivation(g.model, g.d)).toEqual([]);
      }
    });
  }
});

describe('the notes’ intermediates', () => {
  const ds102 = () => {
    const model = parse('L = (y − bᵀσ(Ax))²', { where: 'A: h×m; b: h; x: m; y: scalar' });
    return derive(model, ['b', 'A'].map((w) => findVariable(model, w)));
  };

  it('names z₁ … z₄ as DS 102 does, with shapes', () => {
    const text = renderText(ds102());
    for (const line of ['z₁ = Ax', 'z₂ = σ(z₁)', 'z₃ = bᵀz₂', 'z₄ = y − z₃', 'L  = z₄²']) expect(text).toContain(line);
    expect(text).toMatch(/∂L\/∂b = −2z₄z₂\s+\[ℝʰ\]/);
  });

  it('reuses forward intermediates in the backward pass instead of expanding them', () => {
    const d = ds102();
    const A = d.answers.find((a) => a.variable.display === 'A')!;
    const text = renderText(d);
    expect(text).toContain('∂L/∂A = ∂L/∂z₁ · ∂z₁/∂A');
    expect(text).not.toMatch(/∂L\/∂A = .*σ\(Ax\)/);
    expect(A.line.result.shape).toEqual({ rows: 'h', cols: 'm' });
  });

  it('keeps the user’s names in a program, even where the IR flattens them (λR, ŷ − y)', () => {
    const model = parse('z = wx + b\ny = σ(z)\nL = ½(y − t)²\nR = ½w²\nL_reg = L + λR', { where: 'w, x, b, t, λ: scalar' });
    const text = renderText(derive(model, ['w', 'b'].map((w) => findVariable(model, w))));
    expect(text).toContain('L_reg = L + λR');
    expect(text).toMatch(/∂L_reg\/∂R = λ/);
    const mlp = parse('h = relu(W₁x + b₁)\nŷ = W₂h + b₂\nL = ½‖ŷ − y‖²', { where: 'x: n; y: k; W₁: m×n; b₁: m; W₂: k×m; b₂: k' });
    const t2 = renderText(derive(mlp, ['W₂'].map((w) => findVariable(mlp, w))));
    expect(t2).toContain('L = ½‖ŷ − y‖²');
    expect(t2).toMatch(/∂L\/∂W₂ = \(ŷ − y\)hᵀ/);
  });

  it('writes the numerator layout as the EECS 189 solutions do', () => {
    const model = parse('x⁽¹⁾ = W⁽¹⁾x + b\nx⁽²⁾ = Φ(x⁽¹⁾)\nx⁽³⁾ = W⁽²⁾x⁽²⁾\nx⁽⁴⁾ = x⁽³⁾ − y\nℓ = ½‖x⁽⁴⁾‖²', { where: 'W⁽¹⁾, W⁽²⁾: d×d; x, b, y: d; Φ: elementwise' });
    const d = derive(model, ['x', 'W⁽²⁾'].map((w) => findVariable(model, w)), { layout: 'numerator' });
    const text = renderText(d);
    expect(text).toContain('∂ℓ/∂x = x⁽⁴⁾ᵀW⁽²⁾diag(Φ′(x⁽¹⁾))W⁽¹⁾');
    expect(text).toContain('∂ℓ/∂W⁽²⁾ = x⁽²⁾x⁽⁴⁾ᵀ');
    expect(checkDerivation(model, d)).toEqual([]);
  });

  it('writes the Jacobian of every vector step as the matrix a TA writes (z = Wx: W; h = relu(w₁x + b₁): diag(𝟙[…])w₁), checked against finite differences', () => {
    const model = parse('h = relu(w₁x + b₁); ŷ = w₂ᵀh + b₂; L = ½(ŷ − y)²', { where: 'w₁, b₁, w₂: k; x, y, b₂: scalar' });
    for (const layout of ['gradient', 'numerator'] as const) {
      const d = derive(model, ['x', 'w₁'].map((w) => findVariable(model, w)), { layout });
      const x = d.backward.find((l) => l.name.base === 'x')!;
      expect(x.terms.every((t) => t.local !== undefined)).toBe(true);
      expect(renderText(d)).toContain(layout === 'numerator' ? '∂h/∂x = diag(𝟙[xw₁ + b₁ > 0])w₁' : '∂h/∂x = w₁ᵀ diag(𝟙[xw₁ + b₁ > 0])');
      expect(checkDerivation(model, d)).toEqual([]);
    }
    const two = parse('x⁽¹⁾ = W⁽¹⁾x + b\nx⁽²⁾ = Φ(x⁽¹⁾)\nx⁽³⁾ = W⁽²⁾x⁽²⁾\nℓ = ½‖x⁽³⁾ − y‖²', { where: 'W⁽¹⁾, W⁽²⁾: d×d; x, b, y: d; Φ: elementwise' });
    const d = derive(two, [findVariable(two, 'x')], { layout: 'numerator' });
    expect(renderText(d)).toContain('∂x⁽¹⁾/∂x = W⁽¹⁾');
    expect(checkDerivation(two, d)).toEqual([]);
  });

  it('lists the simplifier rules that fired, by name', () => {
    const model = parse('L = −½ tr((αAAᵀ + β⁻¹I)⁻¹BBᵀ)', { where: 'A, B: n×n; α, β: scalar' });
    const d = derive(model, [findVariable(model, 'A')]);
    const lines = explainLines(d);
    expect(lines[0]).toBe('Simplification rules applied');
    const fired = [...d.simplifier.trace.fired.keys()];
    expect(fired.length).toBeGreaterThan(0);
    for (const name of fired) expect(lines.some((l) => l.trim().startsWith(`${name} ×`))).toBe(true);
    expect(renderText(d, { explain: true })).toContain(fired[0]);
  });

  it('renders LaTeX and Markdown with one row per forward step', () => {
    const d = ds102();
    const latex = renderLatex(d);
    expect(latex).toContain('z_{1} &= Ax && \\in \\mathbb{R}^{h}');
    expect(renderMarkdown(d)).toContain('\\begin{aligned}');
  });
});

// Goldens: the text of three course problems. They pin wording and layout; the numbers are
// checked above. Regenerate after an intended change with UPDATE_GOLDEN=1.
const GOLDEN = [
  { file: 'ds102-2bc.txt', expr: 'L = (y − bᵀσ(Ax))²', where: 'A: h×m; b: h; x: m; y: scalar', wrt: ['b', 'A'] },
  { file: 'ece-c147-sections-2-3.txt', expr: 'z = wx + b\ny = σ(z)\nL = ½(y − t)²\nR = ½w²\nL_reg = L + λR', where: 'w, x, b, t, λ: scalar', wrt: ['w', 'b'] },
  { file: 'eecs189-2d.txt', expr: 'x⁽¹⁾ = W⁽¹⁾x + b\nx⁽²⁾ = Φ(x⁽¹⁾)\nx⁽³⁾ = W⁽²⁾x⁽²⁾\nx⁽⁴⁾ = x⁽³⁾ − y\nℓ = ½‖x⁽⁴⁾‖²', where: 'W⁽¹⁾, W⁽²⁾: d×d; x, b, y: d; Φ: elementwise', wrt: ['x', 'W⁽¹⁾', 'W⁽²⁾', 'b'], layout: 'numerator' as const },
];

describe('golden steps', () => {
  for (const g of GOLDEN) {
    it(g.file, () => {
      const model = parse(g.expr, { where: g.where });
      const d = derive(model, g.wrt.map((w) => findVariable(model, w)), { layout: g.layout });
      const text = renderText(d);
      const path = join(import.meta.dirname, 'golden', g.file);
      if (process.env.UPDATE_GOLDEN || !existsSync(path)) writeFileSync(path, text);
      expect(text).toBe(readFileSync(path, 'utf8'));
      expect(checkDerivation(model, d)).toEqual([]);
    });
  }
});
