// Solves every computation of a set of sheets once; the renderers (LaTeX, Markdown, HTML) only
// lay out what is here. Each solution holds the derivation (steps/), the graph (graph/) with its
// SVG and TikZ drawings, the final answers in two forms (over the forward names, and written
// out in the variables), and the shape table.
import { renewWorkBudget } from '../limits.ts';
import type { Model } from '../build/index.ts';
import { bindValues, findVariables, parse } from '../api.ts';
import { ChainruleError } from '../errors.ts';
import type { ComputationGraph } from '../graph/index.ts';
import { buildGraph, dotToSvg, toDot, toTikz } from '../graph/index.ts';
import type { Shape } from '../ir/shape.ts';
import { print } from '../print/index.ts';
import { printName } from '../print/names.ts';
import type { Derivation, StepSection, TangentDerivation } from '../steps/index.ts';
import { backwardLatexRows, derive, deriveJacobian, deriveSecond, forwardLatexRows, partial, printers, shapeText, tangentAnswers, tangentSections } from '../steps/index.ts';
import type { Computation, Part, Problem, Sheet } from './problems.ts';
import { splitMath } from './problems.ts';
import type { Name } from '../syntax/ast.ts';
import { nameKey } from '../syntax/ast.ts';

export interface Both {
  readonly unicode: string;
  readonly latex: string;
}

export interface Answer {
  /** ∂L/∂u */
  readonly symbol: Both;
  /** Over the forward names (z₁, ŷ, …). */
  readonly named: Both;
  /** Written out in the variables; absent when it reads the same as `named`. */
  readonly expanded?: Both;
  readonly shape: Both;
}

export interface ShapeRow {
  readonly symbol: Both;
  /** `variable` or the definition. */
  readonly meaning: Both | 'variable';
  readonly shape: Both;
}

export interface Solution {
  readonly computation: Computation;
  readonly model: Model;
  /** The gradient's derivation (scalar outputs: gradient and Hessian parts). */
  readonly derivation?: Derivation;
  /** A Jacobian or Hessian part's derivation: forward mode over the steps. */
  readonly second?: TangentDerivation;
  /** The steps as the key shows them: forward pass, backward pass, and (Jacobian, Hessian) the tangent passes. */
  readonly sections: readonly StepSection[];
  /** The computation graph (absent for a Jacobian part: it needs a scalar output). */
  readonly graph?: ComputationGraph;
  readonly svg: string;
  readonly tikz: string;
  readonly answers: readonly Answer[];
  readonly shapes: readonly ShapeRow[];
}

export interface SolvedPart {
  readonly part: Part;
  readonly solutions: readonly Solution[];
  /** Why computations of this part could not be solved (with `keepGoing`): each key marks them. */
  readonly failures?: readonly KeyFailure[];
}

/** A computation (or a whole file) that could not be solved: where, and the error. */
export interface KeyFailure {
  readonly file: string;
  readonly sheet: string;
  readonly problem: string;
  readonly part: string;
  readonly error: ChainruleError;
}

export interface SolvedProblem {
  readonly problem: Problem;
  readonly parts: readonly SolvedPart[];
}

export interface SolvedSheet {
  readonly sheet: Sheet;
  readonly slug: string;
  readonly problems: readonly SolvedProblem[];
}

export const slugOf = (s: string): string => s.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase() || 'x';

/** Every computation, solved; `progress` is told after each one. An input error stops at the first
 * bad computation, or with `keepGoing` is recorded on its part (`failures`) and the rest are solved. */
export async function solveSheets(sheets: readonly Sheet[], progress: (done: number, total: number, label: string) => void = () => {}, options: { keepGoing?: boolean } = {}): Promise<SolvedSheet[]> {
  const total = sheets.reduce((n, s) => n + s.problems.reduce((m, p) => m + p.parts.reduce((k, q) => k + q.compute.length, 0), 0), 0);
  let done = 0;
  const out: SolvedSheet[] = [];
  for (const sheet of sheets) {
    const problems: SolvedProblem[] = [];
    for (const problem of sheet.problems) {
      const parts: SolvedPart[] = [];
      for (const part of problem.parts) {
        const solutions: Solution[] = [];
        const failures: KeyFailure[] = [];
        for (const c of part.compute) {
          renewWorkBudget();
          const label = `${sheet.sheet} ${problem.id}${part.id ? `(${part.id})` : ''}`;
          try {
            solutions.push(await solve(c, statementFonts(`${problem.statement} ${part.statement}`)));
          } catch (e) {
            if (!(e instanceof ChainruleError && e.kind === 'input')) throw e;
            const located = new ChainruleError(`${sheet.file}, ${label}: ${e.message}`, { hint: e.hint, span: e.span, source: e.source ?? c.expr });
            if (!options.keepGoing) throw located;
            failures.push({ file: sheet.file, sheet: sheet.sheet, problem: problem.id, part: part.id, error: located });
          }
          progress(++done, total, label);
        }
        parts.push(failures.length ? { part, solutions, failures } : { part, solutions });
      }
      problems.push({ problem, parts });
    }
    out.push({ sheet, slug: slugOf(sheet.sheet), problems });
  }
  return out;
}

/** A problem file that could not be read, as a sheet whose one part is marked with the error. */
export function unreadSheet(file: string, error: ChainruleError): SolvedSheet {
  const name = file.split(/[\\/]/).pop() || file;
  const part: Part = { id: '', statement: '', compute: [] };
  const problem: Problem = { id: '', title: `${name} could not be read`, statement: '', parts: [part] };
  const failure: KeyFailure = { file, sheet: name, problem: '', part: '', error };
  return { sheet: { file, sheet: name, problems: [problem] }, slug: slugOf(name), problems: [{ problem, parts: [{ part, solutions: [], failures: [failure] }] }] };
}

/** Every failure recorded in solved sheets, in order. */
export const keyFailures = (sheets: readonly SolvedSheet[]): KeyFailure[] => sheets.flatMap((s) => s.problems.flatMap((p) => p.parts.flatMap((q) => q.failures ?? [])));

/** A failure's message as key text: one line, no `$` (which would open math in a key). */
export const failureText = (f: KeyFailure): string => `${f.error.message}${f.error.hint ? ` (hint: ${f.error.hint})` : ''}`.replace(/\s+/g, ' ').replace(/\$/g, '＄');

/**
 * The names a statement writes in a calligraphic font (\mathcal{L}, \mathcal{L}_{reg}, \mathscr{R}),
 * as a display for the derivation: the answer then says 𝓛 where the question does, not L.
 */
export function statementFonts(statement: string): (name: Name) => Name {
  const script = new Set<string>();
  for (const part of splitMath(statement)) {
    if (!part.math) continue;
    for (const m of part.text.matchAll(/\\math(?:cal|scr)\s*\{\s*([A-Z])\s*\}(?:\s*_\s*(?:\{\s*(?:\\(?:mathrm|text|operatorname)\s*\{([^{}]*)\}|([^{}]*))\s*\}|([A-Za-z0-9])))?/g)) {
      const sub = (m[2] ?? m[3] ?? m[4])?.trim();
      script.add(nameKey({ base: m[1], sub: sub || undefined }));
    }
  }
  return (name) => (script.has(nameKey(name)) ? { ...name, style: 'script' } : name);
}

export async function solve(c: Computation, display: (name: Name) => Name = (n) => n): Promise<Solution> {
  const model = parse(c.expr, { where: c.where, of: c.of });
  const variables = findVariables(model, c.wrt.length ? c.wrt : model.variables.map((v) => v.display));
  const second = c.derivative === 'jacobian' ? deriveJacobian(model, variables) : c.derivative === 'hessian' ? deriveSecond(model, variables, 'hessian', { display }) : undefined;
  const derivation = c.derivative === 'jacobian' ? undefined : (second?.scalar ?? derive(model, variables, { layout: c.layout, display }));
  const graph = derivation && buildGraph(model, { wrt: variables, at: c.at ? bindValues(model, c.at) : undefined, layout: c.layout, display });
  const [svg, tikz] = graph ? [await dotToSvg(toDot(graph)), await toTikz(graph)] : ['', ''];
  const shapeOf = (s: Shape): Both => ({ unicode: shapeText(s, 'unicode'), latex: shapeText(s, 'latex') });
  if (second) {
    const answers = tangentAnswers(second).map(({ unicode, latex }): Answer => ({
      symbol: { unicode: unicode.lhs, latex: latex.lhs },
      named: { unicode: unicode.result, latex: latex.result },
      expanded: unicode.expanded && latex.expanded ? { unicode: unicode.expanded, latex: latex.expanded } : undefined,
      shape: { unicode: unicode.shape, latex: latex.shape },
    }));
    const steps = second.grouping.steps;
    const shapes: ShapeRow[] = [
      ...model.variables.filter((v) => second.grouping.sources.includes(v.node)).map((v): ShapeRow => ({ symbol: { unicode: printName(display(v.name), 'unicode'), latex: printName(display(v.name), 'latex') }, meaning: 'variable', shape: shapeOf(v.shape) })),
      ...steps.map((st): ShapeRow => ({ symbol: { unicode: printName(display(st.name), 'unicode'), latex: printName(display(st.name), 'latex') }, meaning: { unicode: print(st.expr, 'unicode'), latex: print(st.expr, 'latex') }, shape: shapeOf(st.node.shape) })),
    ];
    return { computation: c, model, derivation, second, sections: tangentSections(second), graph, svg, tikz, answers, shapes };
  }
  const d = derivation as Derivation;
  const p = printers(d);
  const L = display(d.outputName);
  const answers = d.answers.map(({ line }): Answer => {
    const named = { unicode: p.expr(line.result, 'unicode'), latex: p.expr(line.result, 'latex') };
    const full = d.expand(line.result);
    const expanded = { unicode: print(full, 'unicode'), latex: print(full, 'latex') };
    return {
      symbol: { unicode: partial(L, display(line.name), 'unicode'), latex: partial(L, display(line.name), 'latex') },
      named,
      expanded: expanded.unicode === named.unicode ? undefined : expanded,
      shape: { unicode: shapeText(line.result.shape, 'unicode'), latex: shapeText(line.result.shape, 'latex') },
    };
  });
  const shapes: ShapeRow[] = [
    ...model.variables.filter((v) => d.grouping.sources.includes(v.node)).map((v): ShapeRow => ({ symbol: { unicode: printName(display(v.name), 'unicode'), latex: printName(display(v.name), 'latex') }, meaning: 'variable', shape: shapeOf(v.shape) })),
    ...d.forward.map((f): ShapeRow => ({
      symbol: { unicode: printName(display(f.step.name), 'unicode'), latex: printName(display(f.step.name), 'latex') },
      meaning: { unicode: p.definition(f.step.expr, 'unicode'), latex: p.definition(f.step.expr, 'latex') },
      shape: shapeOf(f.step.node.shape),
    })),
  ];
  const layout = c.layout === 'numerator' ? 'numerator layout: each derivative is the transpose of its variable' : 'each derivative has the shape of its variable';
  const sections: StepSection[] = [
    { kind: 'forward', title: 'Forward pass', rows: forwardLatexRows(d) },
    { kind: 'backward', title: 'Backward pass', note: layout, rows: backwardLatexRows(d) },
  ];
  return { computation: c, model, derivation: d, sections, graph, svg, tikz, answers, shapes };
}
