// parse, latex, eval: the foundation commands.
import type { Command } from 'commander';
import type { Model } from '../../build/index.ts';
import { describeShape } from '../../ir/shape.ts';
import { print } from '../../print/index.ts';
import { bindValues, evaluateNode, parse } from '../../api.ts';
import { examples, parseDims, readJson, runOn } from '../io.ts';

interface Common {
  where?: string;
  of?: string;
  format?: string;
  debug?: boolean;
}


export function shapesJson(model: Model) {
  return {
    variables: Object.fromEntries(model.variables.map((v) => [v.display, describeShape(v.shape)])),
    definitions: Object.fromEntries(model.definitions.map((d) => [d.display, describeShape(d.node.shape)])),
    output: describeShape(model.output.node.shape),
  };
}

export function registerLanguageCommands(program: Command): void {
  program
    .command('parse')
    .description('parse an expression or program; print it normalized, with the shape of every variable and of the result')
    .argument('<expr>', "the expression, '-' to read stdin, or @file")
    .option('-w, --where <decls>', "declarations, e.g. 'W: n×n, x: n'")
    .option('--of <name>', 'the definition to take as the output (default: the last line)')
    .option('-f, --format <format>', 'text | latex | ascii | json', 'text')
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
          process.stdout.write(`${JSON.stringify({ unicode: print(out, 'unicode'), latex: print(out, 'latex'), ascii: print(out, 'ascii'), shapes: shapesJson(model) }, null, 2)}\n`);
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
    .option('-w, --where <decls>', 'declarations')
    .option('--of <name>', 'the definition to print (default: the last line)')
    .addHelpText('after', examples(["chainrule latex '−γ/2·log|αAAᵀ+β⁻¹I|'", "chainrule latex 'norm(W*x - x)^2'"]))
    .action((expr: string, o: Common) => {
      return runOn(expr, o.debug, (source) => {
        const model = parse(source, { where: o.where, of: o.of });
        process.stdout.write(`${print(model.output.node, 'latex')}\n`);
      });
    });

  program
    .command('eval')
    .description('evaluate an expression at given values')
    .argument('<expr>', "the expression, '-' to read stdin, or @file")
    .requiredOption('--at <values.json>', 'JSON object: name → number, array (vector) or array of rows (matrix)')
    .option('-w, --where <decls>', 'declarations')
    .option('--of <name>', 'the definition to evaluate')
    .option('--dims <sizes>', 'sizes of dimensions not fixed by the values, e.g. n=3')
    .option('-f, --format <format>', 'text | json', 'text')
    .addHelpText('after', examples([
      `chainrule eval '(wᵀφ − y)²' --where 'w, φ: 2; y: scalar' --at values.json   # {"w": [3, 1], "φ": [1, 2], "y": 2} → 9`,
      "chainrule eval 'log|A|' --at A.json --format json",
    ]))
    .action((expr: string, o: Common & { at: string; dims?: string }) => {
      return runOn(expr, o.debug, (source) => {
        const model = parse(source, { where: o.where, of: o.of });
        const bound = bindValues(model, readJson(o.at), parseDims(o.dims));
        const value = evaluateNode(model.output.node, bound);
        process.stdout.write(o.format === 'json' ? `${JSON.stringify({ value })}\n` : `${formatValue(value)}\n`);
      });
    });
}

export function formatValue(value: number | number[] | number[][]): string {
  const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(8).replace(/\.?0+$/, ''));
  if (typeof value === 'number') return fmt(value);
  if (value.every((x) => typeof x === 'number')) return `[${(value as number[]).map(fmt).join(', ')}]`;
  return (value as number[][]).map((r) => `[${r.map(fmt).join(', ')}]`).join('\n');
}
