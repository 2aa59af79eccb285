// A progress bar on stderr for the long parts (training, rendering frames). Silent when stderr is not
// a terminal (CI logs, tests, pipes), so output stays clean for scripts.
import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';

// Loaded by the first bar, so that a command that shows none never loads it.
let cliProgressModule: typeof CliProgress | undefined;
const cliProgress = (): typeof CliProgress => (cliProgressModule ??= createRequire(import.meta.url)('cli-progress') as typeof CliProgress);

export interface Progress {
  update(done: number, detail?: string): void;
  stop(): void;
}

export function progressBar(label: string, total: number): Progress {
  const bar = new (cliProgress().SingleBar)({
    format: `${label.padEnd(30)} {bar} {percentage}% | {value}/{total} | {detail}`,
    barCompleteChar: '█',
    barIncompleteChar: '░',
    hideCursor: true,
    clearOnComplete: false,
    stream: process.stderr,
  });
  bar.start(total, 0, { detail: '' });
  return {
    update: (done, detail = '') => bar.update(done, { detail }),
    stop: () => bar.stop(),
  };
}
