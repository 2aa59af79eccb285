// npm run bench: time per valueAndGrad call of the generated code, the hand-written loops, TF.js
// (CPU and wasm backends) and mathjs on each case, as ratios to the hand-written code measured in
// the same run; then compile speed (parse → diff → simplify → codegen) and the finite-difference vs
// analytic growth table, and the full 150 000-step training of the 40-unit ReLU network
// (bench/training.ts) by the generated code, by hand-written loops and by TF.js. Writes
// bench/results.json. First, the start-up of the built CLI against `node -e 0` (bench/startup.ts).
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { all, create } from 'mathjs';
import { compile, generate } from '../src/compile.ts';
import { rng } from '../src/check/index.ts';
import type { BenchCase } from './cases.ts';
import { benchCases } from './cases.ts';
import { loadCorpus, measure, summarize } from './compactness.ts';
import { measureStartup } from './startup.ts';
import { numpyTable, runNumpyBench } from './numpy.ts';
import type { SecondOrderTimes } from './second-order-timing.ts';
import { secondOrderTable, timeSecondOrder } from './second-order-timing.ts';

const here = import.meta.dirname;
const execFileAsync = promisify(execFile);
const math = create(all);
const quick = process.argv.includes('--quick');
const BUDGET_MS = quick ? 300 : 1500;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Milliseconds per call of each function: batches of ≥ 2 ms, interleaved round by round so that
 * functions measured together see the same machine state; the median over rounds. */
function timePerCall(fns: Record<string, () => unknown>, budgetMs: number): Record<string, number> {
  const names = Object.keys(fns);
  const batch: Record<string, number> = {};
  for (const name of names) {
    const f = fns[name];
    // Warm-up: until the optimizing compiler has seen it (≥ 20 calls or 10% of the budget).
    const start = performance.now();
    let calls = 0;
    while (calls < 20 || performance.now() - start < budgetMs * 0.1) {
      f();
      calls++;
      if (performance.now() - start > budgetMs) break;
    }
    const perCall = (performance.now() - start) / calls;
    batch[name] = Math.max(1, Math.ceil(2 / perCall));
  }
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const start = performance.now();
  for (let round = 0; round < 200 && (round < 7 || performance.now() - start < budgetMs * names.length); round++) {
    for (const name of names) {
      const f = fns[name];
      const t0 = performance.now();
      for (let k = 0; k < batch[name]; k++) f();
      samples[name].push((performance.now() - t0) / batch[name]);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]));
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    s = Math.max(s, a[i] * a[i], b[i] * b[i]);
  }
  return Math.sqrt(d) / Math.sqrt(Math.max(s, 1e-300)) / Math.sqrt(a.length);
}

function asArray(x: number | Float64Array): ArrayLike<number> {
  return typeof x === 'number' ? [x] : x;
}

interface CaseResult {
  name: string;
  msPerCall: Record<string, number>;
  ratioToHandwritten: Record<string, number>;
  targets: { generatedWithin110Percent: boolean; tfCpuAtLeast3x: boolean; tfWasmAtLeast3x: boolean; mathjsAtLeast5x: boolean };
}

async function runCase(c: BenchCase): Promise<CaseResult> {
  const compiled = compile(c.source, { wrt: c.wrt, where: c.where, dims: c.dims });
  const handwritten = c.handwritten();
  // Same numbers first: the comparison is only meaningful if both compute the gradient.
  const g = compiled.valueAndGrad(c.inputs);
  const h = handwritten();
  const errors = [relativeError([g.value], [h.value]), ...Object.keys(h.grad).map((k) => relativeError(asArray(g.grad[k]), asArray(h.grad[k])))];
  if (Math.max(...errors) > 1e-9) throw new Error(`${c.name}: generated and hand-written disagree (${errors.map((e) => e.toExponential(1)).join(', ')})`);

  const generated = () => compiled.valueAndGrad(c.inputs);
  const local = timePerCall({ generated, handwritten }, BUDGET_MS);
  await tf.setBackend('cpu');
  const tfCpu = timePerCall({ tfCpu: c.tf(tf) }, BUDGET_MS / 2).tfCpu;
  await tf.setBackend('wasm');
  const tfWasm = timePerCall({ tfWasm: c.tf(tf) }, BUDGET_MS / 2).tfWasm;
  const mathjs = timePerCall({ mathjs: c.mathjs(math) }, BUDGET_MS / 2).mathjs;
  const ms = { generated: local.generated, handwritten: local.handwritten, tfCpu, tfWasm, mathjs };
  const ratio = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v / ms.handwritten]));
  return {
    name: c.name,
    msPerCall: ms,
    ratioToHandwritten: ratio,
    targets: {
      generatedWithin110Percent: ratio.generated <= 1.1,
      tfCpuAtLeast3x: tfCpu >= 3 * ms.generated,
      tfWasmAtLeast3x: tfWasm >= 3 * ms.generated,
      mathjsAtLeast5x: mathjs >= 5 * ms.generated,
    },
  };
}

/** parse → diff → simplify → codegen, per seeds problem (Φ made concrete as tanh) and for a 50-layer MLP. */
function compileSpeed(): { perProblem: { id: string; medianMs: number }[]; medianMs: number; mlp50: { firstMs: number; medianMs: number } } {
  const seeds = JSON.parse(readFileSync(path.resolve(here, '../test/fixtures/seeds.json'), 'utf8')) as { problems: { id: string; source?: string; where?: string; wrt?: string[] }[] };
  const perProblem: { id: string; medianMs: number }[] = [];
  for (const p of seeds.problems) {
    if (!p.source || !p.wrt) continue;
    const source = p.source.replace(/[Φφ](?=\s*\()/g, 'tanh');
    const where = p.where?.replace(/;?\s*[Φφ]: elementwise/g, '') ?? ({ 'activation-derivatives': 'x: scalar', 'building-blocks': 'a, b: scalar' } as Record<string, string>)[p.id];
    // A list of separate expressions is compiled expression by expression.
    const parts = !source.includes('=') && source.includes(';') ? source.split(';').map((s) => s.trim()) : [source];
    const once = () => {
      for (const part of parts) generate(part, { wrt: p.wrt?.filter((w) => part.includes(w)) ?? [], where });
    };
    for (let i = 0; i < 20; i++) once();
    const times: number[] = [];
    for (let i = 0; i < (quick ? 10 : 40); i++) {
      const t0 = performance.now();
      once();
      times.push(performance.now() - t0);
    }
    perProblem.push({ id: p.id, medianMs: median(times) });
  }
  const layers = 50;
  const lines = [];
  for (let l = 1; l <= layers; l++) lines.push(`h${l} = relu(W${l}${l === 1 ? 'x' : `h${l - 1}`} + b${l})`);
  lines.push(`L = ½‖h${layers} − y‖²`);
  const mlp = lines.join('\n');
  const wrt = Array.from({ length: layers }, (_, i) => [`W${i + 1}`, `b${i + 1}`]).flat();
  const where = `x, y: n; ${Array.from({ length: layers }, (_, i) => `W${i + 1}: n×n`).join('; ')}`;
  const t0 = performance.now();
  generate(mlp, { wrt, where });
  const firstMs = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    generate(mlp, { wrt, where });
    times.push(performance.now() - t);
  }
  return { perProblem, medianMs: median(perProblem.map((p) => p.medianMs)), mlp50: { firstMs, medianMs: median(times) } };
}

/** EECS 189 DIS7 2(e): a forward-difference gradient costs O(d⁴) (one O(d²) forward pass per each of
 * the 2d² + 2d parameters), the analytic one O(d²). Measured at d = 8, 16, 32. */
function finiteDifferenceGrowth(): { d: number; parameters: number; finiteDifferenceMs: number; analyticMs: number; ratio: number }[] {
  const rows = [];
  for (const d of [8, 16, 32]) {
    const c = compile('ℓ = ½‖W⁽²⁾tanh(W⁽¹⁾x + b) − y‖²', { wrt: ['W⁽¹⁾', 'W⁽²⁾', 'b', 'x'], where: 'W⁽¹⁾, W⁽²⁾: d×d; x, b, y: d', dims: { d } });
    const random = rng(d);
    const input: Record<string, Float64Array> = {
      W1: Float64Array.from({ length: d * d }, () => random() - 0.5), W2: Float64Array.from({ length: d * d }, () => random() - 0.5),
      b: Float64Array.from({ length: d }, () => random() - 0.5), x: Float64Array.from({ length: d }, () => random() - 0.5), y: Float64Array.from({ length: d }, () => random() - 0.5),
    };
    const wanted = ['W1', 'W2', 'b', 'x'];
    const gradient: Record<string, Float64Array> = Object.fromEntries(wanted.map((k) => [k, new Float64Array(input[k].length)]));
    const finiteDifference = () => {
      const f0 = c.value(input);
      for (const k of wanted) {
        const v = input[k];
        for (let i = 0; i < v.length; i++) {
          const saved = v[i];
          const h = 1e-7 * Math.max(1, Math.abs(saved));
          v[i] = saved + h;
          gradient[k][i] = (c.value(input) - f0) / h;
          v[i] = saved;
        }
      }
    };
    const analytic = () => c.valueAndGrad(input);
    finiteDifference();
    const exact = c.valueAndGrad(input).grad;
    for (const k of wanted) if (relativeError(gradient[k], exact[k] as Float64Array) > 1e-4) throw new Error(`finite differences disagree at d = ${d}`);
    const t = timePerCall({ finiteDifference, analytic }, BUDGET_MS);
    rows.push({ d, parameters: 2 * d * d + 2 * d, finiteDifferenceMs: t.finiteDifference, analyticMs: t.analytic, ratio: t.finiteDifference / t.analytic });
  }
  return rows;
}

/** A case name inside a Markdown table cell (log|K| has bars). */
const escapeBars = (s: string): string => s.replaceAll('|', '\\|');

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** One case in a process of its own: V8 specializes a closure only while it is unique, so the
 * hand-written factories (one per size) must not share a process with their other instances. */
async function caseInChildProcess(index: number): Promise<CaseResult> {
  const args = ['--import', 'tsx', path.join(here, 'run.ts'), '--case', String(index), ...(quick ? ['--quick'] : [])];
  const { stdout } = await execFileAsync(process.execPath, args, { maxBuffer: 1 << 24 });
  const line = stdout.split('\n').find((l) => l.startsWith('{"name"'));
  if (!line) throw new Error(`case ${index} printed no result:\n${stdout}`);
  return JSON.parse(line) as CaseResult;
}

/** TF.js steps of the training run: all 150 000 take it ~2 minutes on a quiet 2-core machine, too
 * much for the bench budget, so it runs a prefix and is scaled (the key `… steps measured` says so). */
const TFJS_TRAINING_STEPS = quick ? 5_000 : 30_000;

/** The training benchmark in a process of its own (a fresh JIT, like the cases). */
async function trainingInChildProcess(): Promise<Record<string, number>> {
  const args = ['--import', 'tsx', path.join(here, 'run.ts'), '--training', ...(quick ? ['--quick'] : [])];
  const { stdout } = await execFileAsync(process.execPath, args, { maxBuffer: 1 << 24 });
  const line = stdout.split('\n').find((l) => l.startsWith('{"relu-sgd-40'));
  if (!line) throw new Error(`the training benchmark printed no result:\n${stdout}`);
  return JSON.parse(line) as Record<string, number>;
}

/** The second-order bench (logistic-regression Hessian and HVP) in a process of its own. */
async function secondOrderInChildProcess(): Promise<SecondOrderTimes> {
  const args = ['--import', 'tsx', path.join(here, 'run.ts'), '--second-order', ...(quick ? ['--quick'] : [])];
  const { stdout } = await execFileAsync(process.execPath, args, { maxBuffer: 1 << 24 });
  const line = stdout.split('\n').find((l) => l.startsWith('{"n"'));
  if (!line) throw new Error(`the second-order benchmark printed no result:\n${stdout}`);
  return JSON.parse(line) as SecondOrderTimes;
}

async function main(): Promise<void> {
  if (process.argv.includes('--second-order')) {
    const result = await timeSecondOrder(quick ? { hvpRounds: 9, hessianRounds: 3 } : { hvpRounds: 31, hessianRounds: 7 });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  if (process.argv.includes('--training')) {
    const { runTrainingBenchmark } = await import('./training.ts');
    const result = await runTrainingBenchmark({ tfjsSteps: TFJS_TRAINING_STEPS, log: (line) => process.stderr.write(`    ${line}\n`) });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const caseArg = process.argv.indexOf('--case');
  if (caseArg >= 0) {
    await tf.setBackend('cpu');
    const c = benchCases()[Number(process.argv[caseArg + 1])];
    process.stdout.write(`${JSON.stringify(await runCase(c))}\n`);
    return;
  }
  const started = performance.now();
  const loadAtStart = os.loadavg()[0];
  const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` };
  process.stderr.write(`chainrule bench on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}\n`);
  process.stderr.write('  start-up of the built CLI against node -e 0 …\n');
  const startup = measureStartup({ runs: quick ? 5 : 11 });
  const results: CaseResult[] = [];
  const cases = benchCases();
  for (let i = 0; i < cases.length; i++) {
    process.stderr.write(`  [${i + 1}/${cases.length}] ${cases[i].name} …`);
    const r = await caseInChildProcess(i);
    results.push(r);
    process.stderr.write(` generated ${fmt(r.ratioToHandwritten.generated)}× hand-written\n`);
  }
  process.stderr.write('  generated NumPy against hand-written NumPy …\n');
  const numpy = runNumpyBench(BUDGET_MS);
  process.stderr.write('  second order: logistic-regression Hessian and HVP (N = 1000, d = 100) …\n');
  const secondOrder = await secondOrderInChildProcess();
  process.stderr.write('  compile speed …\n');
  const speed = compileSpeed();
  process.stderr.write('  finite differences vs analytic …\n');
  const growth = finiteDifferenceGrowth();
  process.stderr.write('  training: 150 000 SGD steps of the 40-unit ReLU network …\n');
  const training = await trainingInChildProcess();
  const t = (key: string): number => training[`relu-sgd-40 ${key}`];
  process.stderr.write('  compactness: printed derivatives against the books …\n');
  const compactness = summarize(loadCorpus().map((p) => measure(p)));

  const lines = [
    `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node} (${machine.platform}). Command: npm run bench`,
    '',
    `Start-up of the built CLI (dist/cli/main.js), median of ${startup[0].runs} runs taken in turn with \`node -e 0\`:`,
    '',
    '| command | ms | ratio to node -e 0 |',
    '|---|---:|---:|',
    ...startup.map((r) => `| \`${escapeBars(r.command)}\` | ${r.medianMs.toFixed(0)} | ${fmt(r.ratio)}× |`),
    '',
    'Time per valueAndGrad call as a ratio to the hand-written Float64Array loops (same run; lower is faster).',
    '',
    '| case | hand-written (ms) | generated | TF.js CPU | TF.js wasm | mathjs |',
    '|---|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${escapeBars(r.name)} | ${r.msPerCall.handwritten.toPrecision(3)} | ${fmt(r.ratioToHandwritten.generated)}× | ${fmt(r.ratioToHandwritten.tfCpu)}× | ${fmt(r.ratioToHandwritten.tfWasm)}× | ${fmt(r.ratioToHandwritten.mathjs)}× |`),
    '',
    'The targets, as measured: generated ≤ 1.10× hand-written; TF.js ≥ 3× and mathjs ≥ 5× slower than the generated code.',
    '',
    '| case | generated ÷ hand-written | TF.js CPU ÷ generated | TF.js wasm ÷ generated | mathjs ÷ generated |',
    '|---|---:|---:|---:|---:|',
    ...results.map((r) => {
      const m = r.msPerCall;
      const mark = (ok: boolean) => (ok ? '' : ' (missed)');
      return `| ${escapeBars(r.name)} | ${fmt(m.generated / m.handwritten)}×${mark(r.targets.generatedWithin110Percent)} | ${fmt(m.tfCpu / m.generated)}×${mark(r.targets.tfCpuAtLeast3x)} | ${fmt(m.tfWasm / m.generated)}×${mark(r.targets.tfWasmAtLeast3x)} | ${fmt(m.mathjs / m.generated)}×${mark(r.targets.mathjsAtLeast5x)} |`;
    }),
    '',
    ...(typeof numpy === 'string' ? [`NumPy: skipped, ${numpy}.`] : numpyTable(numpy)),
    '',
    ...secondOrderTable(secondOrder),
    '',
    `Compile (parse → diff → simplify → codegen): median over the seeds problems ${speed.medianMs.toFixed(2)} ms; 50-layer MLP ${speed.mlp50.medianMs.toFixed(0)} ms (first run ${speed.mlp50.firstMs.toFixed(0)} ms).`,
    '',
    'Finite-difference gradient (forward differences, one generated value() per parameter) vs the generated analytic valueAndGrad, EECS 189 two-layer loss:',
    '',
    '| d | parameters | finite differences (ms) | analytic (ms) | ratio | FD growth | analytic growth |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...growth.map((g, i) => `| ${g.d} | ${g.parameters} | ${g.finiteDifferenceMs.toPrecision(3)} | ${g.analyticMs.toPrecision(3)} | ${fmt(g.ratio)}× | ${i ? `${fmt(g.finiteDifferenceMs / growth[i - 1].finiteDifferenceMs)}×` : ''} | ${i ? `${fmt(g.analyticMs / growth[i - 1].analyticMs)}×` : ''} |`),
    '',
    `Training (EECS 189 ReLU network, 40 units, ${t('steps')} SGD steps, wall time of the whole run):`,
    '',
    '| trainer | seconds | ratio to generated |',
    '|---|---:|---:|',
    `| generated | ${t('generated s').toFixed(2)} | 1× |`,
    `| hand-written | ${t('hand-written s').toFixed(2)} | ${fmt(t('hand-written s') / t('generated s'))}× |`,
    `| TF.js CPU${t('tfjs-cpu steps measured') < t('steps') ? ` (${t('tfjs-cpu steps measured')} steps, scaled)` : ''} | ${t('tfjs-cpu s').toFixed(1)} | ${fmt(t('tfjs-cpu / generated'))}× |`,
    '',
    `Compactness (test/fixtures/compactness.json, ${compactness.problems} textbook derivatives): printed length ÷ the book's, median ${fmt(compactness.median)}, 90th percentile ${fmt(compactness.p90)}, worst ${fmt(compactness.worst.ratio)} (${compactness.worst.id}); ${compactness.longer} over 1.5.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  // The machine may be shared: the 1-minute load average before and after, next to its core count.
  const out = {
    machine: { ...machine, loadAverage: { atStart: Number(loadAtStart.toFixed(2)), atEnd: Number(os.loadavg()[0].toFixed(2)) } },
    date: new Date().toISOString(), command: 'npm run bench', quick, startup, cases: results, numpy, secondOrder, compileSpeed: speed, finiteDifferenceGrowth: growth, training, compactness,
    seconds: (performance.now() - started) / 1000,
  };
  writeFileSync(path.join(here, quick ? 'results-quick.json' : 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stderr.write(`wrote bench/${quick ? 'results-quick.json' : 'results.json'} in ${out.seconds.toFixed(0)} s\n`);
}

await main();
