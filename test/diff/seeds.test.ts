// Every course problem of test/fixtures/seeds.json with an `expected` answer: parsed with its
// declarations, differentiated with respect to each variable, checked against central finite
// differences of the reference evaluator at several random points and sizes, and printed in the
// expected textbook form or an equally compact one (never longer). Multi-expression sources (the
// building blocks `a + b; a − b; …`) are differentiated one expression at a time, their names
// declared scalars. Abstract Φ/φ evaluate as tanh (DEFAULT_ABSTRACT).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bindValues, differentiate, evaluateNode, parse } from '../../src/api.ts';
import type { Model } from '../../src/build/index.ts';
import { checkGradients } from '../../src/check/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Problem {
  readonly id: string;
  readonly source: string;
  readonly where?: string;
  readonly wrt?: readonly string[];
  readonly expected?: Readonly<Record<string, string>>;
  readonly printed?: Readonly<Record<string, string>>;
  readonly at?: Readonly<Record<string, number | number[]>>;
  readonly expected_values?: Readonly<Record<string, number | number[]>>;
}

const { problems } = JSON.parse(readFileSync(path.resolve(repoRoot, 'test/fixtures/seeds.json'), 'utf8')) as { problems: Problem[] };

/** Printed forms are compared without the spaces the answer keys put between factors for legibility. */
const compact = (s: string): string => s.replace(/\s+/g, '');
/** Length in code points, as a reader counts symbols. */
const symbols = (s: string): number => [...compact(s)].length;

/** One differentiation task: a source (one expression of a multi-expression problem, or the whole
 * program), its declarations, and for each variable the expected Unicode (and LaTeX) form. */
interface Task {
  readonly source: string;
  readonly where?: string;
  readonly expected: ReadonlyMap<string, { unicode: string; latex?: string }>;
}

/** Is `source` a list of independent expressions (`σ(x); relu(x)`) rather than a program? */
const isExpressionList = (p: Problem): boolean => p.source.includes(';') && !p.source.includes('=');

/** `∂/∂a = 1, ∂/∂b = −1` → {a: '1', b: '−1'}. */
function perVariable(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(/,\s*(?=∂\/∂)/)) {
    const m = /^∂\/∂(\S+)\s*=\s*(.+)$/.exec(part.trim());
    if (!m) throw new Error(`cannot read the expected derivative ${JSON.stringify(part)}`);
    out.set(m[1], m[2]);
  }
  return out;
}

function tasksOf(p: Problem): Task[] {
  const expected = p.expected ?? {};
  if (!isExpressionList(p)) {
    const forms = new Map(Object.entries(expected).map(([v, unicode]) => [v, { unicode, latex: p.printed?.[v] }]));
    return [{ source: p.source, where: p.where, expected: forms }];
  }
  // Expected answers are keyed by the expression (`a·b`) or by its function (`σ` for `σ(x)`).
  return p.source.split(';').map((s) => s.trim()).map((source) => {
    const key = Object.keys(expected).find((k) => k === source || source.startsWith(`${k}(`));
    if (key === undefined) throw new Error(`${p.id}: no expected answer for ${source}`);
    const answer = expected[key];
    const forms = new Map<string, { unicode: string; latex?: string }>();
    if (answer.includes('∂/∂')) for (const [v, unicode] of perVariable(answer)) forms.set(v, { unicode });
    else for (const v of p.wrt ?? []) forms.set(v, { unicode: answer });
    // The building blocks are scalar functions: declare every name they use a scalar.
    const names = [...forms.keys()];
    return { source, where: `${names.join(', ')}: scalar`, expected: forms };
  });
}

const withAnswers = problems.filter((p) => p.expected !== undefined && p.wrt !== undefined);

describe('seed problems (test/fixtures/seeds.json)', () => {
  it('has problems with expected answers to test', () => {
    expect(withAnswers.length).toBeGreaterThanOrEqual(10);
  });

  for (const problem of withAnswers) {
    describe(problem.id, () => {
      for (const task of tasksOf(problem)) {
        const wrt = [...task.expected.keys()].filter((v) => (problem.wrt ?? []).includes(v));
        const model: () => Model = () => parse(task.source, { where: task.where });

        it(`${task.source.replace(/\n/g, '; ')}: gradients match finite differences (5 points, random sizes)`, () => {
          const m = model();
          const result = differentiate(m, wrt);
          const checks = checkGradients(m, result.derivatives.map((d) => ({ variable: d.variable, node: d.node })), { points: 5, seed: 11 });
          for (const c of checks) {
            expect(c.points, `∂/∂${c.variable}: points checked`).toBe(5);
            expect(c.relativeError, `∂/∂${c.variable}: relative error`).toBeLessThan(1e-6);
          }
          // The raw backward pass too: simplification must not be what makes it right.
          const raw = checkGradients(m, result.derivatives.map((d) => ({ variable: d.variable, node: d.raw })), { points: 2, seed: 12 });
          for (const c of raw) expect(c.relativeError, `raw ∂/∂${c.variable}`).toBeLessThan(1e-6);
        });

        for (const v of wrt) {
          const want = task.expected.get(v) as { unicode: string; latex?: string };
          it(`${task.source.replace(/\n/g, '; ')}: ∂/∂${v} prints as ${want.unicode} or as compactly`, () => {
            const m = model();
            // In the user's definitions (`(ŷ − y)hᵀ`) or expanded (`σ(wx + b)(1 − σ(wx + b))`): the
            // answer keys use either; one of ours must be the key's form or no longer.
            const named = differentiate(m, [v]).derivatives[0];
            const expanded = differentiate(m, [v], { expand: true }).derivatives[0];
            const forms = [named.unicode, expanded.unicode];
            const best = forms.find((f) => compact(f) === compact(want.unicode)) ?? forms.reduce((a, b) => (symbols(a) <= symbols(b) ? a : b));
            if (compact(best) !== compact(want.unicode)) {
              expect(symbols(best), `${best} is longer than the expected ${want.unicode}`).toBeLessThanOrEqual(symbols(want.unicode));
            }
            if (want.latex !== undefined) {
              const latex = [named.latex, expanded.latex];
              const same = latex.some((l) => compact(l) === compact(want.latex as string));
              if (!same) expect(Math.min(...latex.map(symbols)), `${latex[0]} is longer than the expected ${want.latex}`).toBeLessThanOrEqual(symbols(want.latex));
            }
          });
        }
      }
    });
  }

  // Problems with values instead of formulas: the forward value and gradient at the given point.
  for (const problem of problems.filter((p) => p.at !== undefined && p.expected_values !== undefined && p.where !== undefined)) {
    it(`${problem.id}: value and gradient at the given point`, () => {
      const m = parse(problem.source, { where: problem.where });
      const bound = bindValues(m, problem.at as Record<string, unknown>);
      const values = problem.expected_values as Record<string, number | number[]>;
      const loss = Object.keys(values).find((k) => !k.startsWith('∂') && m.output.display === k);
      expect(loss, 'the output is among the expected values').toBeDefined();
      expect(evaluateNode(m.output.node, bound)).toBeCloseTo(values[loss as string] as number, 12);
      let gradients = 0;
      for (const [key, value] of Object.entries(values)) {
        const match = /^∂\S+\/∂(\S+)$/.exec(key);
        if (!match || !m.variables.some((v) => v.display === match[1])) continue;
        const [d] = differentiate(m, [match[1]]).derivatives;
        expect(evaluateNode(d.node, bound)).toEqual(value);
        gradients++;
      }
      expect(gradients, 'gradients with expected values').toBeGreaterThan(0);
    });
  }
});
