// parse, latex, eval: the foundation commands.
import type { Command } from 'commander';
import type { Model } from '../../build/index.ts';
import { describeShape } from '../../ir/shape.ts';
import { print } from '../../print/index.ts';
import { evaluateNode, parse } from '../../api.ts';
import { bindAt, examples, markdownMath, runOn } from '../io.ts';
import { atOption, dimsOption, formatOption, ofOption, TEXT_FORMATS, whereOption } from '../options.ts';

interface Common {
  where?: string;
  of?: string;
  format?: string;
  debug?: boolean;
}


export function shapesJson(model: Model) {
  return {
    variables: Object.fromEntries(model.variables.map((v) => [v.written, describeShape(v.shape)])),
    definitions: Object.fromEntries(model.definitions.map((d) => [d.display, describeShape(d.node.shape)])),
    output: describeShape(model.output.node.shape),
  };
}

export function registerLanguageCommands(program: Command): void {
  program
    .command('parse')
    .description('parse an expression or program; print it normalized, with the shape of every variable and of the result')
    .argument('<expr>', "the expression, '-' to read stdin, or @file")
    .addOption(whereOption())
    .addOption(ofOption('take as the output'))
    .addOption(formatOption(TEXT_FORMATS, 'text'))
    .addHelpText('after', examples([
      "chainrule parse '‖Wx − x‖²'",
      "chainrule parse '(y − bᵀσ(Ax))²' --where 'A: h×m'",
      "chainrule parse 'norm(W*x - x)^2' --format json",
      'echo "z = wx + b; y = σ(z)" | chainrule parse - --where "w, x, b: scalar"',
    ]))
    .action((expr: string, o: Common) => {
      return runOn(expr, o.debug, (source) => {
        const model = parse(source, { where: o.where, of: o.of });
        const out = model.output.node;
        if (o.format === 'json') {
          process.stdout.write(`${JSON.stringify({ output: model.output.display ?? 'f', unicode: print(out, 'unicode'), latex: print(out, 'latex'), ascii: print(out, 'ascii'), shapes: shapesJson(model) }, null, 2)}\n`);
          return;
        }
        const format = o.format === 'latex' ? 'latex' : o.format === 'ascii' ? 'ascii' : 'unicode';
        const lines = [print(out, format)];
        lines.push('', 'shapes:');
        for (const v of model.variables) lines.push(`  ${v.display}: ${describeShape(v.shape)}${v.origin === 'inferred' ? '  (inferred)' : ''}`);
        for (const d of model.definitions) if (d.node !== out) lines.push(`  ${d.display} = …: ${describeShape(d.node.shape)}`);
        lines.push(`  result: ${describeShape(out.shape)}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });

  program
    .command('latex')
    .description('print an expression as LaTeX')
    .argument('<expr>', "the expression, '-' to read stdin, or @file")
    .addOption(whereOption())
    .addOption(ofOption('print'))
    .addOption(formatOption(['latex', 'md'], 'latex', 'md: in $…$ for a Markdown or Jupyter cell'))
    .addHelpText('after', examples(["chainrule latex '−γ/2·log|αAAᵀ+β⁻¹I|'", "chainrule latex 'norm(W*x - x)^2'", "chainrule latex '‖Wx − x‖²' --format md"]))
    .action((expr: string, o: Common) => {
      return runOn(expr, o.debug, (source) => {
        const model = parse(source, { where: o.where, of: o.of });
        const latex = print(model.output.node, 'latex');
        process.stdout.write(`${o.format === 'md' ? markdownMath(latex) : latex}\n`);
      });
    });

  program
    .command('eval')
    .description('evaluate an expression at given values')
    .argument('<expr>', "the expression, '-' to read stdin, or @file")
    .addOption(atOption('the values to evaluate at').makeOptionMandatory())
    .addOption(whereOption())
    .addOption(ofOption('evaluate'))
    .addOption(dimsOption())
    .addOption(formatOption(['text', 'json'], 'text'))
    .addHelpText('after', examples([
      `chainrule eval '(wᵀφ − y)²' --where 'w, φ: 2; y: scalar' --at values.json   # {"w": [3, 1], "φ": [1, 2], "y": 2} → 9`,
      "chainrule eval 'log|A|' --at A.json --format json",
    ]))
    .action((expr: string, o: Common & { at: string; dims?: string }) => {
      return runOn(expr, o.debug, (source) => {
        const model = parse(source, { where: o.where, of: o.of });
        const value = evaluateNode(model.output.node, bindAt(model, o.at, o.dims));
        process.stdout.write(o.format === 'json' ? `${JSON.stringify({ output: model.output.display ?? 'f', value })}\n` : `${formatValue(value)}\n`);
      });
    });
}

export function formatValue(value: number | number[] | number[][]): string {
  const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(8).replace(/\.?0+$/, ''));
  if (typeof value === 'number') return fmt(value);
  if (value.every((x) => typeof x === 'number')) return `[${(value as number[]).map(fmt).join(', ')}]`;
  return (value as number[][]).map((r) => `[${r.map(fmt).join(', ')}]`).join('\n');
}
