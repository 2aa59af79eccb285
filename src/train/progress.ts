// A progress bar on stderr for the long parts (training, rendering frames). Silent when stderr is not
// a terminal (CI logs, tests, pipes), so output stays clean for scripts.
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, detail?: string): void;
  stop(): void;
}

export function progressBar(label: string, total: number): Progress {
  const bar = new cliProgress.SingleBar({
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
