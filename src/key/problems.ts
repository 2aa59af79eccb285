// Problem files (samples/README.md documents the format): a sheet of problems, each with parts;
// a part states the question and says what to compute (an expression or program in the input
// language, declarations, the variables to differentiate, a layout, optional values) and/or gives
// a written answer. Fields of a problem are inherited by its parts; a part may list several
// computations under `compute`. Loading validates everything and names the file in each error.
import { ChainruleError } from '../errors.ts';
import type { Layout } from '../diff/index.ts';
import { unsafeMath } from './math.ts';

export type Show = 'answers' | 'steps' | 'graph' | 'shapes';
/** What a computation derives: the gradient (the default), the Jacobian of a vector or matrix
 * output, or the Hessian of a scalar output. */
export type DerivativeKind = 'gradient' | 'jacobian' | 'hessian';
export const DERIVATIVE_KINDS: readonly DerivativeKind[] = ['gradient', 'jacobian', 'hessian'];
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
  readonly derivative: DerivativeKind;
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

const COMPUTE_FIELDS = ['expr', 'where', 'of', 'wrt', 'layout', 'at', 'show', 'derivative'] as const;

function fail(file: string, where: string, message: string): never {
  throw new ChainruleError(`${file}: ${where}: ${message}`, { hint: 'the problem-file format is described in samples/README.md' });
}

function text(file: string, where: string, o: Json, key: string, required = false): string | undefined {
  const v = o[key];
  if (v === undefined) return required ? fail(file, where, `"${key}" is missing`) : undefined;
  if (typeof v !== 'string') fail(file, where, `"${key}" must be a string`);
  return v as string;
}

const CONTROL_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** A text field the key typesets (title, statement, answer, …): no control characters, and every
 * $…$ formula safe for pdflatex and KaTeX (src/key/math.ts). */
function prose(file: string, where: string, o: Json, key: string, required = false): string | undefined {
  const value = text(file, where, o, key, required);
  if (value === undefined) return undefined;
  const control = CONTROL_CHAR.exec(value);
  if (control) fail(file, where, `"${key}" contains the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
  // An odd number of $ leaves one that is neither math nor clearly text: refuse rather than guess.
  if ((value.match(/\$/g) ?? []).length % 2 === 1) fail(file, where, `"${key}" has an unpaired $ (math is written $…$)`);
  for (const piece of splitMath(value)) {
    if (!piece.math) continue;
    const problem = unsafeMath(piece.text);
    if (problem) throw new ChainruleError(`${file}: ${where}: "${key}": in $${shorten(piece.text)}$: ${problem}`, { hint: 'math in problem files may use the commands listed in samples/README.md (Math)' });
  }
  return value;
}

/** At most 60 characters of a formula, for an error line. */
const shorten = (s: string): string => ([...s].length > 60 ? `${[...s].slice(0, 57).join('')}…` : s);

/** An `id`: a string or a number, shown as text. */
function id(file: string, where: string, o: Json, fallback: string): string {
  const v = o.id;
  if (v === undefined) return fallback;
  if (typeof v !== 'string' && typeof v !== 'number') fail(file, where, '"id" must be a string or a number');
  return prose(file, where, { id: String(v) }, 'id') as string;
}

/** Each entry of a list must be an object: `null` or a string where a problem or part belongs is named. */
function objects(file: string, where: string, list: unknown[], what: string): Json[] {
  list.forEach((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) fail(file, where, `${what} ${i + 1} must be an object, not ${item === null ? 'null' : Array.isArray(item) ? 'a list' : typeof item}`);
  });
  return list as Json[];
}

function computation(file: string, where: string, o: Json, inherited: Json): Computation | undefined {
  const merged: Json = { ...inherited };
  for (const k of COMPUTE_FIELDS) if (o[k] !== undefined) merged[k] = o[k];
  if (merged.expr === undefined) return undefined;
  const wrt = merged.wrt ?? [];
  if (!Array.isArray(wrt) || wrt.some((w) => typeof w !== 'string')) fail(file, where, '"wrt" must be a list of variable names');
  const layout = merged.layout ?? 'gradient';
  if (layout !== 'gradient' && layout !== 'numerator') fail(file, where, '"layout" is "gradient" or "numerator"');
  const derivative = merged.derivative ?? 'gradient';
  if (!DERIVATIVE_KINDS.includes(derivative as DerivativeKind)) fail(file, where, `"derivative" is ${DERIVATIVE_KINDS.map((k) => `"${k}"`).join(', ')}`);
  // The computation graph carries ∂f/∂node, which needs a scalar output: a Jacobian part has none.
  const show = merged.show ?? (derivative === 'jacobian' ? ALL_SHOWN.filter((s) => s !== 'graph') : ALL_SHOWN);
  if (!Array.isArray(show) || show.some((s) => !ALL_SHOWN.includes(s as Show))) fail(file, where, `"show" lists some of ${ALL_SHOWN.join(', ')}`);
  if (derivative === 'jacobian' && show.includes('graph')) fail(file, where, 'a Jacobian part has no computation graph ("show" without "graph")');
  if (merged.at !== undefined && (typeof merged.at !== 'object' || merged.at === null || Array.isArray(merged.at))) fail(file, where, '"at" maps variable names to values');
  return {
    expr: text(file, where, merged, 'expr', true) as string,
    where: text(file, where, merged, 'where'),
    of: text(file, where, merged, 'of'),
    wrt: wrt as string[],
    layout,
    at: merged.at as Json | undefined,
    show: show as Show[],
    derivative: derivative as DerivativeKind,
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
  const problems = objects(file, 'top level', r.problems, 'problem').map((p, i): Problem => {
    const where = `problem ${typeof p.id === 'string' || typeof p.id === 'number' ? p.id : i + 1}`;
    if (!Array.isArray(p.parts) || p.parts.length === 0) fail(file, where, '"parts" must be a non-empty list');
    const inherited: Json = {};
    for (const k of COMPUTE_FIELDS) if (p[k] !== undefined) inherited[k] = p[k];
    const parts = objects(file, where, p.parts, 'part').map((q, j): Part => {
      const at = `${where}, part ${typeof q.id === 'string' || typeof q.id === 'number' ? q.id : j + 1}`;
      const listed = q.compute;
      if (listed !== undefined && !Array.isArray(listed)) fail(file, at, '"compute" must be a list');
      const computations = listed
        ? objects(file, at, listed as unknown[], 'computation').map((c, k) => computation(file, `${at}, computation ${k + 1}`, c, inherited) ?? fail(file, `${at}, computation ${k + 1}`, '"expr" is missing'))
        : [computation(file, at, q, inherited)].filter((c): c is Computation => c !== undefined);
      const answer = prose(file, at, q, 'answer');
      if (computations.length === 0 && answer === undefined) fail(file, at, 'a part needs something to compute ("expr") or a written "answer"');
      return { id: id(file, at, q, ''), statement: prose(file, at, q, 'statement', true) as string, seed: text(file, at, q, 'seed'), compute: computations, answer };
    });
    return { id: id(file, where, p, String(i + 1)), title: prose(file, where, p, 'title', true) as string, statement: prose(file, where, p, 'statement') ?? '', parts };
  });
  return { file, sheet: prose(file, 'top level', r, 'sheet', true) as string, course: prose(file, 'top level', r, 'course'), notes: text(file, 'top level', r, 'notes'), problems };
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
