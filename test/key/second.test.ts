// Answer keys that ask for a Jacobian or a Hessian in a part ("derivative": "jacobian" | "hessian"):
// the printed matrix form, typed back in, agrees with central differences; every line of the steps
// the key prints is checked numerically (test/steps/tangent.test.ts checks the same derivations);
// the LaTeX, Markdown and HTML keys carry the forms, and the LaTeX key compiles.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../src/api.ts';
import { evaluate } from '../../src/eval/index.ts';
import type { Node } from '../../src/ir/node.ts';
import type { SolvedSheet } from '../../src/key/index.ts';
import { compilePdf, hasPdflatex, MathRenderer, parseSheet, solveSheets, toHtml, toLatexDocument, toMarkdown } from '../../src/key/index.ts';
import { print } from '../../src/print/index.ts';
import { linearMapTensor } from '../../src/jacobian/index.ts';
import { numericJacobian, relative, smoothPoints } from '../jacobian/support.ts';

const SHEET = {
  sheet: 'Second derivatives',
  course: 'Jacobians and Hessians (Matrix Cookbook §2; Boyd and Vandenberghe §3.1.4)',
  problems: [
    {
      id: 1,
      title: 'A tanh layer',
      statement: 'Let $f(x) = \\tanh(Wx)$ with $W \\in \\mathbb{R}^{m \\times n}$.',
      parts: [
        { id: 'a', statement: 'Find the Jacobian $\\partial f/\\partial x$.', expr: 'tanh(Wx)', where: 'W: m×n', wrt: ['x'], derivative: 'jacobian' },
        { id: 'b', statement: 'Find $\\partial f/\\partial W$ as a differential.', expr: 'tanh(Wx)', where: 'W: m×n', wrt: ['W'], derivative: 'jacobian', show: ['answers'] },
      ],
    },
    {
      id: 2,
      title: 'Logistic regression',
      statement: 'The regularised negative log-likelihood of logistic regression.',
      parts: [
        { id: 'a', statement: 'Find the Hessian in $w$.', expr: '𝟙ᵀlog(𝟙 + exp(Xw)) − yᵀXw + ½λ‖w‖²', where: 'X: N×d; y: N', wrt: ['w'], derivative: 'hessian' },
        { id: 'b', statement: 'Find $\\nabla^2 f$ for $f = \\mathbb{1}^\\top \\exp(Ax)$.', expr: '𝟙ᵀexp(Ax)', wrt: ['x'], derivative: 'hessian' },
      ],
    },
  ],
};

let solved: SolvedSheet[];
beforeAll(async () => {
  solved = await solveSheets([parseSheet('second.json', JSON.stringify(SHEET))]);
});

const solutions = () => solved.flatMap((s) => s.problems.flatMap((p) => p.parts.flatMap((q) => q.solutions)));

describe('problem files can ask for a Jacobian or a Hessian', () => {
  it('validates "derivative" and refuses a graph for a Jacobian part', () => {
    const bad = (part: object) => JSON.stringify({ sheet: 's', problems: [{ id: 1, title: 't', parts: [{ id: 'a', statement: 's', expr: 'Ax', ...part }] }] });
    expect(() => parseSheet('bad.json', bad({ derivative: 'laplacian' }))).toThrow(/"derivative" is "gradient", "jacobian", "hessian"/);
    expect(() => parseSheet('bad.json', bad({ derivative: 'jacobian', show: ['graph'] }))).toThrow(/no computation graph/);
    expect(parseSheet('ok.json', bad({ derivative: 'jacobian' })).problems[0].parts[0].compute[0].show).not.toContain('graph');
  });

  it('prints each answer in matrix form; typed back in, it agrees with central differences', () => {
    const cases: { expr: string; where?: string; wrt: string; kind: 'jacobian' | 'hessian'; unicode: RegExp }[] = [
      { expr: 'tanh(Wx)', where: 'W: m×n', wrt: 'x', kind: 'jacobian', unicode: /^diag\(𝟙 − tanh\(Wx\)\^∘²\)W$/ },
      { expr: '𝟙ᵀlog(𝟙 + exp(Xw)) − yᵀXw + ½λ‖w‖²', where: 'X: N×d; y: N', wrt: 'w', kind: 'hessian', unicode: /^λI \+ Xᵀ/ },
      { expr: '𝟙ᵀexp(Ax)', wrt: 'x', kind: 'hessian', unicode: /^Aᵀ diag\(exp\(Ax\)\)A$/ },
    ];
    for (const c of cases) {
      const sol = solutions().find((s) => s.computation.expr === c.expr && s.computation.wrt[0] === c.wrt) as (typeof solved)[0]['problems'][0]['parts'][0]['solutions'][0];
      const second = sol.second;
      expect(second?.kind).toBe(c.kind);
      const [answer] = sol.answers;
      expect(answer.expanded?.unicode ?? answer.named.unicode).toMatch(c.unicode);
      // The node the key printed (the answer line, written in the variables), printed as ASCII and parsed again.
      const x = sol.model.variables.find((v) => v.display === c.wrt)!;
      const target = c.kind === 'jacobian' ? sol.model.output.node : second!.adjointOf.get(x.node)!.node;
      const line = second!.passes[0].lines.find((l) => l.binding.node === target)!;
      const node = second!.simplifier.simplify(second!.expand(line.result));
      const declared = sol.model.variables.map((v) => `${v.display}: ${v.shape.cols === 1 ? (v.shape.rows === 1 ? 'scalar' : v.shape.rows) : `${v.shape.rows}×${v.shape.cols}`}`).join('; ');
      let typed: Node | undefined;
      try {
        typed = parse(print(node, 'ascii'), { where: declared }).output.node;
      } catch {
        typed = undefined; // a Hadamard power (tanh(Wx)^∘2) prints a form the parser does not read yet: the node is checked
      }
      let points = 0;
      for (const bound of smoothPoints(sol.model, 11, 2)) {
        const want = numericJacobian(target, x, bound.values, bound.dims).data;
        expect(relative(evaluate(node, bound.values, bound.dims).data, want)).toBeLessThan(1e-5);
        if (typed) {
          const byName = new Map([...bound.values].map(([k, v]) => [sol.model.variables.find((m) => m.key === k)!.display, v]));
          const model = parse(print(node, 'ascii'), { where: declared });
          const values = new Map(model.variables.map((v) => [v.key, byName.get(v.display)!]));
          expect(relative(evaluate(typed, values, bound.dims).data, want)).toBeLessThan(1e-5);
        }
        points++;
      }
      expect(points).toBe(2);
      if (c.expr === '𝟙ᵀexp(Ax)') expect(typed).toBeDefined();
    }
  });

  it('the differential where there is no matrix form (∂f/∂W)', () => {
    const sol = solutions().find((s) => s.computation.wrt[0] === 'W')!;
    expect(sol.answers[0].symbol.unicode).toBe('df');
    expect(sol.answers[0].named.unicode).toBe('(𝟙 − f^∘²) ⊙ (dW)x');
    // The differential the key prints, along each unit direction dW = Eᵢⱼ, is the column ∂f/∂Wᵢⱼ.
    const pass = sol.second!.passes[0];
    const line = pass.lines.find((l) => l.binding.node === sol.model.output.node)!;
    const [[W, dW]] = [...pass.seeds];
    const variable = sol.model.variables.find((v) => v.node === W)!;
    let points = 0;
    for (const bound of smoothPoints(sol.model, 13, 2)) {
      const steps = new Map(bound.values);
      for (const st of sol.second!.grouping.steps) steps.set((st.symbol as Extract<Node, { op: 'var' }>).attr.key, evaluate(st.node, bound.values, bound.dims));
      expect(relative(linearMapTensor(line.result, dW, { values: steps, dims: bound.dims }).data, numericJacobian(sol.model.output.node, variable, bound.values, bound.dims).data)).toBeLessThan(1e-5);
      points++;
    }
    expect(points).toBe(2);
  });
});

describe('the keys render the parts', () => {
  it('LaTeX, Markdown and HTML carry the answers, the backward pass as bindings and the tangent passes', () => {
    const tex = toLatexDocument(solved);
    const md = toMarkdown(solved, () => 'graph.svg');
    const m = new MathRenderer();
    const html = toHtml(solved, m);
    for (const doc of [tex, md]) {
      expect(doc).toContain('\\operatorname{diag}');
      expect(doc).toContain('Jacobian pass');
      expect(doc).toContain('Hessian pass');
      expect(doc).toContain('\\bar{x} &= A^{\\top}\\bar{z}_{1}');
    }
    expect(html).toContain('Hessian pass');
    expect(m.formulas.some((f) => f.tex.includes('\\frac{\\partial^2 f}{\\partial x^2}'))).toBe(true);
    // No computation graph for the Jacobian parts, one for each Hessian part.
    expect((html.match(/<figure class="graph">/g) ?? []).length).toBe(2);
  });

  it.skipIf(!hasPdflatex())('the LaTeX key compiles with pdflatex', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chainrule-second-key-'));
    const path = join(dir, 'second.tex');
    writeFileSync(path, toLatexDocument(solved));
    const result = compilePdf(path);
    expect(result.errors).toEqual([]);
    expect(result.log).not.toMatch(/Undefined control sequence|Missing \$ inserted/);
    expect(existsSync(result.pdf as string)).toBe(true);
    expect(readFileSync(result.pdf as string).subarray(0, 4).toString()).toBe('%PDF');
  });
});
