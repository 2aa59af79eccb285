// What every command shares: reading EXPR (text, `-` for stdin, `@file`), reading JSON values,
// and turning failures into one clear line with a caret and a meaningful exit code.
import { writeFileSync } from 'node:fs';
import type { Bound } from '../api.ts';
import { bindValues, findVariables, variableNamed } from '../api.ts';
import type { Model, VariableInfo } from '../build/index.ts';
import { ChainruleError, formatError, visible } from '../errors.ts';
import { cpuLimitSeconds, limitWork, MAX_HEAP_MB } from '../limits.ts';
import { readCapped, TEXT_LIMIT_BYTES, VALUES_LIMIT_BYTES } from '../read.ts';

/** Exit codes: 0 success, 1 internal failure (a bug), 2 bad input, 3 a check that found a mismatch. */
export const EXIT = { ok: 0, internal: 1, input: 2, mismatch: 3 } as const;

/** EXPR as given: the text itself, `-` for stdin, `@file` for a file (both at most 1 MB). */
export function readSource(expr: string): string {
  if (expr === '-') return readCapped(0, TEXT_LIMIT_BYTES);
  if (expr.startsWith('@')) return readFile(expr.slice(1));
  return expr;
}

/** Whether EXPR is read from a file or stdin: its errors then show only the offending token. */
export const isFileSource = (expr: string): boolean => expr === '-' || expr.startsWith('@');

export function readFile(path: string): string {
  return readCapped(path, TEXT_LIMIT_BYTES);
}

export function readJson(path: string): Record<string, unknown> {
  const text = path === '-' ? readCapped(0, VALUES_LIMIT_BYTES) : readCapped(path, VALUES_LIMIT_BYTES);
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected an object of name → value');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new ChainruleError(`${path} is not valid JSON: ${(e as Error).message}`, { hint: 'values look like {"W": [[1, 2], [3, 4]], "x": [1, 2], "alpha": 0.5}' });
  }
}

/** --at values.json bound to a model. Names the expression does not use are ignored, with a note
 * on stderr: one values file can serve several expressions. */
export function bindAt(model: Model, path: string, dims: string | undefined): Bound {
  const given = readJson(path);
  const unused = Object.keys(given).filter((name) => variableNamed(model, name) === undefined);
  if (unused.length) {
    process.stderr.write(`note: ignoring ${visible(unused.join(', '))} in ${visible(path)}: not ${unused.length === 1 ? 'a variable' : 'variables'} of the expression (its variables are ${model.variables.map((v) => v.display).join(', ') || 'none'})\n`);
  }
  return bindValues(model, Object.fromEntries(Object.entries(given).filter(([name]) => !unused.includes(name))), parseDims(dims));
}

/** Runs a command body; errors become `error: …` with a caret (exit 2) or `internal error` (exit 1). */
export async function run(body: () => void | number | Promise<void | number>, options: { debug?: boolean; source?: () => string | undefined; excerpt?: 'line' | 'token' } = {}): Promise<never> {
  limitWork({ cpuSeconds: cpuLimitSeconds(), heapMb: MAX_HEAP_MB });
  try {
    const code = await body();
    return await exit(typeof code === 'number' ? code : EXIT.ok);
  } catch (e) {
    if (e instanceof ChainruleError && e.kind === 'input') {
      process.stderr.write(`${formatError(e, options.source?.(), { excerpt: options.excerpt })}\n`);
      return await exit(EXIT.input);
    }
    const fsError = fileSystemError(e);
    if (fsError) {
      process.stderr.write(`${formatError(fsError)}\n`);
      return await exit(EXIT.input);
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`internal error: ${visible(message)}\n`);
    if (options.debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    else process.stderr.write('this is a bug in chainrule; run again with --debug for details\n');
    return await exit(EXIT.internal);
  }
}

/** Exits once stdout and stderr have written everything: into a pipe they write asynchronously, and
 * `process.exit` straight away cut a 100 KB derivative piped into `wc` at 80 KB. */
async function exit(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => {
    if (stream.writableLength === 0 && !stream.writableNeedDrain) resolve();
    else stream.write('', () => resolve());
  })));
  process.exit(code);
}

const FS_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder', ENOTDIR: 'a part of the path is not a folder', EISDIR: 'it is a folder', EACCES: 'permission denied',
  EPERM: 'not permitted', EROFS: 'read-only file system', ENOSPC: 'no space left on the device', EEXIST: 'it already exists', EIO: 'input/output error',
  EINVAL: 'not a writable file',
};

/** A failed read or write of a path the user gave (-o into a missing folder, onto a folder or
 * /proc/version) is bad input, named with its path, not an internal error. */
function fileSystemError(e: unknown): ChainruleError | undefined {
  if (!(e instanceof Error)) return undefined;
  const { code, path, syscall } = e as NodeJS.ErrnoException;
  if (typeof code !== 'string' || typeof path !== 'string' || !FS_REASONS[code]) return undefined;
  const verb = syscall === 'mkdir' ? 'create the folder' : syscall === 'scandir' || syscall === 'read' ? 'read' : 'write';
  return new ChainruleError(`cannot ${verb} ${path}: ${FS_REASONS[code]}`, { hint: code === 'ENOENT' && verb === 'write' ? 'create the folder first, or write somewhere else' : undefined });
}

/** Writes an output file the user named (-o); any failure is reported with that name. */
export function writeOutput(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fileSystemError(Object.assign(new Error(), { code, path, syscall: 'open' })) ?? new ChainruleError(`cannot write ${path}: ${code ?? (e as Error).message}`);
  }
}

/** An option that must be a whole number in [min, max]: `--points 0`, `-3`, `abc` are bad input. */
export function integerOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new ChainruleError(`${name} takes a whole number, not ${value}`, { hint: `${name} ${min === max ? min : `${min}…${max}`}` });
  if (n < min || n > max) throw new ChainruleError(`${name} is ${n}; it must be between ${min} and ${max}`, { hint: n > max ? `the limit keeps a run within seconds; use ${name} ${max} or less` : undefined });
  return n;
}

/** An option that must be a positive finite number (`--tolerance 1e-6`). */
export function positiveNumberOption(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new ChainruleError(`${name} takes a positive number, not ${value}`, { hint: `${name} 1e-6` });
  return n;
}

/** The names of --wrt, comma-separated. An empty list or an empty name (`--wrt ''`, `--wrt x,,y`) is
 * bad input: --wrt '' never means "all variables". Duplicates are refused by findVariables. */
export function wrtList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.every((n) => n === '')) throw new ChainruleError(`--wrt names no variable`, { hint: '--wrt W,x (comma-separated)' });
  if (names.includes('')) throw new ChainruleError(`--wrt ${value} has an empty name`, { hint: `--wrt ${names.filter(Boolean).join(',')}` });
  return names;
}

/** The variables of --wrt in `model`, each once (see wrtList and findVariables). */
export function wrtVariables(model: Model, value: string): VariableInfo[] {
  return findVariables(model, wrtList(value));
}

/** The names of --wrt as written, checked against `model` (for the commands that take names). */
export function wrtNames(model: Model, value: string): string[] {
  const names = wrtList(value);
  findVariables(model, names);
  return names;
}

export function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseDims(value: string | undefined): Record<string, number> {
  const dims: Record<string, number> = {};
  if (!value) return dims;
  for (const part of splitList(value)) {
    const m = /^(\S+?)\s*=\s*(\d+)$/.exec(part);
    if (!m) throw new ChainruleError(`--dims takes name=size pairs, not ${part}`, { hint: '--dims n=256,m=10' });
    const size = Number(m[2]);
    if (!Number.isSafeInteger(size) || size < 1) throw new ChainruleError(`--dims ${m[1]}=${m[2]}: a size must be a whole number from 1 up`, { hint: `--dims ${m[1]}=3` });
    dims[m[1]] = size;
  }
  return dims;
}

/** A line of LaTeX as Markdown math: `$…$`, or a `$$` gathered block when it has line breaks (`a \\\\ b`).
 * A line of plain text (a header, a note in parentheses) stays as it is. */
export function markdownMath(line: string): string {
  if (line === '' || /^\(.*\)$/.test(line)) return line;
  if (line.endsWith(':')) return line.includes('\\') ? `$${line.slice(0, -1)}$:` : line;
  return line.includes(' \\\\ ') ? `$$\\begin{gathered}${line}\\end{gathered}$$` : `$${line}$`;
}

/** The `Examples:` block every command's --help ends with. */
export const examples = (lines: readonly string[]): string => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

/** Runs a command on EXPR: reads it (text, `-` or `@file`) and gives it to the body; an error is
 * shown against that text. */
export function runOn(expr: string, debug: boolean | undefined, body: (source: string) => void | number | Promise<void | number>): Promise<never> {
  let source: string | undefined;
  return run(() => {
    source = readSource(expr);
    return body(source);
  }, { debug, source: () => source, excerpt: isFileSource(expr) ? 'token' : 'line' });
}
