// jacobian and hessian: derivatives of vector and matrix outputs, and second derivatives, in matrix form.
import type { Command } from 'commander';
import { outputName, parse } from '../../api.ts';
import type { Model, VariableInfo } from '../../build/index.ts';
import { requireScalarOutput } from '../../build/index.ts';
import type { Layout } from '../../diff/index.ts';
import { describeShape } from '../../ir/shape.ts';
import type { JsonNested, Printout } from '../../jacobian/index.ts';
import { hessian, hessianValues, hessianVectorProduct, jacobian, jacobianValues } from '../../jacobian/index.ts';
import { print } from '../../print/index.ts';
import { bindAt, examples, markdownMath, runOn, wrtNames } from '../io.ts';
import { atOption, DERIVATIVE_FORMATS, dimsOption, formatOption, layoutOption, ofOption, whereOption } from '../options.ts';

interface Flags {
  wrt: string;
  where?: string;
  of?: string;
  layout?: string;
  format?: string;
  at?: string;
  dims?: string;
  expand?: boolean;
  hvp?: boolean;
  debug?: boolean;
}


const pick = (p: Printout, format: string | undefined): string => (format === 'latex' || format === 'md' ? p.latex : format === 'ascii' ? p.ascii : p.unicode);

/** The notation a --format prints in (md is LaTeX in $…$). */
const notation = (format: string | undefined): 'latex' | 'ascii' | 'unicode' => (format === 'latex' || format === 'md' ? 'latex' : format === 'ascii' ? 'ascii' : 'unicode');

/** ∂f/∂x in a notation. */
function derivativeLabel(model: Model, x: VariableInfo, f: 'latex' | 'ascii' | 'unicode'): string {
  const out = outputName(model, f);
  const v = print(x.node, f);
  return f === 'latex' ? `\\frac{\\partial ${out}}{\\partial ${v}}` : f === 'ascii' ? `d${out}/d${v}` : `∂${out}/∂${v}`;
}

/** ∂²f/∂x² or ∂²f/∂x∂y in a notation. */
function secondLabel(model: Model, x: VariableInfo, y: VariableInfo, f: 'latex' | 'ascii' | 'unicode'): string {
  const out = outputName(model, f);
  const [a, b] = [print(x.node, f), print(y.node, f)];
  if (f === 'latex') return `\\frac{\\partial^2 ${out}}{${x === y ? `\\partial ${a}^2` : `\\partial ${a}\\,\\partial ${b}`}}`;
  if (f === 'ascii') return `d2${out}/${x === y ? `d${a}^2` : `d${a}d${b}`}`;
  return `∂²${out}/${x === y ? `∂${a}²` : `∂${a}∂${b}`}`;
}

/** A note beside a result: a LaTeX comment in LaTeX, in parentheses otherwise. */
const note = (text: string, format: string | undefined): string => (format === 'latex' ? `% ${text}` : `(${text})`);

/** The lines as printed: in $…$ for --format md. */
const shown = (lines: readonly string[], format: string | undefined): string => `${lines.join('\n').split('\n').map((l) => (format === 'md' ? markdownMath(l) : l)).join('\n')}\n`;

/** A number or nested arrays, one row per line at the innermost level. */
function formatNested(v: JsonNested, indent = ''): string {
  if (typeof v === 'number') return String(Number(v.toPrecision(6)));
  if (v.every((x) => typeof x === 'number')) return `${indent}[${v.map((x) => formatNested(x)).join(', ')}]`;
  return `${indent}[\n${v.map((x) => formatNested(x, `${indent}  `)).join(',\n')}\n${indent}]`;
}

export function registerSecondOrderCommands(program: Command): void {
  program
    .command('jacobian')
    .description('the Jacobian of a vector or matrix output: a matrix in numerator layout, or the differential dF = A(dX)B with its Kronecker/vec form')
    .argument('<expr>', "the expression or program, '-' to read stdin, or @file")
    .requiredOption('--wrt <vars>', 'variables, comma-separated')
    .addOption(whereOption("'W: m×n'"))
    .addOption(ofOption())
    .addOption(layoutOption('numerator', 'numerator: J_ij = ∂f_i/∂x_j; gradient: its transpose'))
    .addOption(formatOption(DERIVATIVE_FORMATS, 'text', 'md: the LaTeX in $…$ for a Markdown or Jupyter cell'))
    .addOption(atOption('evaluate at these values: shape(f) × shape(x) nested arrays'))
    .addOption(dimsOption())
    .option('--expand', 'write results without the names of your definitions')
    .addHelpText('after', examples([
      "chainrule jacobian 'tanh(Wx)' --wrt x --where 'W: m×n'",
      "chainrule jacobian 'x ⊙ x' --wrt x --where 'x: n' --layout gradient",
      "chainrule jacobian 'AXB' --wrt X --where 'A: m×n; X: n×p; B: p×q'",
      "chainrule jacobian 'softmax(z)' --wrt z --where 'z: 3' --at values.json --format json",
    ]) + '\nA matrix by a matrix (and a vector by a matrix) has no matrix form: the differential is printed,\nwith vec(dF) = (Bᵀ ⊗ A) vec(dX) when it exists (vec stacks columns; K is the commutation matrix).\n')
    .action((expr: string, o: Flags) =>
      runOn(expr, o.debug, (source) => {
        const model = parse(source, { where: o.where, of: o.of });
        const result = jacobian(model, wrtNames(model, o.wrt), { layout: o.layout as Layout, expand: o.expand });
        const out = model.output.display ?? 'f';
        if (o.at) {
          const numbers = jacobianValues(result, bindAt(model, o.at, o.dims));
          if (o.format === 'json') return void process.stdout.write(`${JSON.stringify({ output: out, ...numbers })}\n`);
          const lines = result.jacobians.map((j) => `∂${out}/∂${j.variable.display} =\n${formatNested(numbers.jacobian[j.variable.written])}`);
          return void process.stdout.write(`${lines.join('\n')}\n`);
        }
        if (o.format === 'json') {
          const jacobians = Object.fromEntries(result.jacobians.map((j) => [j.variable.written, {
            form: j.matrix ? 'matrix' : 'differential',
            unicode: j.unicode, latex: j.latex, ascii: j.ascii,
            ...(j.matrix ? { shape: describeShape(j.matrix.shape) } : {}),
            convention: j.convention,
          }]));
          return void process.stdout.write(`${JSON.stringify({ output: out, layout: result.layout, jacobians }, null, 2)}\n`);
        }
        const one = result.jacobians.length === 1;
        const f = notation(o.format);
        const lines = result.jacobians.map((j) => {
          const text = pick(j, o.format);
          if (!j.matrix) return `${one ? '' : `${derivativeLabel(model, j.variable, f)}:\n`}${text}\n${note(j.convention, o.format)}`;
          return one ? text : `${derivativeLabel(model, j.variable, f)} = ${text}`;
        });
        process.stdout.write(shown(lines, o.format));
      }));

  program
    .command('hessian')
    .description('the Hessian of a scalar output in matrix form (∇²f), mixed blocks ∂²f/∂x∂y, or the Hessian-vector product ∇²f·v')
    .argument('<expr>', "the expression or program, '-' to read stdin, or @file")
    .requiredOption('--wrt <vars>', 'variables, comma-separated; two give the mixed block ∂²f/∂x∂y too')
    .addOption(whereOption())
    .addOption(ofOption())
    .option('--hvp', 'print the Hessian-vector product ∇²f·v (of the joint Hessian over all --wrt variables) instead of the matrix')
    .addOption(formatOption(DERIVATIVE_FORMATS, 'text', 'md: the LaTeX in $…$ for a Markdown or Jupyter cell'))
    .addOption(atOption('evaluate at these values: shape(x) × shape(y) nested arrays'))
    .addOption(dimsOption())
    .option('--expand', 'write results without the names of your definitions')
    .addHelpText('after', examples([
      "chainrule hessian '𝟙ᵀexp(Ax)' --wrt x",
      "chainrule hessian '‖Ax − b‖²' --wrt x --format latex",
      "chainrule hessian 'yᵀAx' --wrt x,y --where 'A: m×n'",
      "chainrule hessian '−log|X|' --wrt X",
      "chainrule hessian '‖Ax − b‖²' --wrt x --hvp",
      "chainrule hessian 'yᵀAx + ‖x‖²' --wrt x,y --hvp",
    ]) + '\nFor matrix variables the second differential d²f[dX, dX] is printed, with its Kronecker/vec form when it exists.\n')
    .action((expr: string, o: Flags) =>
      runOn(expr, o.debug, (source) => {
        const model = parse(source, { where: o.where, of: o.of });
        requireScalarOutput(model, o.hvp ? 'a Hessian-vector product' : 'a Hessian');
        const out = model.output.display ?? 'f';
        if (o.hvp) {
          const result = hessianVectorProduct(model, wrtNames(model, o.wrt), { expand: o.expand });
          if (o.format === 'json') {
            const products = Object.fromEntries(result.products.map((p) => [p.variable.written, { direction: print(p.direction, 'unicode'), unicode: p.unicode, latex: p.latex, ascii: p.ascii }]));
            return void process.stdout.write(`${JSON.stringify({ output: out, hvp: products }, null, 2)}\n`);
          }
          const format = notation(o.format);
          const name = outputName(model, format);
          const several = result.products.length > 1;
          const lines = result.products.map((p) => {
            const v = print(p.direction, format);
            const x = print(p.variable.node, format);
            if (format === 'latex') return `${several ? `(\\nabla^2 ${name}\\,v)_{${x}}` : `\\nabla^2 ${name}\\,${v}`} = ${pick(p, o.format)}`;
            const hessianOf = format === 'ascii' ? `hessian(${name})*` : `∇²${name}·`;
            return `${several ? `(${hessianOf}v)_${x}` : `${hessianOf}${v}`} = ${pick(p, o.format)}`;
          });
          // Among several variables the direction has one part per variable: v = (v_x, v_y).
          if (several) lines.unshift(`v = (${result.products.map((p) => print(p.direction, format)).join(', ')})`);
          return void process.stdout.write(shown(lines, o.format));
        }
        const result = hessian(model, wrtNames(model, o.wrt), { expand: o.expand });
        if (o.at) {
          const numbers = hessianValues(result, bindAt(model, o.at, o.dims));
          if (o.format === 'json') return void process.stdout.write(`${JSON.stringify({ output: out, ...numbers })}\n`);
          const lines = result.blocks.map((b) => `${secondLabel(model, b.row, b.col, 'unicode')} =\n${formatNested(numbers.hessian[b.row === b.col ? b.row.written : `${b.row.written},${b.col.written}`])}`);
          return void process.stdout.write(`${lines.join('\n')}\n`);
        }
        if (o.format === 'json') {
          const hessianOut = Object.fromEntries(result.blocks.map((b) => [b.row === b.col ? b.row.written : `${b.row.written},${b.col.written}`, {
            form: b.matrix ? 'matrix' : 'second differential',
            unicode: b.unicode, latex: b.latex, ascii: b.ascii,
            ...(b.matrix ? { shape: describeShape(b.matrix.shape) } : {}),
            convention: b.convention,
          }]));
          return void process.stdout.write(`${JSON.stringify({ output: out, hessian: hessianOut }, null, 2)}\n`);
        }
        const one = result.blocks.length === 1;
        const f = notation(o.format);
        const lines = result.blocks.map((b) => {
          const text = pick(b, o.format);
          if (!b.matrix) return `${one ? '' : `${secondLabel(model, b.row, b.col, f)}:\n`}${text}\n${note(b.convention, o.format)}`;
          return one ? text : `${secondLabel(model, b.row, b.col, f)} = ${text}`;
        });
        process.stdout.write(shown(lines, o.format));
      }));
}
