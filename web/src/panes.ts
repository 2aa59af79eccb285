// The panes under the derivatives (#10): steps of the forward and backward pass, the generated
// module, and the numerical check. Each renders from the parsed model with the public API only.
import katex from 'katex';
import type { Derivative, GenerateLang, Layout, Model } from '../../src/index.ts';
import { backwardLatexRows, ChainruleError, checkGradients, derive, differentiate, forwardLatexRows, generate, renderText } from '../../src/index.ts';

/** KaTeX's HTML, with MathML beside it for screen readers (its annotation holds the LaTeX source). */
export const tex = (latex: string, display = true): string => katex.renderToString(latex, { displayMode: display, throwOnError: false, output: 'htmlAndMathml' });

/** A short line in place of a pane's content: why there is nothing to show. */
function note(box: HTMLElement, text: string, className = 'note'): void {
  const p = document.createElement('p');
  p.className = className;
  p.textContent = text;
  box.replaceChildren(p);
}

/** Errors of the library (bad input, something it cannot do) as a note; anything else is a bug and is thrown. */
function explain(box: HTMLElement, e: unknown): void {
  if (!(e instanceof ChainruleError)) throw e;
  note(box, e.hint ? `${e.message} (${e.hint})` : e.message, 'note error');
}

export type StepsFormat = 'typeset' | 'unicode' | 'latex' | 'ascii';

/** The forward pass with named intermediates and the backward pass node by node (`chainrule steps`). */
export function renderSteps(box: HTMLElement, model: Model, wrt: readonly string[], layout: Layout, format: StepsFormat): void {
  if (wrt.length === 0) return note(box, 'Pick a variable to differentiate by to see the steps.');
  let forward: string[];
  let backward: string[];
  let text: string;
  try {
    const variables = model.variables.filter((v) => wrt.includes(v.display));
    const d = derive(model, variables, { layout });
    forward = forwardLatexRows(d);
    backward = backwardLatexRows(d);
    text = renderText(d);
  } catch (e) {
    return explain(box, e);
  }
  if (format === 'unicode' || format === 'ascii') {
    const pre = document.createElement('pre');
    pre.className = 'steps-text';
    pre.textContent = text;
    box.replaceChildren(pre);
    return;
  }
  const aligned = (rows: string[]) => `\\begin{aligned}\n${rows.join(' \\\\\n')}\n\\end{aligned}`;
  if (format === 'latex') {
    const pre = document.createElement('pre');
    pre.className = 'steps-text';
    pre.textContent = `% forward pass\n${aligned(forward)}\n% backward pass\n${aligned(backward)}\n`;
    box.replaceChildren(pre);
    return;
  }
  const part = (title: string, rows: string[], className: string) => {
    const h = document.createElement('h3');
    h.textContent = title;
    const body = document.createElement('div');
    body.className = `steps-math ${className}`;
    body.innerHTML = tex(aligned(rows));
    return [h, body];
  };
  const L = model.output.display ?? 'f';
  const layoutNote = layout === 'numerator' ? `numerator layout: ∂${L}/∂u is the transpose of u` : `gradient layout: ∂${L}/∂u has the shape of u`;
  box.replaceChildren(...part('Forward pass', forward, 'forward'), ...part(`Backward pass (${layoutNote})`, backward, 'backward'));
}

const EXTENSIONS: Record<GenerateLang, string> = { ts: 'ts', js: 'js', numpy: 'py', torch: 'py', jax: 'py' };

export interface GeneratedModule {
  readonly text: string;
  readonly filename: string;
  readonly mime: string;
}

/** The module `chainrule codegen` writes for the same input, or undefined (with a note in the box) when there is none. */
export function renderCode(box: HTMLElement, source: string, where: string, wrt: readonly string[], lang: GenerateLang): GeneratedModule | undefined {
  const code = box.querySelector('code') as HTMLElement;
  if (wrt.length === 0) {
    code.textContent = '// Pick a variable to differentiate by to generate its gradient code.';
    return undefined;
  }
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = `chainrule codegen ${quote(source)} --wrt ${quote(wrt.join(','))}${where.trim() ? ` --where ${quote(where)}` : ''}${lang === 'ts' ? '' : ` --lang ${lang}`}`;
  try {
    const text = generate(source, { wrt, where, lang, command });
    code.textContent = text;
    const ext = EXTENSIONS[lang];
    return { text, filename: `grad.${ext}`, mime: ext === 'py' ? 'text/x-python' : ext === 'ts' ? 'text/typescript' : 'text/javascript' };
  } catch (e) {
    if (!(e instanceof ChainruleError)) throw e;
    code.textContent = `// No module: ${e.message}${e.hint ? `\n// hint: ${e.hint}` : ''}`;
    return undefined;
  }
}

/** The CLI's default tolerance (`chainrule check --tolerance 1e-6`). */
export const TOLERANCE = 1e-6;
export const CHECK_POINTS = 3;

/**
 * `chainrule check` in the page: each symbolic gradient (gradient layout, as evaluated) against
 * central finite differences of the output at CHECK_POINTS random points and sizes drawn from `seed`;
 * the largest relative error over the points and the variables decides pass or fail.
 */
export function renderCheck(box: HTMLElement, model: Model, wrt: readonly string[], derivatives: readonly Derivative[] | undefined, seed: number): void {
  if (wrt.length === 0) return note(box, 'Pick a variable to differentiate by to check its gradient.');
  let results;
  try {
    const gradients = derivatives ?? differentiate(model, wrt, { layout: 'gradient' }).derivatives;
    results = checkGradients(model, gradients, { points: CHECK_POINTS, seed });
  } catch (e) {
    return explain(box, e);
  }
  if (results.some((r) => r.points === 0)) return note(box, `No point found where the expression has a finite value (tried ${CHECK_POINTS * 20} random points, seed ${seed}).`, 'note error');
  const worst = Math.max(...results.map((r) => (Number.isNaN(r.relativeError) ? Infinity : r.relativeError)));
  const ok = worst <= TOLERANCE;
  const summary = document.createElement('p');
  summary.className = `verdict ${ok ? 'pass' : 'fail'}`;
  summary.dataset.maxError = String(worst);
  const mark = document.createElement('strong');
  mark.textContent = ok ? '✓ pass' : '✗ fail';
  summary.append(mark, ` max relative error ${worst.toExponential(2)} ${ok ? '≤' : '>'} ${TOLERANCE.toExponential(0)}`);
  const detail = document.createElement('ul');
  detail.className = 'check-detail';
  for (const r of results) {
    const li = document.createElement('li');
    li.dataset.variable = r.variable;
    li.textContent = `∂/∂${r.variable}: relative error ${r.relativeError.toExponential(2)}`;
    detail.append(li);
  }
  const how = document.createElement('p');
  how.className = 'note';
  how.textContent = `Symbolic gradient against central finite differences at ${results[0].points} random points and sizes (seed ${seed}).`;
  box.replaceChildren(summary, detail, how);
}
