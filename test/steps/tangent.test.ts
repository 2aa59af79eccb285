// Jacobian, Hessian and Hessian-vector-product steps: every line of the tangent pass (its result, its
// local Jacobians, its chain-rule product) and every adjoint binding is checked against central
// differences of the plain IR at random points; the printed answers, typed back in, compute the
// derivative that was checked; goldens pin the text of the textbook cases.
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/api.ts';
import type { Model, VariableInfo } from '../../src/build/index.ts';
import { finiteDifference, rng } from '../../src/check/index.ts';
import type { Tensor } from '../../src/eval/index.ts';
import { evaluate, tensor } from '../../src/eval/index.ts';
import * as C from '../../src/ir/construct.ts';
import { substitute } from '../../src/ir/fold.ts';
import type { Node } from '../../src/ir/node.ts';
import { hessian, jacobian, linearMapTensor } from '../../src/jacobian/index.ts';
import { print } from '../../src/print/index.ts';
import type { TangentDerivation, TangentLine } from '../../src/steps/index.ts';
import { deriveJacobian, deriveSecond, renderTangentLatex, renderTangentMarkdown, renderTangentText, tangentJson } from '../../src/steps/index.ts';
import { numericJacobian, relative, smoothPoints } from '../jacobian/support.ts';

type Var = Extract<Node, { op: 'var' }>;
const asVariable = (n: Node): VariableInfo => ({ key: (n as Var).attr.key, node: n }) as VariableInfo;
const TOL = 1e-5;

/** Every number a tangent derivation prints, against central differences; returns the failures. */
function mismatches(t: TangentDerivation, points = 2, seed = 5): string[] {
  const bad: string[] = [];
  const compare = (what: string, got: ArrayLike<number>, want: ArrayLike<number>) => {
    const e = relative(got, want);
    if (!(e <= TOL)) bad.push(`${what}: ${e}`);
  };
  const random = rng(seed);
  let seen = 0;
  for (const bound of smoothPoints(t.model, seed, points)) {
    seen++;
    const { dims } = bound;
    const values = new Map(bound.values);
    for (const s of t.grouping.steps) values.set((s.symbol as Var).attr.key, evaluate(s.node, bound.values, dims));
    for (const b of t.adjoints) values.set((b.symbol as Var).attr.key, evaluate(b.node, bound.values, dims));
    // The backward pass as bindings: each definition over the symbols is its plain value, and x̄ is the gradient.
    for (const b of t.adjoints) compare(`adjoint ${b.name.base}`, evaluate(b.expr, values, dims).data, evaluate(b.node, bound.values, dims).data);
    for (const [x, b] of t.adjointOf) {
      const v = t.model.variables.find((m) => m.node === x) as VariableInfo;
      compare(`x̄ = ∇f for ${v.display}`, evaluate(b.node, bound.values, dims).data, finiteDifference(t.model.output.node, v, bound.values, dims).data);
    }
    for (const pass of t.passes) {
      const withTangents = new Map(values);
      const directions = new Map<Node, Tensor>();
      for (const [x, dir] of pass.seeds) {
        if (dir === x) continue;
        const r = values.get((x as Var).attr.key) as Tensor;
        const v = tensor(r.rows, r.cols, Array.from({ length: r.data.length }, () => 2 * random() - 1));
        directions.set(x, v);
        withTangents.set((dir as Var).attr.key, v);
      }
      const resultOf = new Map(pass.lines.map((l) => [l.binding.symbol, l.result]));
      const placeholderValues = new Map([...pass.placeholders].map(([p, u]) => [p, resultOf.get(u) as Node]));
      for (const line of pass.lines) {
        const b = line.binding;
        const label = `${t.kind} ${pass.form} line ${b.name.base}${b.name.sub ?? ''}${b.name.accent ? '̄' : ''}`;
        // What the line means: ∂c/∂x (matrix), dc along dX for each unit direction, or dc along v.
        const numeric = (n: Node, vals: Map<string, Tensor>, x: VariableInfo) => numericJacobian(n, x, vals, dims);
        const meaning = (n: Node): ArrayLike<number> => {
          if (pass.form === 'matrix') return evaluate(n, withTangents, dims).data;
          if (t.kind !== 'hvp') {
            const [[, dir]] = [...pass.seeds];
            return linearMapTensor(n, dir, { values: withTangents, dims }).data;
          }
          return evaluate(n, withTangents, dims).data;
        };
        let want: ArrayLike<number>;
        if (t.kind === 'hvp') {
          const sum = new Float64Array(evaluate(b.node, bound.values, dims).data.length);
          for (const [x, v] of directions) {
            const j = numeric(b.node, bound.values, t.model.variables.find((m) => m.node === x) as VariableInfo);
            for (let i = 0; i < sum.length; i++) for (let k = 0; k < v.data.length; k++) sum[i] += j.data[i * v.data.length + k] * v.data[k];
          }
          want = sum;
        } else want = numeric(b.node, bound.values, pass.variable as VariableInfo).data;
        compare(`${label} result`, meaning(line.result), want);
        compare(`${label} result in the variables`, meaning(t.simplifier.simplify(t.expand(line.result))), want);
        compare(`${label} chain-rule product`, meaning(substitute(line.product, placeholderValues)), want);
        for (const term of line.terms) {
          const local = evaluate(term.local, values, dims).data;
          const by = pass.seeds.has(term.via) ? (pass.variable as VariableInfo) : asVariable(term.via);
          compare(`${label} local ∂/∂${(term.via as Var).attr.name.base}`, local, numeric(b.expr, values, by).data);
        }
      }
    }
  }
  if (seen < points) bad.push(`only ${seen} points`);
  return bad;
}

const model = (expr: string, where?: string): Model => parse(expr, { where });
const vars = (m: Model, names: string): VariableInfo[] => names.split(',').map((n) => m.variables.find((v) => v.display === n) as VariableInfo);

const JACOBIANS: [string, string, string | undefined][] = [
  ['tanh(Wx)', 'x', 'W: m×n'],
  ['tanh(Wx)', 'W', 'W: m×n'],
  ['softmax(z)', 'z', undefined],
  ['x ⊙ x', 'x', undefined],
  ['A exp(x)', 'x', 'A: m×n'],
  ['AXB', 'X', 'A: m×n; X: n×p; B: p×q'],
  ['h = relu(W₁x + b₁); ŷ = W₂h + b₂', 'x,W₂,b₁', 'x: n; W₁: m×n; b₁: m; W₂: k×m; b₂: k'],
  ['σ(Ax) ⊙ (Bx) + αx', 'x,α', 'A, B: n×n'],
  ['x/‖x‖', 'x', undefined],
  ['exp(αx)', 'α', undefined],
];

const HESSIANS: [string, string, string | undefined][] = [
  ['𝟙ᵀexp(Ax)', 'x', undefined],
  ['‖Ax − b‖²', 'x', undefined],
  ['𝟙ᵀlog(𝟙 + exp(Xw)) − yᵀXw + ½λ‖w‖²', 'w', 'X: N×d; y: N'],
  ['yᵀAx + ‖x‖²', 'x,y', 'A: m×n'],
  ['−log|X|', 'X', undefined],
  ['tr(XᵀAX)', 'X', 'A: n×n'],
  ['½‖W₂tanh(W₁x) − y‖²', 'x,W₂', 'W₁: m×n; W₂: k×m'],
  ['log(𝟙ᵀexp(x))', 'x', undefined],
  ['α‖x‖⁴ + sin(α)', 'α,x', undefined],
];

describe('Jacobian steps: every line, local Jacobian and product agree with central differences', () => {
  for (const [expr, wrt, where] of JACOBIANS) {
    it(`${expr} by ${wrt}`, () => {
      const m = model(expr, where);
      const t = deriveJacobian(m, vars(m, wrt));
      expect(mismatches(t)).toEqual([]);
      expect(t.passes.every((p) => p.lines.length > 0)).toBe(true);
    });
  }
});

describe('Hessian and HVP steps: forward mode through both passes agrees with central differences of the gradient', () => {
  for (const [expr, wrt, where] of HESSIANS) {
    for (const kind of ['hessian', 'hvp'] as const) {
      it(`${kind} of ${expr} by ${wrt}`, () => {
        const m = model(expr, where);
        const t = deriveSecond(m, vars(m, wrt), kind);
        expect(mismatches(t)).toEqual([]);
      });
    }
  }
});

describe('the checks can fail', () => {
  it('a wrong line (its result doubled, or a local transposed) is reported', () => {
    const m = model('tanh(Wx)', 'W: n×n');
    const t = deriveJacobian(m, vars(m, 'x'));
    const [pass] = t.passes;
    const last = pass.lines[pass.lines.length - 1];
    const doubled = { ...last, result: C.mul(C.num(2), last.result) };
    expect(mismatches({ ...t, passes: [{ ...pass, lines: [...pass.lines.slice(0, -1), doubled] }] }).some((e) => e.includes('result'))).toBe(true);
    const first = pass.lines[0];
    const transposed = { ...first, terms: first.terms.map((x) => ({ ...x, local: C.transpose(x.local) })) };
    expect(mismatches({ ...t, passes: [{ ...pass, lines: [transposed, ...pass.lines.slice(1)] }] }).some((e) => e.includes('local'))).toBe(true);
  });
});

describe('matrix variables: the second differential d²f[dX, dX] = ⟨dX, dX̄⟩', () => {
  for (const [expr, where, printed] of [['−log|X|', undefined, 'd²f[dX, dX] = tr(X⁻¹(dX)X⁻¹(dX))'], ['tr(XᵀAX)', 'A: n×n; X: n×m', 'd²f[dX, dX] = tr((dX)ᵀ(A + Aᵀ)(dX))']] as const) {
    it(`${expr}: ${printed}, against central differences of the gradient along a random E`, () => {
      const m = model(expr, where);
      const X = vars(m, 'X')[0];
      const t = deriveSecond(m, [X], 'hessian');
      expect(renderTangentText(t)).toContain(printed);
      const bilinear = t.secondDifferentials.get(X) as Node;
      const dX = t.passes[0].seeds.get(X.node) as Var;
      const gradient = t.adjointOf.get(X.node)?.node as Node;
      const random = rng(3);
      let points = 0;
      for (const bound of smoothPoints(m, 21, 2)) {
        const x = bound.values.get(X.key) as Tensor;
        const E = tensor(x.rows, x.cols, Array.from({ length: x.data.length }, () => 2 * random() - 1));
        const h = 1e-6;
        const at = (sign: number) => evaluate(gradient, new Map(bound.values).set(X.key, tensor(x.rows, x.cols, x.data.map((v, i) => v + sign * h * E.data[i]))), bound.dims).data;
        const [plus, minus] = [at(1), at(-1)];
        const numeric = E.data.reduce((sum, e, i) => sum + e * (plus[i] - minus[i]) / (2 * h), 0);
        const symbolic = evaluate(t.expand(bilinear), new Map(bound.values).set(dX.attr.key, E), bound.dims).data[0];
        expect(Math.abs(symbolic - numeric) / Math.max(1, Math.abs(numeric))).toBeLessThan(1e-6);
        points++;
      }
      expect(points).toBe(2);
    });
  }
});

describe('the printed steps', () => {
  it('tanh(Wx): the Jacobian of each step, then diag(𝟙 − f^∘2)W (issue #11 form)', () => {
    const m = model('tanh(Wx)', 'W: m×n');
    const text = renderTangentText(deriveJacobian(m, vars(m, 'x')));
    expect(text).toContain('z₁ = Wx');
    expect(text).toContain('∂z₁/∂x = W   [ℝᵐˣⁿ]');
    expect(text).toContain('∂f/∂x = ∂f/∂z₁ · ∂z₁/∂x,   ∂f/∂z₁ = diag(𝟙 − f^∘²)');
    expect(text).toContain('= diag(𝟙 − tanh(Wx)^∘²)W   [ℝᵐˣⁿ]');
  });

  it('𝟙ᵀexp(Ax): the backward pass as bindings, then Aᵀdiag(exp(Ax))A, the same as chainrule hessian', () => {
    const m = model('𝟙ᵀexp(Ax)');
    const text = renderTangentText(deriveSecond(m, vars(m, 'x'), 'hessian'));
    expect(text).toContain('x̄ = Aᵀz̄₁');
    expect(text).toContain('∂x̄/∂x = ∂x̄/∂z̄₁ · ∂z̄₁/∂x,   ∂x̄/∂z̄₁ = Aᵀ');
    expect(text).toMatch(/∂²f\/∂x² = ∂x̄\/∂x = Aᵀ diag\(z₂\)A\n\s+= Aᵀ diag\(exp\(Ax\)\)A/);
    expect(text).toContain(hessian(m, ['x']).blocks[0].unicode);
  });

  it('the HVP along v: Aᵀ(exp(Ax) ⊙ Av), the same as chainrule hessian --hvp', () => {
    const m = model('𝟙ᵀexp(Ax)');
    const text = renderTangentText(deriveSecond(m, vars(m, 'x'), 'hvp'));
    expect(text).toContain('dz₁ = Av');
    expect(text).toMatch(/∇²f·v = dx̄ = Aᵀ\(z₂ ⊙ Av\)\n\s+= Aᵀ\(exp\(Ax\) ⊙ Av\)/);
  });

  it('a matrix by a matrix: the differential, as chainrule jacobian prints it', () => {
    const m = model('AXB', 'A: m×n; X: n×p; B: p×q');
    const text = renderTangentText(deriveJacobian(m, vars(m, 'X')));
    expect(text).toContain('df = A(dX)B');
    expect(jacobian(m, ['X']).jacobians[0].unicode.split('\n')[0]).toBe('df = A(dX)B');
  });

  it('LaTeX, Markdown and JSON carry the same lines', () => {
    const m = model('tanh(Wx)', 'W: m×n');
    const t = deriveJacobian(m, vars(m, 'x'));
    const latex = renderTangentLatex(t);
    expect(latex).toContain('\\frac{\\partial f}{\\partial x} &= \\frac{\\partial f}{\\partial z_{1}} \\frac{\\partial z_{1}}{\\partial x}');
    expect(renderTangentMarkdown(t)).toContain('\\begin{aligned}');
    const json = tangentJson(t) as { passes: { lines: { result: string }[] }[] };
    expect(json.passes[0].lines.map((l) => l.result)).toEqual(['W', 'diag(𝟙 − f^∘²)W']);
  });
});

describe('each printed answer, typed back after the forward pass, computes the checked derivative', () => {
  const cases: [string, string, string | undefined, 'jacobian' | 'hessian'][] = [
    // (Answers with a Hadamard power, tanh(Wx)^∘2, print a form the parser does not read yet.)
    ['softmax(z)', 'z', undefined, 'jacobian'],
    ['A exp(x)', 'x', 'A: m×n', 'jacobian'],
    ['x ⊙ x', 'x', undefined, 'jacobian'],
    ['h = relu(W₁x + b₁); ŷ = W₂h + b₂', 'x', 'x: n; W₁: m×n; b₁: m; W₂: k×m; b₂: k', 'jacobian'],
    ['𝟙ᵀexp(Ax)', 'x', undefined, 'hessian'],
    ['‖Ax − b‖²', 'x', undefined, 'hessian'],
    ['½xᵀAx', 'x', undefined, 'hessian'],
  ];
  for (const [expr, wrt, where, kind] of cases) {
    it(`${kind} of ${expr}`, () => {
      const m = model(expr, where);
      const x = vars(m, wrt)[0];
      const t = kind === 'jacobian' ? deriveJacobian(m, [x]) : deriveSecond(m, [x], 'hessian');
      // The answer's line, written in the variables, printed as ASCII (the Unicode Hadamard power ^∘² does not parse yet).
      const target = kind === 'jacobian' ? m.output.node : t.adjointOf.get(x.node)?.node;
      const line = t.passes[0].lines.find((l) => l.binding.node === target) as TangentLine;
      const answer = print(t.simplifier.simplify(t.expand(line.result)), 'ascii');
      const typed = parse(answer, { where: [where, m.variables.map((v) => `${v.display}: ${shapeWords(v)}`).join('; ')].filter(Boolean).join('; ') });
      const of = kind === 'jacobian' ? m.output.node : (t.adjointOf.get(x.node)?.node as Node);
      let checked = 0;
      for (const bound of smoothPoints(m, 9, 2)) {
        const values = new Map([...bound.values].map(([k, v]) => [typed.variables.find((tv) => tv.display === m.variables.find((mv) => mv.key === k)?.display)?.key ?? k, v]));
        expect(relative(evaluate(typed.output.node, values, bound.dims).data, numericJacobian(of, x, bound.values, bound.dims).data), answer).toBeLessThan(TOL);
        checked++;
      }
      expect(checked).toBe(2);
    });
  }
});

function shapeWords(v: VariableInfo): string {
  const { rows, cols } = v.shape;
  if (rows === 1 && cols === 1) return 'scalar';
  return cols === 1 ? String(rows) : `${rows}×${cols}`;
}
