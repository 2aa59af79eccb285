// The sample of `npm start`: the runs of samples/relu-sgd/config.json (the notebook's 10/20/40
// units, all layers vs last layer only, the piecewise-linear and the sin(20x) target), the DS 102
// activation plot, and the finite-difference vs backprop timing, with one index.html over all of it.
import { renewWorkBudget } from '../limits.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChainruleError } from '../errors.ts';
import { functionPlotSpec, sampleFunctions } from '../plot/functions.ts';
import { growthSpec } from '../plot/growth.ts';
import { renderSvg } from '../plot/render.ts';
import { frameFile, runSummary } from '../plot/report.ts';
import { overviewHtml } from '../plot/viewer.ts';
import type { TargetName } from '../train/data.ts';
import { TARGET_NAMES } from '../train/data.ts';
import { runExperiment } from './experiment.ts';
import type { CostMeasurement } from '../train/gradient-cost.ts';
import { measureGradientCost } from '../train/gradient-cost.ts';
import { generatedKernel } from '../train/kernels.ts';
import { PARAMETER_NAMES } from '../train/network.ts';
import type { TrainingConfig } from '../train/sgd.ts';
import { trainingConfig } from '../train/sgd.ts';

export const SAMPLE_CONFIG = fileURLToPath(new URL('../../samples/relu-sgd/config.json', import.meta.url));

export interface SampleRunSettings {
  readonly name: string;
  readonly units: number;
  readonly target: TargetName;
  readonly steps: number;
  readonly lastLayerOnly?: boolean;
  readonly frames?: boolean;
}

export interface SampleConfig {
  readonly description: string;
  readonly runs: readonly SampleRunSettings[];
  readonly activations: { readonly expressions: readonly string[]; readonly range: readonly [number, number] };
  readonly gradientCost: { readonly sizes: readonly number[]; readonly budgetSeconds: number };
}

/** Reads and checks the sample configuration; a mistake in it names the field. */
export function readSampleConfig(path = SAMPLE_CONFIG): SampleConfig {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<SampleConfig>;
  const fail = (what: string): never => {
    throw new ChainruleError(`${path}: ${what}`);
  };
  if (!Array.isArray(raw.runs) || raw.runs.length === 0) fail('"runs" must be a non-empty list');
  for (const [i, r] of (raw.runs as SampleRunSettings[]).entries()) {
    if (typeof r.name !== 'string' || !/^[\w-]+$/.test(r.name)) fail(`runs[${i}].name must be a folder name`);
    if (!Number.isInteger(r.units) || r.units < 1) fail(`runs[${i}].units must be a positive whole number`);
    if (!Number.isInteger(r.steps) || r.steps < 1) fail(`runs[${i}].steps must be a positive whole number`);
    if (!TARGET_NAMES.includes(r.target)) fail(`runs[${i}].target must be one of ${TARGET_NAMES.join(', ')}`);
  }
  if (!raw.activations || !Array.isArray(raw.activations.expressions)) fail('"activations.expressions" must be a list of expressions');
  if (!raw.gradientCost || !Array.isArray(raw.gradientCost.sizes)) fail('"gradientCost.sizes" must be a list of sizes');
  return raw as SampleConfig;
}

export interface SampleResult {
  readonly outDir: string;
  readonly index: string;
  readonly runs: readonly { readonly name: string; readonly config: TrainingConfig; readonly seconds: number; readonly untrainedTestMse: number; readonly testMse: number }[];
  readonly gradientCost: CostMeasurement;
}

export interface SampleOptions {
  readonly configPath?: string;
  readonly progress?: boolean;
  /** Override every run's step count (tests). */
  readonly steps?: number;
}

export async function runReluSgdSample(outDir: string, options: SampleOptions = {}): Promise<SampleResult> {
  const sample = readSampleConfig(options.configPath);
  mkdirSync(outDir, { recursive: true });
  const progress = options.progress ?? true;
  const runs: SampleResult['runs'][number][] = [];
  const sections: { title: string; page: string; image: string; summary: string }[] = [];
  for (const settings of sample.runs) {
    renewWorkBudget();
    const config = trainingConfig({ units: settings.units, target: settings.target, steps: options.steps ?? settings.steps, lastLayerOnly: settings.lastLayerOnly ?? false });
    const { run } = await runExperiment(config, join(outDir, settings.name), { frames: settings.frames ?? false, progress, label: settings.name });
    const last = run.snapshots[run.snapshots.length - 1];
    runs.push({ name: settings.name, config, seconds: run.seconds, untrainedTestMse: run.snapshots[0].testMse, testMse: last.testMse });
    sections.push({
      title: `${config.units} units, ${config.lastLayerOnly ? 'last layer only' : 'all layers'}, ${run.target.label}`,
      page: `${settings.name}/index.html`,
      image: `${settings.name}/${frameFile(last.step)}`,
      summary: runSummary(run),
    });
  }

  const activations = sampleFunctions(sample.activations.expressions, { range: sample.activations.range, derivative: true });
  writeFileSync(join(outDir, 'activations.svg'), await renderSvg(functionPlotSpec(activations, { title: 'σ and ReLU with their derivatives (DS 102 Discussion 7, 1(a))', range: sample.activations.range })));

  const base = trainingConfig();
  renewWorkBudget();
  const gradientCost = measureGradientCost({
    sizes: sample.gradientCost.sizes,
    config: base,
    budget: sample.gradientCost.budgetSeconds,
    kernelFor: (h) => generatedKernel(h, base.batchSize, PARAMETER_NAMES),
  });
  writeFileSync(join(outDir, 'gradient-cost.svg'), await renderSvg(growthSpec(gradientCost)));

  const index = join(outDir, 'index.html');
  writeFileSync(
    index,
    overviewHtml({
      title: 'ReLU networks trained by SGD on chainrule’s generated gradient code',
      intro: `${sample.description} Click a run to page through its training, one frame per 1 000 steps.`,
      runs: sections,
      charts: [
        { file: 'activations.svg', caption: 'σ and ReLU with the derivatives chainrule computes' },
        { file: 'gradient-cost.svg', caption: 'One SGD step: finite differences vs backprop' },
      ],
    }),
  );
  return { outDir, index, runs, gradientCost };
}
