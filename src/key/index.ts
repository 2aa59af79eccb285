// Answer keys: problem files → solved sheets → .tex (and .pdf), .md, .html, SVG graphs.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { ChainruleError } from '../errors.ts';
import { readCapped, TEXT_LIMIT_BYTES } from '../read.ts';
import { MathRenderer, toHtml } from './html.ts';
import { toLatexDocument } from './latex.ts';
import { toMarkdown } from './markdown.ts';
import type { Sheet } from './problems.ts';
import { parseSheet } from './problems.ts';
import type { Solution, SolvedSheet } from './solve.ts';

export { MathRenderer, toHtml } from './html.ts';
export { latexText, toLatexDocument } from './latex.ts';
export { toMarkdown } from './markdown.ts';
export { ALL_SHOWN, parseSheet, splitMath } from './problems.ts';
export type { Computation, Part, Problem, Sheet, Show } from './problems.ts';
export { failureText, keyFailures, slugOf, solve, solveSheets, statementFonts, unreadSheet } from './solve.ts';
export type { Answer, KeyFailure, ShapeRow, Solution, SolvedPart, SolvedProblem, SolvedSheet } from './solve.ts';

export function loadSheet(path: string): Sheet {
  return parseSheet(path, readCapped(path, TEXT_LIMIT_BYTES));
}

/** The problem files of a directory: its `*.json` files, in name order. */
export function problemFiles(dir: string): string[] {
  if (!existsSync(dir)) throw new ChainruleError(`${dir} does not exist`, { hint: 'give the folder of problem files, e.g. samples' });
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => join(dir, f));
}

/** Stable, readable names for every solution's graph: `ds-102-discussion-7-2b.svg`. */
export function graphNames(sheets: readonly SolvedSheet[]): Map<Solution, string> {
  const names = new Map<Solution, string>();
  const taken = new Set<string>();
  for (const s of sheets) {
    for (const p of s.problems) {
      for (const q of p.parts) {
        q.solutions.forEach((sol, i) => {
          let name = `${s.slug}-${p.problem.id}${q.part.id}${q.solutions.length > 1 ? `-${i + 1}` : ''}`.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '').toLowerCase();
          for (let k = 2; taken.has(name); k++) name = `${name}-${k}`;
          taken.add(name);
          names.set(sol, `${name}.svg`);
        });
      }
    }
  }
  return names;
}

/** Writes the SVG of every graph into `dir`; returns the paths written. */
export function writeGraphs(sheets: readonly SolvedSheet[], dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [sol, name] of graphNames(sheets)) {
    const path = join(dir, name);
    writeFileSync(path, sol.svg);
    written.push(path);
  }
  return written;
}

export type KeyFormat = 'tex' | 'md' | 'html';

export function keyFormatOf(path: string): KeyFormat {
  const ext = path.split('.').pop();
  if (ext === 'tex' || ext === 'md' || ext === 'html') return ext;
  throw new ChainruleError(`cannot tell the key's format from ${basename(path)}`, { hint: 'name the output key.tex, key.md or key.html' });
}

/** Writes a key; Markdown also writes its graphs into `graphs/` beside it. Returns the files written. */
export function writeKey(sheets: readonly SolvedSheet[], path: string): string[] {
  mkdirSync(dirname(path) || '.', { recursive: true });
  const format = keyFormatOf(path);
  if (format === 'tex') {
    writeFileSync(path, toLatexDocument(sheets));
    return [path];
  }
  if (format === 'html') {
    writeFileSync(path, toHtml(sheets, new MathRenderer()));
    return [path];
  }
  const graphsDir = join(dirname(path), 'graphs');
  const graphs = writeGraphs(sheets, graphsDir);
  const names = graphNames(sheets);
  writeFileSync(path, toMarkdown(sheets, (s) => relative(dirname(path), join(graphsDir, names.get(s) as string))));
  return [path, ...graphs];
}

export const hasPdflatex = (): boolean => spawnSync('pdflatex', ['--version'], { stdio: 'ignore' }).status === 0;

export interface PdfResult {
  readonly pdf?: string;
  /** pdflatex's `! …` error lines, empty on success. */
  readonly errors: readonly string[];
  readonly log: string;
}

/** How long pdflatex may run on one key before it is stopped. */
export const PDFLATEX_TIMEOUT_MS = 120_000;

/**
 * Compiles a .tex with pdflatex (once: no references), sandboxed. It runs on a copy of the file in a
 * fresh temporary folder (so the only file it can find beside the key is the key), with
 * -no-shell-escape and shell_escape=f (no \write18), openin_any=p and openout_any=p (kpathsea's
 * paranoid mode: no absolute paths, no parent folders, no dot files, for reading or writing), and a
 * time limit. The PDF comes back beside the .tex; on failure, so does the log.
 */
export function compilePdf(texPath: string, options: { timeoutMs?: number } = {}): PdfResult {
  const dir = dirname(texPath);
  const stem = basename(texPath).replace(/\.tex$/, '');
  const sandbox = mkdtempSync(join(tmpdir(), 'chainrule-pdflatex-'));
  try {
    copyFileSync(texPath, join(sandbox, 'key.tex'));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', openin_any: 'p', openout_any: 'p', shell_escape: 'f', TEXMFOUTPUT: sandbox };
    const timeout = options.timeoutMs ?? PDFLATEX_TIMEOUT_MS;
    const run = spawnSync('pdflatex', ['-no-shell-escape', '-interaction=nonstopmode', '-halt-on-error', '-file-line-error', 'key.tex'], { cwd: sandbox, env, encoding: 'utf8', maxBuffer: 64 << 20, timeout, killSignal: 'SIGKILL' });
    const logPath = join(sandbox, 'key.log');
    const log = existsSync(logPath) ? readFileSync(logPath, 'utf8') : `${run.stdout ?? ''}${run.stderr ?? ''}`;
    const errors = log.split('\n').filter((l) => l.startsWith('!') || /^[^:]+:\d+: /.test(l));
    if (run.error && (run.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') errors.unshift(`! pdflatex did not finish in ${Math.round(timeout / 1000)} s and was stopped`);
    const ok = run.status === 0 && existsSync(join(sandbox, 'key.pdf'));
    const pdf = join(dir, `${stem}.pdf`);
    if (ok) copyFileSync(join(sandbox, 'key.pdf'), pdf);
    // The log stays beside a failed document, for whoever has to read it.
    else writeFileSync(join(dir, `${stem}.log`), log);
    return { pdf: ok ? pdf : undefined, errors, log };
  } finally {
    rmSync(sandbox, { recursive: true, force: true });
  }
}
