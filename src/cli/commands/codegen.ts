// codegen: the value and gradient of an expression as a dependency-free TypeScript (or JavaScript)
// module, specialized to fixed sizes with --dims.
import type { Command } from 'commander';
import type { GenerateLang } from '../../compile.ts';
import { generate } from '../../compile.ts';
import { ChainruleError } from '../../errors.ts';
import { parseDims, runOn, wrtList, writeOutput } from '../io.ts';
import { dimsOption, ofOption, whereOption } from '../options.ts';

interface CodegenFlags {
  wrt: string;
  where?: string;
  of?: string;
  dims?: string;
  lang?: string;
  check?: boolean;
  output?: string;
  hessian?: boolean;
  debug?: boolean;
}

const LANGS: readonly GenerateLang[] = ['ts', 'js', 'numpy', 'torch', 'jax'];

/** --lang, else the output file's extension (.js → js, .py → numpy), else TypeScript. */
function langOf(o: CodegenFlags): GenerateLang {
  const wanted = o.lang ?? (/\.(m|c)?js$/.test(o.output ?? '') ? 'js' : /\.py$/.test(o.output ?? '') ? 'numpy' : 'ts');
  const lang = LANGS.find((l) => l === wanted);
  if (!lang) throw new ChainruleError(`--lang is ${LANGS.join(', ')}, not ${wanted}`);
  return lang;
}

/** The command as typed, for the module header (quoted so it can be pasted back; the header's
 * comment printer escapes whatever it contains). */
function commandLine(expr: string, o: CodegenFlags): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const parts = ['chainrule codegen', quote(expr), '--wrt', o.wrt];
  if (o.where) parts.push('--where', quote(o.where));
  if (o.of) parts.push('--of', o.of);
  if (o.dims) parts.push('--dims', o.dims);
  if (o.hessian) parts.push('--hessian');
  if (o.lang) parts.push('--lang', o.lang);
  if (o.check) parts.push('--check');
  return parts.join(' ');
}

export function registerCodegenCommand(program: Command): void {
  program
    .command('codegen')
    .description('generate the value and gradient as a dependency-free TypeScript/JavaScript module (value, valueAndGrad, Inputs, inputs), or a Python module for NumPy, PyTorch or JAX (value, value_and_grad)')
    .argument('<expr>', "the expression or program, '-' to read stdin, or @file")
    .requiredOption('--wrt <vars>', 'variables, comma-separated: W,x')
    .addOption(whereOption())
    .addOption(ofOption())
    .addOption(dimsOption('fix sizes at generation for fully specialized loops: n=256,m=10'))
    .option('--lang <lang>', 'ts | js | numpy | torch | jax (default: from the -o extension, .py → numpy, else ts)')
    .option('--check', 'numpy: append check_gradients(), a finite-difference self-test')
    .option('-o, --output <file>', 'write the module to a file instead of stdout')
    .option('--hessian', 'also export hessian(input) (Hessian blocks of scalar and vector variables) and hvp(input, direction) (the joint ∇²f·v, one direction part per variable); every --lang')
    .addHelpText('after', `
Examples:
  $ chainrule codegen '‖Wx − x‖²' --wrt W -o grad.ts
  $ chainrule codegen 'h = relu(W₁x + b₁); ŷ = W₂h + b₂; L = ½‖ŷ − y‖²' --wrt W1,b1,W2,b2 --where 'x: n; y: k; W₁: m×n' --dims n=256,m=256,k=10 -o mlp.ts
  $ chainrule codegen '−γ/2·log|αAAᵀ+β⁻¹I|' --wrt A --where 'A: n×n' --lang js -o logdet.js
  $ chainrule codegen '𝟙ᵀlog(𝟙 + exp(−y ⊙ (Xw)))' --wrt w --where 'X: N×d' --hessian -o newton.ts
  $ chainrule codegen '‖Wx − x‖²' --wrt W --lang numpy --check -o grad.py

Then, in TypeScript:
  import { valueAndGrad } from './grad.ts';
  const { value, grad } = valueAndGrad({ W: new Float64Array(9).fill(0.1), x: Float64Array.of(1, 2, 3) });
  console.log(value, grad.W);

Inputs are keyed by ASCII names (W⁽¹⁾ and W₁ → W1, α → alpha, ŷ → y_hat); scalars are numbers,
vectors and matrices Float64Array (row-major). Sizes not fixed by --dims are read from the inputs
or passed as the second argument: valueAndGrad(input, { h: 64 }).
`)
    .action((expr: string, o: CodegenFlags) => {
      return runOn(expr, o.debug, (source) => {
        const text = generate(source, { wrt: wrtList(o.wrt), where: o.where, of: o.of, dims: parseDims(o.dims), lang: langOf(o), check: o.check, command: commandLine(expr, o), hessian: o.hessian });
        if (o.output) {
          writeOutput(o.output, text);
          process.stderr.write(`wrote ${o.output}\n`);
        } else process.stdout.write(text);
      });
    });
}
