// key and samples: answer keys from problem files; `samples` is the README's main command.
import { renewWorkBudget } from '../../limits.ts';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { generate } from '../../compile.ts';
import { ChainruleError, formatError } from '../../errors.ts';
import type { SolvedSheet } from '../../key/index.ts';
import { compilePdf, graphNames, hasPdflatex, keyFailures, keyFormatOf, loadSheet, problemFiles, solveSheets, unreadSheet, writeGraphs, writeKey } from '../../key/index.ts';
import { progressBar } from '../../train/progress.ts';
import { EXIT, examples, run } from '../io.ts';


async function solveWithProgress(files: readonly string[], label: string): Promise<SolvedSheet[]> {
  const sheets = files.map(loadSheet);
  let bar: ReturnType<typeof progressBar> | undefined;
  const solved = await solveSheets(sheets, (done, total, what) => {
    bar ??= progressBar(label, total);
    bar.update(done, what);
  });
  bar?.stop();
  return solved;
}

/** Writes the generated gradient module of every computation; failures are reported, not hidden. */
function writeGradientModules(sheets: readonly SolvedSheet[], dir: string): { written: string[]; failed: string[] } {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const failed: string[] = [];
  for (const [sol, svgName] of graphNames(sheets)) {
    const c = sol.computation;
    const name = svgName.replace(/\.svg$/, '.ts');
    // A Jacobian part has no gradient to generate.
    if (!sol.derivation) continue;
    renewWorkBudget();
    try {
      const wrt = sol.derivation.answers.map((a) => a.variable.display);
      const text = generate(c.expr, { wrt, where: c.where, of: c.of, lang: 'ts', command: `chainrule samples (${name})` });
      writeFileSync(join(dir, name), text);
      written.push(join(dir, name));
    } catch (e) {
      failed.push(`${name}: ${(e as Error).message}`);
    }
  }
  return { written, failed };
}

export function registerKeyCommands(program: Command): void {
  program
    .command('key')
    .description('write an answer key from problem files: each problem as stated, final answers, steps, computation graphs, shape tables')
    .argument('<files...>', 'problem files (the format is described in samples/README.md)')
    .requiredOption('-o, --output <file>', 'key.tex (a complete LaTeX document) | key.md (graphs as SVG beside it) | key.html (KaTeX, inline SVG)')
    .option('--pdf', 'also run pdflatex on a .tex key')
    .addHelpText('after', examples([
      'chainrule key samples/ds102-dis7.json -o ds102-key.tex --pdf',
      'chainrule key samples/*.json -o key.html',
      'chainrule key samples/ece-c147-dis3.json -o key/ece.md',
    ]))
    .action((files: string[], o: { output: string; pdf?: boolean; debug?: boolean }) =>
      run(async () => {
        const format = keyFormatOf(o.output);
        // A batch loses nothing: every good problem is written, each bad file or computation is
        // marked in the key with its error and reported here, and the exit code is then 2.
        const loaded = files.map((file) => {
          try {
            return { file, sheet: loadSheet(file) };
          } catch (e) {
            if (e instanceof ChainruleError && e.kind === 'input') return { file, error: e };
            throw e;
          }
        });
        let bar: ReturnType<typeof progressBar> | undefined;
        const good = await solveSheets(loaded.flatMap((l) => (l.sheet ? [l.sheet] : [])), (done, total, what) => {
          bar ??= progressBar('solving', total);
          bar.update(done, what);
        }, { keepGoing: true });
        bar?.stop();
        const sheets = loaded.map((l) => (l.sheet ? good.shift() as SolvedSheet : unreadSheet(l.file, l.error as ChainruleError)));
        const failures = keyFailures(sheets);
        // Not one file could be read: there is no key to write, only the errors.
        if (loaded.every((l) => !l.sheet)) {
          for (const f of failures) process.stderr.write(`${formatError(f.error, undefined, { excerpt: 'token' })}\n`);
          return EXIT.input;
        }
        const written = writeKey(sheets, o.output);
        if (o.pdf && format === 'tex') {
          if (!hasPdflatex()) throw new ChainruleError('pdflatex is not installed', { hint: 'apt-get install texlive-latex-base texlive-latex-extra texlive-pictures' });
          const pdf = compilePdf(o.output);
          if (!pdf.pdf) throw new ChainruleError(`pdflatex failed on ${o.output}:\n${pdf.errors.slice(0, 5).join('\n')}`);
          written.push(pdf.pdf);
        }
        process.stderr.write(`wrote ${written.join(', ')}\n`);
        if (failures.length === 0) return;
        for (const f of failures) process.stderr.write(`${formatError(f.error, undefined, { excerpt: 'token' })}\n`);
        const unread = failures.filter((f) => f.problem === '' && f.part === '' && !f.error.message.startsWith(`${f.file}, `)).length;
        process.stderr.write(`${failures.length} ${failures.length === 1 ? 'problem' : 'problems'} not solved${unread ? ` (${unread} ${unread === 1 ? 'file' : 'files'} not read)` : ''}; each is marked in ${o.output}\n`);
        return EXIT.input;
      }, { debug: o.debug }),
    );

  program
    .command('samples')
    .description('build the answer key of the bundled course sheets: out/answer-key.tex (+ .pdf), .html, .md, the graphs as SVG, and gradient modules')
    .argument('[dir]', 'folder of problem files (default: ./samples, or else the sheets that come with chainrule)')
    .option('-o, --output <dir>', 'where to write', 'out')
    .addHelpText('after', examples(['chainrule samples', 'npm start          # the same', 'chainrule samples my-sheets -o my-key']))
    .action((given: string | undefined, o: { output: string; debug?: boolean }) =>
      run(async () => {
        const started = performance.now();
        // In a clone, ./samples; for an installed package, the samples folder it ships (three folders
        // up from src/cli/commands/ and from dist/cli/commands/), shown relative to where we run.
        const dir = given ?? (existsSync('samples') ? 'samples' : relative('.', fileURLToPath(new URL('../../../samples', import.meta.url))) || '.');
        const files = problemFiles(dir);
        if (files.length === 0) throw new ChainruleError(`${dir} has no problem files (*.json)`);
        const sheets = await solveWithProgress(files, 'deriving');
        const out = o.output;
        mkdirSync(out, { recursive: true });
        const lines: string[] = [];
        const rel = (p: string) => relative(process.cwd(), p) || p;
        const tex = join(out, 'answer-key.tex');
        writeKey(sheets, tex);
        lines.push(`  ${rel(tex)}   LaTeX answer key`);
        if (hasPdflatex()) {
          const pdf = compilePdf(tex);
          if (!pdf.pdf) throw new ChainruleError(`pdflatex failed on ${tex}:\n${pdf.errors.slice(0, 5).join('\n')}`);
          lines.push(`  ${rel(pdf.pdf)}   the same, typeset`);
        } else lines.push('  (no pdflatex: install texlive-latex-base texlive-latex-extra texlive-pictures for the PDF)');
        writeKey(sheets, join(out, 'answer-key.html'));
        lines.push(`  ${rel(join(out, 'answer-key.html'))}   HTML with KaTeX math and inline SVG graphs`);
        writeKey(sheets, join(out, 'answer-key.md'));
        lines.push(`  ${rel(join(out, 'answer-key.md'))}   Markdown`);
        const graphs = writeGraphs(sheets, join(out, 'graphs'));
        lines.push(`  ${rel(join(out, 'graphs'))}/   ${graphs.length} computation graphs (SVG)`);
        const modules = writeGradientModules(sheets, join(out, 'gradients'));
        lines.push(`  ${rel(join(out, 'gradients'))}/   ${modules.written.length} gradient modules (TypeScript)`);
        for (const f of modules.failed) lines.push(`    not generated: ${f}`);
        // EECS 189 section 1: the ReLU network trained by SGD on generated gradient code, with its plots.
        // Its plots need vega, an optional peer dependency: without it the rest of the samples still run.
        if (existsSync(join(dir, 'relu-sgd', 'config.json'))) {
          const { chartsAvailable } = await import('../../plot/render.ts');
          if (await chartsAvailable()) {
            const { runReluSgdSample } = await import('../../experiment/sample.ts');
            const training = await runReluSgdSample(join(out, 'relu-sgd'), { configPath: join(dir, 'relu-sgd', 'config.json') });
            const seconds = training.runs.reduce((t, r) => t + r.seconds, 0);
            lines.push(`  ${rel(training.index)}   ReLU SGD: ${training.runs.length} trainings (${seconds.toFixed(1)} s of SGD), fits, elbows, errors; σ and ReLU with their derivatives`);
          } else lines.push('  (no ReLU SGD training: its plots need vega; npm install vega vega-lite)');
        }
        const parts = sheets.reduce((n, s) => n + s.problems.reduce((m, p) => m + p.parts.length, 0), 0);
        process.stdout.write(`${sheets.length} sheets, ${parts} parts, in ${((performance.now() - started) / 1000).toFixed(1)} s:\n${lines.join('\n')}\n`);
      }, { debug: o.debug }),
    );
}
