// npm run bench:numpy (and a section of npm run bench): the generated NumPy module of each bench case
// against the same value and gradient written by hand in NumPy (bench/numpy_handwritten.py), timed
// in one Python process by bench/numpy_timer.py: interleaved rounds, median per call, as ratios.
// The goal is within 1.2× of the hand-written code. Needs Debian's python3-numpy and python3-scipy.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from '../src/compile.ts';
import type { BenchCase } from './cases.ts';
import { benchCases } from './cases.ts';

const PYTHON = '/usr/bin/python3';
const here = import.meta.dirname;

export interface NumpyResult {
  readonly name: string;
  readonly generatedMs: number;
  readonly handwrittenMs: number;
  /** generated ÷ hand-written time per call. */
  readonly ratio: number;
  /** Worst relative difference of the value and gradients between the two. */
  readonly relativeError: number;
  readonly rounds: number;
}

/** A bench input as nested lists in the module's array shape: vectors flat, matrices by rows. */
function nested(value: number | Float64Array, [rows, cols]: readonly [number, number]): unknown {
  if (typeof value === 'number') return value;
  if (rows === 1 || cols === 1) return Array.from(value);
  return Array.from({ length: rows }, (_, i) => Array.from(value.subarray(i * cols, (i + 1) * cols)));
}

/** Undefined when NumPy or SciPy cannot be imported (the reason is returned instead). */
export function runNumpyBench(budgetMs: number, cases: readonly BenchCase[] = benchCases()): NumpyResult[] | string {
  const probe = spawnSync(PYTHON, ['-c', 'import numpy, scipy'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${PYTHON} cannot import numpy and scipy (apt-get install python3-numpy python3-scipy)`;
  const dir = mkdtempSync(path.join(tmpdir(), 'chainrule-bench-numpy-'));
  const jobs = cases.map((c, k) => {
    const module = path.join(dir, `case_${k}.py`);
    writeFileSync(module, generate(c.source, { wrt: c.wrt, where: c.where, lang: 'numpy' }));
    return { source: c.source, module, inputs: Object.fromEntries(Object.entries(c.inputs).map(([key, v]) => [key, nested(v, c.shapes[key])])) };
  });
  writeFileSync(path.join(dir, 'jobs.json'), JSON.stringify(jobs));
  // One BLAS thread, as the generated JS runs on one: the comparison is of the code, not of the thread count.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const r = spawnSync(PYTHON, [path.join(here, 'numpy_timer.py'), path.join(dir, 'jobs.json'), String(budgetMs)], { encoding: 'utf8', maxBuffer: 1 << 24, env });
  if (r.status !== 0) throw new Error(`numpy_timer.py failed: ${r.stderr}`);
  const measured = JSON.parse(r.stdout) as Omit<NumpyResult, 'name'>[];
  return measured.map((m, k) => ({ name: cases[k].name, ...m }));
}

const fmt = (x: number): string => (x >= 10 ? x.toFixed(0) : x.toFixed(2));

export function numpyTable(results: readonly NumpyResult[]): string[] {
  return [
    'Generated NumPy module vs hand-written NumPy (bench/numpy_handwritten.py), time per value_and_grad call on one BLAS thread, median of interleaved rounds (goal ≤ 1.2×):',
    '',
    '| case | hand-written NumPy (ms) | generated NumPy (ms) | generated ÷ hand-written | agree to |',
    '|---|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.name.replace(/\|/g, '\\|')} | ${r.handwrittenMs.toPrecision(3)} | ${r.generatedMs.toPrecision(3)} | ${fmt(r.ratio)}×${r.ratio <= 1.2 ? '' : ' (missed)'} | ${r.relativeError.toExponential(0)} |`),
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(here, 'numpy.ts')) {
  const quick = process.argv.includes('--quick');
  const results = runNumpyBench(quick ? 300 : 1500);
  if (typeof results === 'string') process.stdout.write(`NumPy bench skipped: ${results}\n`);
  else process.stdout.write(`${numpyTable(results).join('\n')}\n`);
}
