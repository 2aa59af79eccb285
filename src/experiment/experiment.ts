// One experiment end to end: generate the gradient code for the configured network, train with it,
// and write the plots. Shared by `chainrule train`, the sample run of `npm start` and the bench.
import type { TrainingReport } from '../plot/report.ts';
import { renewWorkBudget } from '../limits.ts';
import { writeTrainingReport } from '../plot/report.ts';
import { generatedKernel } from '../train/kernels.ts';
import { Network } from '../train/network.ts';
import { progressBar } from '../train/progress.ts';
import type { TrainingConfig, TrainingRun } from '../train/sgd.ts';
import { train, trainedParameters } from '../train/sgd.ts';

export interface ExperimentOptions {
  /** One SVG frame per snapshot (default true). */
  readonly frames?: boolean;
  /** Show progress bars on stderr (when it is a terminal). */
  readonly progress?: boolean;
  /** A name for the progress bars. */
  readonly label?: string;
}

export interface Experiment {
  readonly run: TrainingRun;
  readonly report: TrainingReport;
  /** Time to parse, differentiate and generate the gradient code, in seconds. */
  readonly compileSeconds: number;
}

/** Trains with chainrule's generated gradient code (never the reference evaluator). */
export function trainWithGeneratedCode(config: TrainingConfig, options: { progress?: boolean; label?: string } = {}): { run: TrainingRun; compileSeconds: number } {
  const started = performance.now();
  const kernel = generatedKernel(config.units, config.batchSize, trainedParameters(config));
  const compileSeconds = (performance.now() - started) / 1000;
  const bar = options.progress ? progressBar(options.label ?? `training ${config.units} units`, config.steps) : undefined;
  try {
    const run = train(config, kernel, { onSnapshot: (s) => bar?.update(s.step, `train MSE ${s.trainMse.toFixed(4)}`) });
    return { run, compileSeconds };
  } finally {
    bar?.stop();
  }
}

export async function runExperiment(config: TrainingConfig, outDir: string, options: ExperimentOptions = {}): Promise<Experiment> {
  const { run, compileSeconds } = trainWithGeneratedCode(config, options);
  const network = new Network();
  const frames = options.frames ?? true;
  const bar = options.progress && frames ? progressBar(`${options.label ?? 'plots'}: frames`, run.snapshots.length) : undefined;
  try {
    // Training is not the compiler's work: the drawing after it gets its own budget.
    renewWorkBudget();
    const report = await writeTrainingReport(run, network, outDir, { frames, onFrame: (done) => bar?.update(done) });
    return { run, report, compileSeconds };
  } finally {
    bar?.stop();
  }
}
