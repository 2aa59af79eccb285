// The compactness corpus (test/fixtures/compactness.json): textbook derivatives with the book's printed
// answer. For each problem, chainrule's printed derivative is compared with the book's, by value (at
// random points, the book's answer parsed in the problem's context) and by length (symbols as a
// reader counts them: every character but spaces). `npm run bench` reports the length ratios; the
// test checks every value.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { differentiate, parse } from '../src/api.ts';
import { randomDims, randomValues, rng } from '../src/check/index.ts';
import type { Tensor } from '../src/eval/index.ts';
import { evaluate } from '../src/eval/index.ts';

export interface CompactnessProblem {
  readonly id: string;
  readonly source: string;
  readonly expr: string;
  readonly where: string;
  readonly wrt: string;
  readonly book: string;
}

export interface CompactnessResult {
  readonly problem: CompactnessProblem;
  readonly printed: string;
  readonly printedLength: number;
  readonly bookLength: number;
  /** printed length ÷ book length. */
  readonly ratio: number;
  /** Worst relative difference between chainrule's derivative and the book's answer over the points tried. */
  readonly valueError: number;
}

export const corpusPath = path.resolve(import.meta.dirname, '../test/fixtures/compactness.json');

export function loadCorpus(): CompactnessProblem[] {
  return (JSON.parse(readFileSync(corpusPath, 'utf8')) as { problems: CompactnessProblem[] }).problems;
}

/** Symbols a reader counts: every character (code point) but white space. */
export const printedLength = (text: string): number => [...text.replace(/\s+/g, '')].length;

/** The book's answer as a model: in a program, it may use the program's definitions (`(ŷ − y)hᵀ`). */
function bookSource(problem: CompactnessProblem): string {
  return problem.expr.includes('=') ? `${problem.expr}; D_book = ${problem.book}` : problem.book;
}

const distance = (a: Tensor, b: Tensor): number => {
  let diff = 0;
  let size = 0;
  for (let i = 0; i < a.data.length; i++) {
    diff = Math.max(diff, Math.abs(a.data[i] - b.data[i]));
    size = Math.max(size, Math.abs(a.data[i]), Math.abs(b.data[i]));
  }
  return diff / Math.max(size, 1e-12);
};

/** Positive definite values for the variables that go through log|·| or an inverse: X + nI keeps them well conditioned. */
function wellConditioned(values: Map<string, Tensor>): void {
  for (const t of values.values()) {
    if (t.rows !== t.cols || t.rows === 1) continue;
    for (let i = 0; i < t.rows; i++) t.data[i * t.cols + i] += t.rows + 1;
  }
}

export function measure(problem: CompactnessProblem, points = 3): CompactnessResult {
  const model = parse(problem.expr, { where: problem.where });
  const [derivative] = differentiate(model, [problem.wrt]).derivatives;
  const book = parse(bookSource(problem), { where: problem.where });
  if (book.output.node.shape.rows !== derivative.node.shape.rows || book.output.node.shape.cols !== derivative.node.shape.cols) {
    throw new Error(`${problem.id}: the book's answer has another shape than the derivative`);
  }
  const random = rng(13);
  let valueError = 0;
  for (let p = 0; p < points; p++) {
    const dims = randomDims(model, random);
    const values = randomValues(model.variables, dims, random);
    wellConditioned(values);
    const ours = evaluate(derivative.node, values, dims);
    const theirs = evaluate(book.output.node, values, dims);
    valueError = Math.max(valueError, Number.isNaN(distance(ours, theirs)) ? Infinity : distance(ours, theirs));
  }
  const printedLen = printedLength(derivative.unicode);
  const bookLen = printedLength(problem.book);
  return { problem, printed: derivative.unicode, printedLength: printedLen, bookLength: bookLen, ratio: printedLen / bookLen, valueError };
}

export interface CompactnessSummary {
  readonly problems: number;
  readonly median: number;
  readonly p90: number;
  readonly worst: { readonly id: string; readonly ratio: number };
  readonly longer: number;
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

export function summarize(results: readonly CompactnessResult[]): CompactnessSummary {
  const ratios = results.map((r) => r.ratio).sort((a, b) => a - b);
  const worst = results.reduce((w, r) => (r.ratio > w.ratio ? r : w));
  return {
    problems: results.length,
    median: quantile(ratios, 0.5),
    p90: quantile(ratios, 0.9),
    worst: { id: worst.problem.id, ratio: worst.ratio },
    longer: results.filter((r) => r.ratio > 1.5).length,
  };
}

// `node --import tsx bench/compactness.ts` prints the table.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const results: CompactnessResult[] = [];
  for (const p of loadCorpus()) {
    try {
      results.push(measure(p));
    } catch (e) {
      console.log(`ERROR ${p.id}: ${(e as Error).message}`);
    }
  }
  for (const r of [...results].sort((a, b) => b.ratio - a.ratio)) {
    console.log(`${r.ratio.toFixed(2).padStart(5)}  ${r.problem.id.padEnd(36)} ${r.printed}   [book: ${r.problem.book}]${r.valueError > 1e-8 ? `  VALUE ERROR ${r.valueError.toExponential(2)}` : ''}`);
  }
  console.log(summarize(results));
}
