// The compactness corpus (test/fixtures/compactness.json, bench/compactness.ts): for every textbook
// derivative, chainrule's printed answer equals the book's by value, agrees with finite differences,
// and is not much longer than the book's. The length goals of the corpus: a median of at most 1.0
// and a worst case of at most 1.5, printed length over book length.
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import { checkGradients } from '../../src/check/index.ts';
import type { CompactnessResult } from '../../bench/compactness.ts';
import { loadCorpus, measure, summarize } from '../../bench/compactness.ts';

const problems = loadCorpus();
const results = new Map<string, CompactnessResult>();

describe('compactness corpus', () => {
  it('has at least 80 textbook problems, each with a source and a book answer', () => {
    expect(problems.length).toBeGreaterThanOrEqual(80);
    expect(new Set(problems.map((p) => p.id)).size).toBe(problems.length);
    for (const p of problems) {
      expect(p.source.trim(), p.id).not.toBe('');
      expect(p.book.trim(), p.id).not.toBe('');
    }
  });

  for (const problem of problems) {
    it(`${problem.id}: ∂/∂${problem.wrt} ${problem.expr} = ${problem.book} (${problem.source})`, () => {
      const result = measure(problem);
      results.set(problem.id, result);
      expect(result.valueError, `${result.printed} against the book's ${problem.book}`).toBeLessThan(1e-8);
      const model = parse(problem.expr, { where: problem.where });
      const [d] = differentiate(model, [problem.wrt]).derivatives;
      const [check] = checkGradients(model, [{ variable: d.variable, node: d.node }], { points: 2, seed: 3 });
      expect(check.relativeError, d.unicode).toBeLessThan(1e-6);
      expect(result.ratio, `${result.printed} is over 1.5× the book's ${problem.book}`).toBeLessThanOrEqual(1.5);
    });
  }

  it('printed over book length: median at most 1.0', () => {
    const all = problems.map((p) => results.get(p.id) ?? measure(p));
    const summary = summarize(all);
    expect(summary.median).toBeLessThanOrEqual(1.0);
    expect(summary.longer).toBe(0);
    expect(summary.worst.ratio).toBeLessThanOrEqual(1.5);
  });
});
