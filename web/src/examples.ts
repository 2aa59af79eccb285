// The examples menu (#10): every part of the bundled course sheets (samples/*.json) that has an
// expression, and a few textbook problems. The sheets are bundled at build time, as JSON.
import ds102 from '../../samples/ds102-dis7.json';
import ece147 from '../../samples/ece-c147-dis3.json';
import eecs189 from '../../samples/eecs189-dis7.json';
import lecture from '../../samples/lecture-computation-graphs.json';

export interface Example {
  readonly label: string;
  readonly expr: string;
  readonly where: string;
  readonly wrt: readonly string[];
  readonly layout?: 'gradient' | 'numerator';
  /** Values for the graph, as `chainrule graph --at` reads them. */
  readonly at?: Readonly<Record<string, unknown>>;
}

export interface ExampleGroup {
  readonly title: string;
  readonly examples: readonly Example[];
}

interface SheetPart {
  readonly id: string;
  readonly expr?: string;
  readonly where?: string;
  readonly wrt?: readonly string[];
  readonly layout?: string;
  readonly at?: Record<string, unknown>;
}
interface SheetProblem {
  readonly id: string;
  readonly title: string;
  readonly expr?: string;
  readonly where?: string;
  readonly parts: readonly SheetPart[];
}
interface Sheet {
  readonly sheet: string;
  readonly problems: readonly SheetProblem[];
}

/** The parts with an expression (their own or their problem's), labelled `2(a) Backpropagation`. */
export function sheetExamples(sheet: Sheet): ExampleGroup {
  const examples: Example[] = [];
  for (const problem of sheet.problems) {
    for (const part of problem.parts) {
      const expr = part.expr ?? problem.expr;
      if (!expr) continue;
      const id = part.id ? (/^[a-z]$/i.test(part.id) ? `${problem.id}(${part.id})` : `${problem.id} ${part.id}`) : problem.id;
      examples.push({
        label: `${id}. ${problem.title}`,
        expr,
        where: part.where ?? problem.where ?? '',
        wrt: part.wrt ?? [],
        layout: part.layout === 'numerator' ? 'numerator' : undefined,
        at: part.at,
      });
    }
  }
  return { title: sheet.sheet, examples };
}

/** Textbook problems: least squares, ridge, logistic regression, a Gaussian likelihood, softmax, the Matrix Cookbook. */
export const TEXTBOOK: ExampleGroup = {
  title: 'Textbook problems',
  examples: [
    { label: 'Least squares ‖Ax − b‖²', expr: '‖Ax − b‖²', where: '', wrt: ['x'] },
    { label: 'Ridge regression (ESL 3.4)', expr: '‖Xw − y‖² + λ‖w‖²', where: 'X: N×d', wrt: ['w'] },
    { label: 'Logistic regression (PRML 4.3)', expr: 'L = −yᵀlog σ(Xw) − (𝟙 − y)ᵀlog(𝟙 − σ(Xw))', where: 'X: N×d', wrt: ['w'] },
    { label: 'Softmax cross-entropy', expr: 'L = −yᵀlog softmax(Wx)', where: 'W: k×d', wrt: ['W'] },
    { label: 'Gaussian negative log-likelihood (PRML 2.3)', expr: 'L = ½log|K| + ½yᵀK⁻¹y', where: 'K: n×n symmetric', wrt: ['K'] },
    { label: 'Quadratic form xᵀAx (Matrix Cookbook)', expr: 'xᵀAx', where: '', wrt: ['x'] },
    { label: 'tr(AXB) (Matrix Cookbook)', expr: 'tr(AXB)', where: 'X: n×n', wrt: ['X'] },
  ],
};

export const EXAMPLES: readonly ExampleGroup[] = [TEXTBOOK, ...[eecs189, ece147, ds102, lecture].map((s) => sheetExamples(s as Sheet))];
