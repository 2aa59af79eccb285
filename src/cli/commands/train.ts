// train: the EECS 189 ReLU-SGD experiment on chainrule's generated gradient code, with its plots.
// gradient-cost: one SGD step with finite-difference vs backprop gradients, timed at growing sizes.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { ChainruleError } from '../../errors.ts';
import type { TargetName } from '../../train/data.ts';
import { TARGET_NAMES } from '../../train/data.ts';
import { DEFAULT_CONFIG, trainingConfig } from '../../train/sgd.ts';
import { examples, run, splitList, writeOutput } from '../io.ts';
import { formatOption } from '../options.ts';


interface TrainFlags {
  output: string;
  units: string;
  target: string;
  steps: string;
  lastLayerOnly?: boolean;
  lr?: string;
  seed: string;
  frames: boolean;
  format?: string;
  debug?: boolean;
}

interface CostFlags {
  output?: string;
  sizes: string;
  budget: string;
  format?: string;
  debug?: boolean;
}

function positiveInteger(flag: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ChainruleError(`${flag} takes a whole number from 1 to ${max}, not ${text}`);
  return n;
}

function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new ChainruleError(`${flag} takes a positive number, not ${text}`);
  return n;
}

function targetName(text: string): TargetName {
  if ((TARGET_NAMES as readonly string[]).includes(text)) return text as TargetName;
  throw new ChainruleError(`--target is one of ${TARGET_NAMES.join(', ')}, not ${text}`, { hint: 'pwl: piecewise linear with a knot every 0.1; sin: sin(20x)' });
}

export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description('train ŷ = W₂ relu(W₁x + b₁) + b₂ on 1-D data by SGD with generated gradient code; plot the fit, the units, the elbows and the error')
    .requiredOption('-o, --output <dir>', 'folder for index.html, fit.svg, elbows.svg, error.svg, frames/ and run.json')
    .option('--units <h>', 'hidden units (the notebook uses 10, 20 and 40)', String(DEFAULT_CONFIG.units))
    .option('--target <name>', `pwl (piecewise linear, a knot every 0.1) | sin (sin(20x))`, DEFAULT_CONFIG.target)
    .option('--steps <n>', 'SGD steps (minibatches of 40)', String(DEFAULT_CONFIG.steps))
    .option('--last-layer-only', 'train W₂ and b₂ only: the elbows stay where they started (learning rate 0.2)')
    .option('--lr <rate>', 'learning rate (default 0.02, or 0.2 with --last-layer-only)')
    .option('--seed <n>', 'seed of the data, the initialization and the batch order', String(DEFAULT_CONFIG.seed))
    .option('--no-frames', 'skip the per-snapshot frames (only the whole-run charts and the last frame)')
    .addOption(formatOption(['text', 'json'], 'text', 'json: a summary on stdout'))
    .addHelpText('after', `${examples([
      'chainrule train -o out/relu-40',
      'chainrule train --units 10 --steps 50000 -o out/relu-10',
      'chainrule train --last-layer-only -o out/relu-last-layer',
      'chainrule train --target sin --units 40 -o out/relu-sin',
    ])}
The loss is written once in chainrule's language and compiled to gradient code:
  H = relu(W₁X + b₁𝟙ᵀ);  Ŷ = W₂H + b₂𝟙ᵀ;  L = ½‖Ŷ − Y‖²/B
Open DIR/index.html to page through one frame per 1 000 steps.
See also: chainrule gradient-cost (finite differences vs backprop).`)
    .action((o: TrainFlags) =>
      run(async () => {
        const lastLayerOnly = Boolean(o.lastLayerOnly);
        const config = trainingConfig({
          units: positiveInteger('--units', o.units, 4096),
          target: targetName(o.target),
          steps: positiveInteger('--steps', o.steps, 100_000_000),
          lastLayerOnly,
          seed: positiveInteger('--seed', o.seed, 2 ** 31),
          ...(o.lr !== undefined ? { learningRate: positiveNumber('--lr', o.lr) } : {}),
        });
        // The training and plotting stack (code generation, Vega) loads on use, not at every CLI start.
        const { runExperiment } = await import('../../experiment/experiment.ts');
        const { run: trained, report, compileSeconds } = await runExperiment(config, o.output, { frames: o.frames, progress: true, label: `training ${config.units} units` });
        const first = trained.snapshots[0];
        const last = trained.snapshots[trained.snapshots.length - 1];
        const summary = {
          config,
          compileSeconds,
          trainSeconds: trained.seconds,
          untrained: { trainMse: first.trainMse, testMse: first.testMse },
          final: { trainMse: last.trainMse, testMse: last.testMse },
          page: join(o.output, 'index.html'),
          files: report.files.length,
        };
        if (o.format === 'json') {
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
          return;
        }
        const stable = Number.isFinite(last.trainMse);
        process.stdout.write(
          [
            `trained ${config.units} units (${lastLayerOnly ? 'last layer only' : 'all layers'}) for ${config.steps.toLocaleString('en-US')} steps in ${trained.seconds.toFixed(2)} s with generated gradient code (generated in ${(compileSeconds * 1000).toFixed(0)} ms)`,
            `test MSE ${first.testMse.toFixed(4)} untrained → ${last.testMse.toFixed(4)} trained (noise floor ${(config.noise ** 2).toFixed(4)}); train MSE ${last.trainMse.toFixed(4)}`,
            ...(stable ? [] : ['the training diverged: try a smaller --lr']),
            `open ${summary.page} (${report.files.length} files in ${o.output})`,
          ].join('\n') + '\n',
        );
      }, { debug: o.debug }),
    );

  program
    .command('gradient-cost')
    .description('time one SGD step with finite-difference gradients against backprop (generated code) at growing sizes; log-log chart')
    .option('-o, --output <file.svg>', 'the chart to write')
    .option('--sizes <h,…>', 'hidden-layer sizes', '4,8,16,32,64,128,256')
    .option('--budget <seconds>', 'timing per size and method', '0.3')
    .addOption(formatOption(['text', 'json'], 'text', 'json: the measurements on stdout'))
    .addHelpText('after', examples([
      'chainrule gradient-cost -o out/gradient-cost.svg',
      'chainrule gradient-cost --sizes 8,32,128,512 --format json',
    ]) + '\nThe question of EECS 189 DIS7 2(e): P parameters cost P + 1 forward passes by finite differences (O(P²)),\none forward and one backward pass by backprop (O(P)).\n')
    .action((o: CostFlags) =>
      run(async () => {
        const sizes = splitList(o.sizes).map((s) => positiveInteger('--sizes', s, 4096));
        if (sizes.length < 2) throw new ChainruleError('--sizes needs at least two sizes to show a growth', { hint: '--sizes 8,32,128' });
        const budget = positiveNumber('--budget', o.budget);
        const { measureGradientCost } = await import('../../train/gradient-cost.ts');
        const { generatedKernel } = await import('../../train/kernels.ts');
        const { PARAMETER_NAMES } = await import('../../train/network.ts');
        const { growthSpec, methodLabel } = await import('../../plot/growth.ts');
        const { renderSvg } = await import('../../plot/render.ts');
        const config = trainingConfig();
        const measured = measureGradientCost({ sizes, config, budget, kernelFor: (h) => generatedKernel(h, config.batchSize, PARAMETER_NAMES) });
        if (o.output) {
          mkdirSync(dirname(o.output), { recursive: true });
          writeOutput(o.output, await renderSvg(growthSpec(measured)));
        }
        if (o.format === 'json') {
          process.stdout.write(`${JSON.stringify(measured, null, 2)}\n`);
          return;
        }
        const lines = ['units  parameters  backprop (ms/step)  finite differences (ms/step)  ratio  gradients agree to'];
        for (const h of sizes) {
          const bp = measured.rows.find((r) => r.units === h && r.method === 'backprop')?.secondsPerStep ?? NaN;
          const fd = measured.rows.find((r) => r.units === h && r.method === 'finite differences')?.secondsPerStep ?? NaN;
          const agree = measured.agreement.find((a) => a.units === h)?.relativeError ?? NaN;
          lines.push(`${String(h).padStart(5)}  ${String(3 * h + 1).padStart(10)}  ${(bp * 1000).toFixed(4).padStart(18)}  ${(fd * 1000).toFixed(4).padStart(28)}  ${(fd / bp).toFixed(0).padStart(5)}  ${agree.toExponential(1)}`);
        }
        lines.push('', methodLabel(measured, 'backprop'), methodLabel(measured, 'finite differences'));
        if (o.output) lines.push(`wrote ${o.output}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }, { debug: o.debug }),
    );
}
