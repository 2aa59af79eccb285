// Problem files (samples/README.md documents the format): a sheet of problems, each with parts;
// a part states the question and says what to compute (an expression or program in the input
// language, declarations, the variables to differentiate, a layout, optional values) and/or gives
// a written answer. Fields of a problem are inherited by its parts; a part may list several
// computations under `compute`. Loading validates everything and names the file in each error.
import { ChainruleError } from '../errors.ts';
import type { Layout } from '../diff/index.ts';

export type Show = 'answers' | 'steps' | 'graph' | 'shapes';
export const ALL_SHOWN: readonly Show[] = ['answers', 'steps', 'graph', 'shapes'];

/** One thing to derive. */
export interface Computation {
  readonly expr: string;
  readonly where?: string;
  readonly of?: string;
  readonly wrt: readonly string[];
  readonly layout: Layout;
  /** Values of every variable: the graph then shows forward values and gradients. */
  readonly at?: Readonly<Record<string, unknown>>;
  readonly show: readonly Show[];
}

export interface Part {
  readonly id: string;
  /** Text with $…$ LaTeX math. */
  readonly statement: string;
  readonly seed?: string;
  readonly compute: readonly Computation[];
  /** A written answer (text with $…$ math), for questions no derivation answers. */
  readonly answer?: string;
}

export interface Problem {
  readonly id: string;
  readonly title: string;
  readonly statement: string;
  readonly parts: readonly Part[];
}

export interface Sheet {
  readonly file: string;
  readonly sheet: string;
  readonly course?: string;
  readonly notes?: string;
  readonly problems: readonly Problem[];
}

type Json = Record<string, unknown>;

const COMPUTE_FIELDS = ['expr', 'where', 'of', 'wrt', 'layout', 'at', 'show'] as const;

function fail(file: string, where: string, message: string): never {
  throw new ChainruleError(`${file}: ${where}: ${message}`, { hint: 'the problem-file format is described in samples/README.md' });
}

function text(file: string, where: string, o: Json, key: string, required = false): string | undefined {
  const v = o[key];
  if (v === undefined) return required ? fail(file, where, `"${key}" is missing`) : undefined;
  if (typeof v !== 'string') fail(file, where, `"${key}" must be a string`);
  return v as string;
}

function computation(file: string, where: string, o: Json, inherited: Json): Computation | undefined {
  const merged: Json = { ...inherited };
  for (const k of COMPUTE_FIELDS) if (o[k] !== undefined) merged[k] = o[k];
  if (merged.expr === undefined) return undefined;
  const wrt = merged.wrt ?? [];
  if (!Array.isArray(wrt) || wrt.some((w) => typeof w !== 'string')) fail(file, where, '"wrt" must be a list of variable names');
  const layout = merged.layout ?? 'gradient';
  if (layout !== 'gradient' && layout !== 'numerator') fail(file, where, '"layout" is "gradient" or "numerator"');
  const show = merged.show ?? ALL_SHOWN;
  if (!Array.isArray(show) || show.some((s) => !ALL_SHOWN.includes(s as Show))) fail(file, where, `"show" lists some of ${ALL_SHOWN.join(', ')}`);
  if (merged.at !== undefined && (typeof merged.at !== 'object' || merged.at === null || Array.isArray(merged.at))) fail(file, where, '"at" maps variable names to values');
  return {
    expr: text(file, where, merged, 'expr', true) as string,
    where: text(file, where, merged, 'where'),
    of: text(file, where, merged, 'of'),
    wrt: wrt as string[],
    layout,
    at: merged.at as Json | undefined,
    show: show as Show[],
  };
}

/** Parses and validates the JSON text of a problem file. */
export function parseSheet(file: string, source: string): Sheet {
  let root: unknown;
  try {
    root = JSON.parse(source);
  } catch (e) {
    throw new ChainruleError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) fail(file, 'top level', 'expected an object with "sheet" and "problems"');
  const r = root as Json;
  if (!Array.isArray(r.problems) || r.problems.length === 0) fail(file, 'top level', '"problems" must be a non-empty list');
  const problems = (r.problems as Json[]).map((p, i): Problem => {
    const where = `problem ${p.id ?? i + 1}`;
    if (!Array.isArray(p.parts) || p.parts.length === 0) fail(file, where, '"parts" must be a non-empty list');
    const inherited: Json = {};
    for (const k of COMPUTE_FIELDS) if (p[k] !== undefined) inherited[k] = p[k];
    const parts = (p.parts as Json[]).map((q, j): Part => {
      const at = `${where}, part ${q.id ?? j + 1}`;
      const listed = q.compute;
      if (listed !== undefined && !Array.isArray(listed)) fail(file, at, '"compute" must be a list');
      const computations = listed
        ? (listed as Json[]).map((c, k) => computation(file, `${at}, computation ${k + 1}`, c, inherited) ?? fail(file, `${at}, computation ${k + 1}`, '"expr" is missing'))
        : [computation(file, at, q, inherited)].filter((c): c is Computation => c !== undefined);
      const answer = text(file, at, q, 'answer');
      if (computations.length === 0 && answer === undefined) fail(file, at, 'a part needs something to compute ("expr") or a written "answer"');
      return { id: String(q.id ?? ''), statement: text(file, at, q, 'statement', true) as string, seed: text(file, at, q, 'seed'), compute: computations, answer };
    });
    return { id: String(p.id ?? i + 1), title: text(file, where, p, 'title', true) as string, statement: text(file, where, p, 'statement') ?? '', parts };
  });
  return { file, sheet: text(file, 'top level', r, 'sheet', true) as string, course: text(file, 'top level', r, 'course'), notes: text(file, 'top level', r, 'notes'), problems };
}

/** Splits text with $…$ math into pieces, so each renderer treats text and math its own way. */
export function splitMath(s: string): { math: boolean; text: string }[] {
  const pieces: { math: boolean; text: string }[] = [];
  const re = /\$([^$]+)\$/g;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index > last) pieces.push({ math: false, text: s.slice(last, m.index) });
    pieces.push({ math: true, text: m[1] });
    last = m.index + m[0].length;
  }
  if (last < s.length) pieces.push({ math: false, text: s.slice(last) });
  return pieces;
}
