// Writes the plots of a training run to a folder: the final fit, the elbow/slope trajectories, the
// error curves, one frame per snapshot, and index.html to page through them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Network } from '../train/network.ts';
import type { TrainingRun } from '../train/sgd.ts';
import { renderSvg } from './render.ts';
import type { FrameData } from './training.ts';
import { errorSpec, frameData, frameScales, frameSpec, trajectorySpec } from './training.ts';
import { viewerHtml } from './viewer.ts';

export interface ReportOptions {
  /** Render one frame per snapshot (default true); without, only the whole-run charts and the last frame. */
  readonly frames?: boolean;
  /** Called after each frame is written, with the number written and the total. */
  readonly onFrame?: (done: number, total: number) => void;
}

export interface TrainingReport {
  readonly files: readonly string[];
  readonly frames: readonly FrameData[];
}

export const frameFile = (step: number): string => `frames/step-${String(step).padStart(6, '0')}.svg`;

/** What a run is: the one place its units, trained layers and target are named. */
export function runTitle(run: TrainingRun): string {
  return `ReLU network trained by SGD: ${run.config.units} units, ${run.config.lastLayerOnly ? 'last layer only' : 'all layers'}, ${run.target.label}`;
}

/** The settings and results of a run, in one line under its title. */
export function runSummary(run: TrainingRun): string {
  const last = run.snapshots[run.snapshots.length - 1];
  // The page title already names the units, the layers and the target (runTitle): not again here.
  return [
    `${run.config.steps.toLocaleString('en-US')} SGD steps of ${run.config.batchSize} points at learning rate ${run.config.learningRate}`,
    `trained in ${run.seconds.toFixed(2)} s with chainrule's generated gradient`,
    `final train MSE ${last.trainMse.toFixed(4)}, test MSE ${last.testMse.toFixed(4)} (noise floor ${(run.config.noise ** 2).toFixed(4)})`,
  ].join(' · ');
}

export async function writeTrainingReport(run: TrainingRun, network: Network, dir: string, options: ReportOptions = {}): Promise<TrainingReport> {
  mkdirSync(join(dir, 'frames'), { recursive: true });
  const written: string[] = [];
  const write = (name: string, text: string): void => {
    writeFileSync(join(dir, name), text);
    written.push(join(dir, name));
  };

  const frames = run.snapshots.map((s) => frameData(network, s));
  const scales = frameScales(run, frames);
  const last = frames[frames.length - 1];
  write('fit.svg', await renderSvg(frameSpec(run, last, scales)));
  write('elbows.svg', await renderSvg(trajectorySpec(run)));
  write('error.svg', await renderSvg(errorSpec(run)));

  const shown = options.frames === false ? [last] : frames;
  for (const [i, frame] of shown.entries()) {
    write(frameFile(frame.step), await renderSvg(frameSpec(run, frame, scales)));
    options.onFrame?.(i + 1, shown.length);
  }
  write(
    'index.html',
    viewerHtml({
      title: runTitle(run),
      summary: runSummary(run),
      frames: shown.map((f) => ({ file: frameFile(f.step), step: f.step })),
      charts: [
        { file: 'elbows.svg', alt: 'elbow positions and slopes over training' },
        { file: 'error.svg', alt: 'train and test MSE over training' },
      ],
    }),
  );
  const final = run.snapshots[run.snapshots.length - 1].params;
  const summary = {
    config: run.config,
    seconds: run.seconds,
    snapshots: run.snapshots.map((s) => ({ step: s.step, trainMse: s.trainMse, testMse: s.testMse })),
    final: { W1: Array.from(final.W1), b1: Array.from(final.b1), W2: Array.from(final.W2), b2: final.b2 },
  };
  write('run.json', `${JSON.stringify(summary, null, 2)}\n`);
  return { files: written, frames };
}
