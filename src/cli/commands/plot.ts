// plot: scalar functions of one variable, with their symbolic derivatives overlaid.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { ChainruleError } from '../../errors.ts';
import { examples, readSource, run, writeOutput } from '../io.ts';
import { formatOption } from '../options.ts';


interface PlotFlags {
  output?: string;
  derivative?: boolean;
  range: string;
  var?: string;
  title?: string;
  format?: string;
  debug?: boolean;
}

/** `a:b` → [a, b]; negative ends as typed (`-5:5`). */
export function parseRange(text: string): [number, number] {
  const m = /^\s*([-+−]?[\d.]+(?:e[-+]?\d+)?)\s*:\s*([-+−]?[\d.]+(?:e[-+]?\d+)?)\s*$/i.exec(text);
  const a = m ? Number(m[1].replace('−', '-')) : NaN;
  const b = m ? Number(m[2].replace('−', '-')) : NaN;
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw new ChainruleError(`--range takes a:b, not ${text}`, { hint: '--range -5:5' });
  if (!(a < b)) throw new ChainruleError(`the range ${text} is empty: the left end must be below the right end`, { hint: '--range -5:5' });
  return [a, b];
}

export function registerPlotCommand(program: Command): void {
  program
    .command('plot')
    .description('plot scalar functions of one variable; with --derivative, overlay the derivatives chainrule computes')
    .argument('<expr...>', "expressions (σ(x), relu(x), x² …), '-' to read stdin, or @file")
    .option('-o, --output <file.svg>', 'the SVG to write')
    .option('-d, --derivative', 'overlay each derivative (dashed, same color)')
    .option('-r, --range <a:b>', 'the interval of the variable', '-5:5')
    .option('--var <name>', 'the variable, when the expression does not make it clear (default: its only variable, or x)')
    .option('--title <text>', 'the chart title')
    .addOption(formatOption(['svg', 'json'], 'svg', 'svg: write -o; json: print the sampled curves'))
    .addHelpText('after', examples([
      "chainrule plot 'σ(x)' 'relu(x)' --derivative -o activations.svg",
      "chainrule plot 'tanh(x)' 'softplus(x)' --derivative --range -4:4 -o smooth.svg",
      "chainrule plot 'x³ − 3x' --derivative --range -2.5:2.5 -o cubic.svg",
      "chainrule plot 'log(1 + exp(t))' --var t --format json",
    ]))
    .action((exprs: string[], o: PlotFlags) => {
      // Parse errors carry the text of their own expression, so the caret needs no fallback source.
      return run(async () => {
        const range = parseRange(o.range);
        const sources = exprs.map(readSource);
        // Vega loads on use, so that every other command starts without it.
        const { functionPlotSpec, sampleFunctions } = await import('../../plot/functions.ts');
        const { renderSvg } = await import('../../plot/render.ts');
        const series = sampleFunctions(sources, { range, derivative: Boolean(o.derivative), variable: o.var });
        if (o.format === 'json') {
          process.stdout.write(`${JSON.stringify({ range, series }, null, 2)}\n`);
          if (!o.output) return;
        }
        if (!o.output) throw new ChainruleError('say where to write the plot', { hint: '-o plot.svg (or --format json to print the curves)' });
        const svg = await renderSvg(functionPlotSpec(series, { title: o.title, range }));
        mkdirSync(dirname(o.output), { recursive: true });
        writeOutput(o.output, svg);
        if (o.format !== 'json') process.stderr.write(`wrote ${o.output}: ${series.map((s) => s.label).join('; ')}\n`);
      }, { debug: o.debug });
    });
}
