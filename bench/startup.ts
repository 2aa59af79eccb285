// Start-up time of the built CLI (dist/cli/main.js, as `npm install chainrule` ships it) against a bare
// `node -e 0`, timed in turn (node, --help, diff, node, --help, diff, …) so that all three see the same
// machine load; medians and ratios. Run `npm run build` first.
//   npm run bench:startup [-- --runs N] [--bin path/to/chainrule.js]   (npm run bench includes it)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export interface StartupRow {
  readonly command: string;
  readonly medianMs: number;
  /** medianMs ÷ the median of `node -e 0`. */
  readonly ratio: number;
  readonly runs: number;
}

/** Milliseconds (median over `runs`) of each command, and each as a multiple of `node -e 0`. */
export function measureStartup({ runs = 11, bin = join(root, 'dist/cli/main.js') }: { runs?: number; bin?: string } = {}): StartupRow[] {
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run npm run build first`);
  const commands: Record<string, string[]> = {
    'node -e 0': ['-e', '0'],
    'chainrule --help': [bin, '--help'],
    "chainrule diff '‖Wx − x‖²' --wrt W": [bin, 'diff', '‖Wx − x‖²', '--wrt', 'W'],
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let round = -1; round < runs; round++) {
    for (const [name, args] of Object.entries(commands)) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
      if (round >= 0) samples[name].push(ms); // round −1 warms the file cache
    }
  }
  const base = median(samples['node -e 0']);
  return Object.entries(samples).map(([command, xs]) => ({ command, medianMs: median(xs), ratio: median(xs) / base, runs }));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (flag: string): string | undefined => {
    const i = process.argv.indexOf(flag);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const rows = measureStartup({ runs: Number(arg('--runs') ?? 11), bin: arg('--bin') ?? undefined });
  console.log(`start-up, median of ${rows[0].runs} runs taken in turn (node ${process.version}):`);
  for (const r of rows) console.log(`  ${r.command.padEnd(38)} ${r.medianMs.toFixed(1).padStart(7)} ms  ${r.ratio.toFixed(2)}× node -e 0`);
}
