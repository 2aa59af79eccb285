// Compile time and output size as the program grows: ReLU MLP losses of 25, 50, 100 and 200 layers,
// and sums of 80, 160 and 320 sigmoids. Each is compiled by `generate` (parse → diff → simplify →
// codegen, the module text `chainrule codegen` writes) in a fresh Node process, after a warm-up on
// an unrelated expression: a compiler that has seen the expression before finds its nodes interned
// and its simplifications memoised, and a user compiles a network once. Runs go round the cases in
// turn (so all see the same machine load); the table shows the median time, the size of the module,
// and both as ratios to the row before (one doubling). Linear compile is about 2× per row.
//   npm run bench:compile [-- --runs N] [--max-layers 200] [--json]
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { generate } from '../src/compile.ts';

const self = fileURLToPath(import.meta.url);

/** `h1 = relu(W1x + b1); …; L = ½‖hN − y‖²` and its gradient by every weight and bias. */
export function mlpLoss(layers: number): { source: string; where: string; wrt: string[] } {
  const lines: string[] = [];
  for (let l = 1; l <= layers; l++) lines.push(`h${l} = relu(W${l}${l === 1 ? 'x' : `h${l - 1}`} + b${l})`);
  lines.push(`L = ½‖h${layers} − y‖²`);
  return {
    source: lines.join('\n'),
    where: `x, y: n; ${Array.from({ length: layers }, (_, i) => `W${i + 1}: n×n`).join('; ')}`,
    wrt: Array.from({ length: layers }, (_, i) => [`W${i + 1}`, `b${i + 1}`]).flat(),
  };
}

/** `L = σ(a1ᵀx) + … + σ(aNᵀx)` and its gradient by x and every aᵢ. */
export function sigmoidSum(terms: number): { source: string; where: string; wrt: string[] } {
  return {
    source: `L = ${Array.from({ length: terms }, (_, i) => `σ(a${i + 1}ᵀx)`).join(' + ')}`,
    where: `x: n; ${Array.from({ length: terms }, (_, i) => `a${i + 1}: n`).join('; ')}`,
    wrt: ['x', ...Array.from({ length: terms }, (_, i) => `a${i + 1}`)],
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export interface CompileRow {
  readonly family: string;
  readonly size: number;
  readonly medianMs: number;
  /** Median CPU time of the process over the compile (user + system, all threads): less swayed by
   * other jobs on a loaded machine than the wall-clock time. */
  readonly medianCpuMs: number;
  readonly bytes: number;
  /** medianMs, medianCpuMs and bytes ÷ those of the row before (half the size); absent on the first row. */
  readonly timeRatio?: number;
  readonly cpuRatio?: number;
  readonly sizeRatio?: number;
}

const FAMILIES: { family: string; key: string; sizes: number[]; make: (k: number) => { source: string; where: string; wrt: string[] } }[] = [
  { family: 'ReLU MLP layers', key: 'mlp', sizes: [25, 50, 100, 200], make: mlpLoss },
  { family: 'σ sum terms', key: 'sigmoid', sizes: [80, 160, 320], make: sigmoidSum },
];

/** One compile in this process, after a warm-up: milliseconds and the module's size in bytes. */
export function compileOnce(key: string, size: number): { ms: number; cpuMs: number; bytes: number } {
  const family = FAMILIES.find((f) => f.key === key);
  if (!family) throw new Error(`no case family ${key}`);
  // Warm-up (the JIT): the same kinds of program over other names, so no node of the case is interned yet.
  const warm = (text: string) => text.replace(/W(?=\d)/g, 'U').replace(/b(?=\d)/g, 'c').replace(/a(?=\d)/g, 'e').replace(/\bh(?=\d)/g, 'g');
  for (let i = 0; i < 3; i++) {
    for (const c of [mlpLoss(10), sigmoidSum(20)]) generate(warm(c.source), { wrt: c.wrt.map(warm), where: warm(c.where) });
  }
  const { source, where, wrt } = family.make(size);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const text = generate(source, { wrt, where });
  const cpu = process.cpuUsage(cpu0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, bytes: Buffer.byteLength(text) };
}

export function measureCompile({ runs = 3, maxLayers = 200 }: { runs?: number; maxLayers?: number } = {}): CompileRow[] {
  const cases = FAMILIES.flatMap((f) => f.sizes.filter((k) => f.key !== 'mlp' || k <= maxLayers).map((size) => ({ ...f, size })));
  const samples = new Map<(typeof cases)[number], { ms: number[]; cpuMs: number[]; bytes: number }>(cases.map((c) => [c, { ms: [], cpuMs: [], bytes: 0 }]));
  for (let r = 0; r < runs; r++) {
    for (const c of cases) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--one', c.key, String(c.size)], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (child.status !== 0) throw new Error(`${c.family} ${c.size} exited ${child.status}: ${child.stderr}`);
      const { ms, cpuMs, bytes } = JSON.parse(child.stdout) as { ms: number; cpuMs: number; bytes: number };
      const s = samples.get(c) as { ms: number[]; cpuMs: number[]; bytes: number };
      s.ms.push(ms);
      s.cpuMs.push(cpuMs);
      s.bytes = bytes;
    }
  }
  const rows: CompileRow[] = [];
  let before: CompileRow | undefined;
  for (const c of cases) {
    const s = samples.get(c) as { ms: number[]; cpuMs: number[]; bytes: number };
    const row: CompileRow = {
      family: c.family, size: c.size, medianMs: median(s.ms), medianCpuMs: median(s.cpuMs), bytes: s.bytes,
      ...(before?.family === c.family ? { timeRatio: median(s.ms) / before.medianMs, cpuRatio: median(s.cpuMs) / before.medianCpuMs, sizeRatio: s.bytes / before.bytes } : {}),
    };
    rows.push(row);
    before = row;
  }
  return rows;
}

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

if (process.argv[1] === self) {
  if (arg('--one') !== undefined) {
    const i = process.argv.indexOf('--one');
    console.log(JSON.stringify(compileOnce(process.argv[i + 1], Number(process.argv[i + 2]))));
  } else {
    const rows = measureCompile({ runs: Number(arg('--runs') ?? 3), maxLayers: Number(arg('--max-layers') ?? 200) });
    if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
    else {
      const ratio = (x?: number) => (x ? `${x.toFixed(2)}×` : '').padStart(8);
      console.log(`load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores, ${process.version}`);
      console.log('case              size   median ms    ×prev   CPU ms    ×prev   module bytes    ×prev');
      for (const r of rows) {
        console.log(
          `${r.family.padEnd(16)} ${String(r.size).padStart(5)} ${r.medianMs.toFixed(0).padStart(11)} ${ratio(r.timeRatio)} ${r.medianCpuMs.toFixed(0).padStart(8)} ${ratio(r.cpuRatio)} ${String(r.bytes).padStart(14)} ${ratio(r.sizeRatio)}`,
        );
      }
    }
  }
}
