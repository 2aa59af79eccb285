// Step-by-step derivations: the forward pass as named intermediates, the backward pass node by node.
export { substitute } from '../ir/fold.ts';
export { groupSteps, isLeaf } from './group.ts';
export type { Grouping, Step } from './group.ts';
export { derive } from './derive.ts';
export type { BackwardLine, ChainTerm, Derivation, DeriveOptions, ForwardLine } from './derive.ts';
export { backwardLatexRows, explainLines, forwardLatexRows, partial, printLine, printers, renderLatex, renderMarkdown, renderText, shapeText } from './render.ts';
export type { PrintedLine, RenderOptions, StepPrinters } from './render.ts';
export { deriveJacobian, deriveSecond, tangentPass } from './tangent.ts';
export type { Binding, SecondKind, TangentDerivation, TangentLine, TangentPass, TangentTerm } from './tangent.ts';
export { renderTangentLatex, renderTangentMarkdown, renderTangentText, tangentAnswers, tangentJson, tangentSections } from './tangent-render.ts';
export type { PrintedAnswer, PrintedTangentLine, StepSection } from './tangent-render.ts';
