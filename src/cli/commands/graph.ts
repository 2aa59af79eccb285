// graph: the computation graph as DOT, SVG (Graphviz in wasm), TikZ or Mermaid, optionally with
// the forward value and the gradient on every node.
import type { Command } from 'commander';
import { parse } from '../../api.ts';
import type { Layout } from '../../diff/index.ts';
import { ChainruleError } from '../../errors.ts';
import { buildGraph, dotToSvg, toDot, toMermaid, toTikz } from '../../graph/index.ts';
import { bindAt, runOn, writeOutput, wrtVariables } from '../io.ts';
import { atOption, dimsOption, formatOption, granularityOption, layoutOption, ofOption, whereOption } from '../options.ts';

interface GraphFlags {
  granularity?: string;
  layout: Layout;
  wrt?: string;
  where?: string;
  of?: string;
  format?: string;
  at?: string;
  dims?: string;
  output?: string;
  debug?: boolean;
}

const FORMATS = ['dot', 'svg', 'tikz', 'mermaid'] as const;
type GraphFormat = (typeof FORMATS)[number];

/** The format from --format, else from the output file's extension, else DOT. */
function formatOf(o: GraphFlags): GraphFormat {
  const wanted = o.format ?? ({ dot: 'dot', gv: 'dot', svg: 'svg', tex: 'tikz', tikz: 'tikz', mmd: 'mermaid', mermaid: 'mermaid' } as Record<string, GraphFormat>)[o.output?.split('.').pop() ?? ''] ?? 'dot';
  if (!(FORMATS as readonly string[]).includes(wanted)) throw new ChainruleError(`--format is one of ${FORMATS.join(', ')}, not ${wanted}`);
  return wanted as GraphFormat;
}

export function registerGraphCommands(program: Command): void {
  program
    .command('graph')
    .description('draw the computation graph: variables as sources, one node per named step with its shape, the output as the sink')
    .argument('<expr>', "the expression or program, '-' to read stdin, or @file")
    .option('--wrt <vars>', 'variables whose gradients to show (default: all)')
    .addOption(whereOption())
    .addOption(ofOption('draw'))
    .addOption(formatOption(FORMATS, undefined, 'default: from the -o extension, else dot'))
    .addOption(atOption('write the forward value and the gradient on every node'))
    .addOption(granularityOption('step: one node per named step, as the notes draw it; operation: one node per operation'))
    .addOption(layoutOption('gradient', 'how edges write Jacobians: gradient (∂z/∂x = Wᵀ for z = Wx) or numerator (W)'))
    .addOption(dimsOption())
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .addHelpText('after', `
Examples:
  $ chainrule graph '(wᵀφ − y)²' --where 'w, φ: 2; y: scalar' --at values.json -o loss.svg
      with values.json = {"w": [3, 1], "φ": [1, 2], "y": 2}: residual 3, loss 9, ∂L/∂w = [6, 12]
  $ chainrule graph 'L = (y − bᵀσ(Ax))²' --where 'A: h×m' --format tikz
  $ chainrule graph 'z = wx + b; y = σ(z); L = ½(y − t)²' --where 'w, x, b, t: scalar' --format mermaid
`)
    .action((expr: string, o: GraphFlags) => {
      return runOn(expr, o.debug, async (source) => {
        const format = formatOf(o);
        const model = parse(source, { where: o.where, of: o.of });
        const wrt = o.wrt !== undefined ? wrtVariables(model, o.wrt) : undefined;
        const at = o.at ? bindAt(model, o.at, o.dims) : undefined;
        const graph = buildGraph(model, { wrt, at, granularity: o.granularity === 'operation' ? 'operation' : 'step', layout: o.layout });
        const text = format === 'dot' ? toDot(graph) : format === 'svg' ? await dotToSvg(toDot(graph)) : format === 'tikz' ? await toTikz(graph) : toMermaid(graph);
        if (o.output) {
          writeOutput(o.output, text);
          process.stderr.write(`wrote ${o.output}\n`);
        } else process.stdout.write(text);
      });
    });
}
