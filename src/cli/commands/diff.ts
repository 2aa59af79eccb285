// diff and check: symbolic derivatives, and their numeric verification.
import type { Command } from 'commander';
import { differentiate, outputName, parse, valueAndGradient } from '../../api.ts';
import { print } from '../../print/index.ts';
import type { Model } from '../../build/index.ts';
import { requireScalarOutput } from '../../build/index.ts';
import { checkGradients } from '../../check/index.ts';
import { hessian, jacobian } from '../../jacobian/index.ts';
import { checkHessians, checkJacobians } from '../../jacobian/check.ts';
import type { Layout } from '../../diff/index.ts';
import { describeShape } from '../../ir/shape.ts';
import { bindAt, examples, markdownMath, EXIT, integerOption, positiveNumberOption, runOn, wrtNames } from '../io.ts';
import { atOption, DERIVATIVE_FORMATS, dimsOption, formatOption, layoutOption, ofOption, whereOption } from '../options.ts';

import { formatValue } from './language.ts';

/** Finite differences cost 2·(entries) evaluations per point: more than 1000 points is never needed. */
const MAX_CHECK_POINTS = 1000;


interface DiffFlags {
  wrt: string;
  where?: string;
  of?: string;
  layout?: string;
  format?: string;
  at?: string;
  dims?: string;
  expand?: boolean;
  explain?: boolean;
  debug?: boolean;
}

function layoutOf(value: string | undefined): Layout {
  return value === 'numerator' ? 'numerator' : 'gradient';
}

/** `x` or `x,y` in the names as displayed → as the user wrote them (the keys of JSON output). */
export function asWritten(model: Model, displayed: string): string {
  return displayed.split(',').map((name) => model.variables.find((v) => v.display === name)?.written ?? name).join(',');
}

export function registerDiffCommands(program: Command): void {
  program
    .command('diff')
    .description('differentiate with respect to scalars, vectors and matrices; print the simplified derivatives')
    .argument('<expr>', "the expression or program, '-' to read stdin, or @file")
    .requiredOption('--wrt <vars>', 'variables, comma-separated: W,x')
    .addOption(whereOption("'A: n×n; α, β, γ: scalar'"))
    .addOption(ofOption())
    .addOption(layoutOption('gradient', 'gradient: the shape of the variable; numerator: its transpose, as in some notes'))
    .addOption(formatOption(DERIVATIVE_FORMATS, 'text', 'md: the LaTeX in $…$ for a Markdown or Jupyter cell'))
    .addOption(atOption('evaluate the derivatives at these values'))
    .addOption(dimsOption())
    .option('--expand', 'write results without the names of your definitions')
    .option('--explain', 'list the simplification rules that were applied')
    .addHelpText('after', examples([
      "chainrule diff '‖Wx − x‖²' --wrt W",
      "chainrule diff '−γ/2·log|αAAᵀ+β⁻¹I|' --wrt A --where 'A: n×n' --format latex",
      "chainrule diff 'h = relu(W₁x + b₁); ŷ = W₂h + b₂; L = ½‖ŷ − y‖²' --wrt W1,b1,W2,b2 --where 'y: k; W₁: m×n'",
      "chainrule diff '(wᵀφ − y)²' --wrt w --where 'w, φ: 2; y: scalar' --at values.json --format json",
    ]))
    .action((expr: string, o: DiffFlags) => {
      return runOn(expr, o.debug, (source) => {
        const model = parse(source, { where: o.where, of: o.of });
        const result = differentiate(model, wrtNames(model, o.wrt), { layout: layoutOf(o.layout), expand: o.expand });
        const out = model.output.display ?? 'f';
        if (o.at) {
          const numbers = valueAndGradient(result, bindAt(model, o.at, o.dims));
          if (o.format === 'json') {
            process.stdout.write(`${JSON.stringify({ output: out, ...numbers })}\n`);
            return;
          }
          const lines = [`${out} = ${formatValue(numbers.value)}`];
          for (const d of result.derivatives) {
            const v = numbers.gradient[d.variable.written];
            lines.push(`∂${out}/∂${d.variable.display} =${typeof v === 'number' ? ' ' : '\n'}${formatValue(v)}`);
          }
          process.stdout.write(`${lines.join('\n')}\n`);
          return;
        }
        if (o.format === 'json') {
          const derivatives = Object.fromEntries(result.derivatives.map((d) => [d.variable.written, { unicode: d.unicode, latex: d.latex, ascii: d.ascii, shape: describeShape(d.node.shape) }]));
          process.stdout.write(`${JSON.stringify({ output: out, layout: layoutOf(o.layout), derivatives, rules: Object.fromEntries(result.simplifier.trace.fired) }, null, 2)}\n`);
          return;
        }
        const latex = o.format === 'latex' || o.format === 'md';
        const lines = result.derivatives.map((d) => {
          if (latex) return result.derivatives.length === 1 ? d.latex : `\\frac{\\partial ${outputName(model, 'latex')}}{\\partial ${print(d.variable.node, 'latex')}} = ${d.latex}`;
          if (o.format === 'ascii') return result.derivatives.length === 1 ? d.ascii : `d${outputName(model, 'ascii')}/d${print(d.variable.node, 'ascii')} = ${d.ascii}`;
          return result.derivatives.length === 1 ? d.unicode : `∂${out}/∂${d.variable.display} = ${d.unicode}`;
        }).map((line) => (o.format === 'md' ? markdownMath(line) : line));
        if (o.explain) {
          lines.push('', 'rules applied:');
          for (const [name, count] of result.simplifier.trace.fired) lines.push(`  ${name} ×${count}`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });

  program
    .command('check')
    .description('compare the symbolic gradient with central finite differences at random points and sizes')
    .argument('<expr>', "the expression or program, '-' to read stdin, or @file")
    .requiredOption('--wrt <vars>', 'variables, comma-separated')
    .addOption(whereOption())
    .addOption(ofOption())
    .option('--points <n>', 'random points to try', '5')
    .option('--seed <n>', 'random seed', '1')
    .option('--tolerance <x>', 'largest acceptable relative error', '1e-6')
    .addOption(formatOption(['text', 'json'], 'text'))
    .option('--jacobian', 'check the Jacobians (chainrule jacobian) against differences of the output instead')
    .option('--hessian', 'check the Hessian blocks (chainrule hessian) against differences of the gradient instead')
    .addHelpText('after', examples(["chainrule check '‖Wx − x‖²' --wrt W,x", "chainrule check 'tanh(Wx)' --wrt x --where 'W: m×n' --jacobian", "chainrule check '𝟙ᵀexp(Ax)' --wrt x --hessian", "chainrule check 'L = −½ tr((αAAᵀ + β⁻¹I)⁻¹BBᵀ)' --wrt A,B --where 'A, B: n×n'"]) + '\nExit code 3 when some relative error exceeds the tolerance.\n')
    .action((expr: string, o: DiffFlags & { points: string; seed: string; tolerance: string; jacobian?: boolean; hessian?: boolean }) => {
      return runOn(expr, o.debug, (source) => {
        const points = integerOption('--points', o.points, 1, MAX_CHECK_POINTS);
        const seed = integerOption('--seed', o.seed, 0, 2 ** 32 - 1);
        const tolerance = positiveNumberOption('--tolerance', o.tolerance);
        const model = parse(source, { where: o.where, of: o.of });
        if (o.jacobian || o.hessian) {
          const options = { points: Number(o.points), seed: Number(o.seed) };
          const tolerance = Number(o.tolerance);
          const printed = new Map<string, string>();
          let checks;
          if (o.hessian) {
            requireScalarOutput(model, 'a Hessian');
            const result = hessian(model, wrtNames(model, o.wrt));
            for (const b of result.blocks) printed.set(b.row === b.col ? b.row.display : `${b.row.display},${b.col.display}`, b.unicode);
            checks = checkHessians(result, options);
          } else {
            const result = jacobian(model, wrtNames(model, o.wrt));
            for (const j of result.jacobians) printed.set(j.variable.display, j.unicode);
            checks = checkJacobians(result, options);
          }
          const ok = checks.every((c) => c.relativeError <= tolerance);
          if (o.format === 'json') process.stdout.write(`${JSON.stringify({ output: model.output.display ?? 'f', ok, tolerance, checks: checks.map((c) => ({ ...c, block: asWritten(model, c.block) })) }, null, 2)}\n`);
          else {
            const what = o.hessian ? '∂²/∂' : '∂/∂';
            for (const c of checks) process.stdout.write(`${c.relativeError <= tolerance ? 'ok  ' : 'FAIL'} ${what}${c.block}: ${(printed.get(c.block) ?? '').replace(/\n/g, '; ')}   relative error ${c.relativeError.toExponential(2)} over ${c.points} points\n`);
          }
          return ok ? EXIT.ok : EXIT.mismatch;
        }
        const result = differentiate(model, wrtNames(model, o.wrt));
        const checks = checkGradients(model, result.derivatives, { points, seed });
        const ok = checks.every((c) => c.relativeError <= tolerance);
        if (o.format === 'json') process.stdout.write(`${JSON.stringify({ output: model.output.display ?? 'f', ok, tolerance, checks: checks.map((c) => ({ ...c, variable: asWritten(model, c.variable) })) }, null, 2)}\n`);
        else {
          for (const c of checks) {
            const d = result.derivatives.find((x) => x.variable.display === c.variable);
            process.stdout.write(`${c.relativeError <= tolerance ? 'ok  ' : 'FAIL'} ∂/∂${c.variable} = ${d?.unicode}   relative error ${c.relativeError.toExponential(2)} over ${c.points} points\n`);
          }
        }
        return ok ? EXIT.ok : EXIT.mismatch;
      });
    });
}
