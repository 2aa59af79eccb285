// The options several commands share, declared once. Each command adds the ones it takes; a value
// outside an option's choices is refused by commander before the command runs (exit 2, one line).
import { Option } from 'commander';
import type { Layout } from '../diff/index.ts';

export const whereOption = (example = "'W: n×n; x: n'"): Option => new Option('-w, --where <decls>', `declarations, e.g. ${example}`);

/** --of: which definition of a program is the output. */
export const ofOption = (what = 'differentiate'): Option => new Option('--of <name>', `the definition to ${what} (default: the last line)`);

/** --format with its choices (listed in --help) and, where there is one, the default. */
export function formatOption<F extends string>(formats: readonly F[], fallback?: F, note?: string): Option {
  const option = new Option('-f, --format <format>', note ?? 'output format').choices(formats);
  return fallback === undefined ? option : option.default(fallback);
}

/** The formats of printed results. */
export const TEXT_FORMATS = ['text', 'latex', 'ascii', 'json'] as const;

/** The formats of printed derivatives: md is the LaTeX in $…$, to paste into a Markdown or Jupyter cell. */
export const DERIVATIVE_FORMATS = ['text', 'latex', 'md', 'ascii', 'json'] as const;

export const LAYOUTS: readonly Layout[] = ['gradient', 'numerator'];

/** --layout: gradient (∂f/∂X has X's shape) or numerator (its transpose). */
export const layoutOption = (fallback: Layout, note: string): Option => new Option('--layout <layout>', note).choices(LAYOUTS).default(fallback);

/** --at values.json: values of the variables (extra names are ignored with a note on stderr). */
export const atOption = (what: string): Option => new Option('--at <values.json>', `${what}; a JSON object name → number, array or array of rows`);

export const dimsOption = (note = 'sizes of dimensions not fixed by the values, e.g. n=3'): Option => new Option('--dims <sizes>', note);

/** --granularity: the steps as the notes group them, or one per operation. */
export const granularityOption = (note: string): Option => new Option('--granularity <g>', note).choices(['step', 'operation']).default('step');
