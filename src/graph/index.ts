// Computation graphs: one structure (model.ts), four drawings.
export { buildGraph, formatValue } from './model.ts';
export type { Both, ComputationGraph, GraphEdge, GraphNode, GraphOptions } from './model.ts';
export { toDot } from './dot.ts';
export { toMermaid } from './mermaid.ts';
export { toTikz } from './tikz.ts';
export { dotToSvg, graphviz, layout } from './svg.ts';
