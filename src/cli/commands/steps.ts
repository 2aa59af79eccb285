// steps: the derivation as the course notes write it, forward pass then backward pass node by node.
import type { Command } from 'commander';
import { parse } from '../../api.ts';
import type { Layout } from '../../diff/index.ts';
import { ChainruleError } from '../../errors.ts';
import { describeShape } from '../../ir/shape.ts';
import { printName } from '../../print/names.ts';
import { isScalar } from '../../ir/shape.ts';
import { derive, deriveJacobian, deriveSecond, explainLines, printLine, printers, renderLatex, renderMarkdown, renderTangentLatex, renderTangentMarkdown, renderTangentText, renderText, tangentJson } from '../../steps/index.ts';
import { requireScalarOutput } from '../../build/index.ts';
import { examples, runOn, wrtVariables } from '../io.ts';
import { formatOption, granularityOption, layoutOption, ofOption, whereOption } from '../options.ts';

interface StepsFlags {
  granularity?: string;
  wrt?: string;
  where?: string;
  of?: string;
  layout: string;
  format: string;
  explain?: boolean;
  hessian?: boolean;
  hvp?: boolean;
  debug?: boolean;
}


export function registerStepsCommands(program: Command): void {
  program
    .command('steps')
    .description('show the derivation step by step: named intermediates with shapes, then the backward pass node by node')
    .argument('<expr>', "the expression or program, '-' to read stdin, or @file")
    .option('--wrt <vars>', 'variables, comma-separated (default: all of them)')
    .addOption(whereOption("'A: h×m; b: h; x: m; y: scalar'"))
    .addOption(ofOption())
    .addOption(layoutOption('gradient', 'gradient: ∂L/∂u has the shape of u; numerator: its transpose, as in the EECS 189 notes'))
    .addOption(granularityOption('step: intermediates as the notes group them; operation: one per operation'))
    .addOption(formatOption(['text', 'latex', 'md', 'json'], 'text'))
    .option('--explain', 'list the simplification rules that fired, by name')
    .option('--hessian', 'the Hessian of a scalar output: the backward pass, then forward mode through both passes (forward-over-reverse)')
    .option('--hvp', 'the Hessian-vector product ∇²f·v: forward mode along v through both passes')
    .addHelpText('after', examples([
      "chainrule steps 'L = (y − bᵀσ(Ax))²' --wrt b,A --where 'A: h×m; b: h; x: m; y: scalar'",
      "chainrule steps 'z = wx + b; y = σ(z); L = ½(y − t)²; R = ½w²; L_reg = L + λR' --wrt w,b --where 'w, x, b, t, λ: scalar'",
      "chainrule steps 'ℓ = ½‖W⁽²⁾Φ(W⁽¹⁾x + b) − y‖²' --wrt x --where 'W⁽¹⁾, W⁽²⁾: d×d; x, b, y: d; Φ: elementwise' --layout numerator",
      "chainrule steps '‖Wx − x‖²' --wrt W --format latex --explain",
      "chainrule steps 'tanh(Wx)' --wrt x --where 'W: m×n'",
      "chainrule steps '𝟙ᵀexp(Ax)' --wrt x --hessian",
      "chainrule steps '‖Ax − b‖²' --wrt x --hvp",
    ]) + '\nA vector or matrix output gets its Jacobian by forward mode over the steps (numerator layout;\nthe differential dF where no matrix form exists). --hessian and --hvp differentiate the gradient\nthe same way, through the forward and the backward pass.\n')
    .action((expr: string, o: StepsFlags) => {
      return runOn(expr, o.debug, (source) => {
        const model = parse(source, { where: o.where, of: o.of });
        const variables = o.wrt !== undefined ? wrtVariables(model, o.wrt) : model.variables;
        const granularity = o.granularity === 'operation' ? 'operation' : 'step';
        if (o.hessian || o.hvp || !isScalar(model.output.node.shape)) {
          if (o.hessian && o.hvp) throw new ChainruleError('--hessian and --hvp are two derivations: ask for one', { hint: '--hvp prints ∇²f·v without forming the matrix' });
          if (o.hessian || o.hvp) requireScalarOutput(model, o.hvp ? 'a Hessian-vector product' : 'a Hessian');
          if (o.explain) throw new ChainruleError('--explain lists the rules of a gradient derivation; it does not apply to Jacobians and Hessians');
          const t = o.hessian || o.hvp ? deriveSecond(model, variables, o.hvp ? 'hvp' : 'hessian', { granularity }) : deriveJacobian(model, variables, { granularity });
          switch (o.format) {
            case 'latex':
              return void process.stdout.write(renderTangentLatex(t));
            case 'md':
              return void process.stdout.write(renderTangentMarkdown(t));
            case 'json':
              return void process.stdout.write(`${JSON.stringify(tangentJson(t), null, 2)}\n`);
            default:
              return void process.stdout.write(renderTangentText(t));
          }
        }
        const d = derive(model, variables, { layout: o.layout as Layout, granularity });
        const options = { explain: o.explain };
        switch (o.format) {
          case 'text':
            process.stdout.write(renderText(d, options));
            return;
          case 'latex':
            process.stdout.write(renderLatex(d, options));
            return;
          case 'md':
            process.stdout.write(renderMarkdown(d, options));
            return;
          case 'json': {
            const p = printers(d);
            const json = {
              output: printName(d.outputName, 'unicode'),
              layout: d.layout,
              forward: d.forward.map((f) => ({ name: printName(f.step.name, 'unicode'), definition: p.definition(f.step.expr, 'unicode'), latex: p.definition(f.step.expr, 'latex'), shape: describeShape(f.step.node.shape) })),
              backward: d.backward.map((l) => ({ ...printLine(d, l, 'unicode', p), latex: printLine(d, l, 'latex', p) })),
              rules: o.explain ? explainLines(d).slice(1).map((l) => l.trim()) : undefined,
            };
            process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
            return;
          }
          default:
            throw new ChainruleError(`--format is text, latex, md or json, not ${o.format}`);
        }
      });
    });
}
