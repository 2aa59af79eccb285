// The public API of chainrule. The CLI and the web playground import only this file.
export * from './api.ts';
export { ChainruleError, formatError } from './errors.ts';
export type { Model, VariableInfo, Definition, Output } from './build/index.ts';
export type { Node } from './ir/node.ts';
export { print, toLatex, toUnicode, toAscii } from './print/index.ts';
export { backward } from './diff/index.ts';
export { differential } from './diff/forward.ts';
export { jacobian, hessian, hessianVectorProduct, jacobianValues, hessianValues } from './jacobian/index.ts';
export type { Jacobian, JacobianResult, HessianBlock, HessianResult, HessianVectorProduct, LinearMap, KroneckerForm, SecondOrderOptions, JsonNested } from './jacobian/index.ts';
export type { Layout } from './diff/index.ts';
export { simplify, Simplifier } from './simplify/index.ts';
export { evaluate } from './eval/index.ts';
export { checkGradients } from './check/index.ts';
export { compile, generate } from './compile.ts';
export type { Compiled, CompiledInputs, CompileOptions, GenerateLang, GenerateOptions, Lang, PythonLang } from './compile.ts';
// For the web playground (web/): steps, graphs, random points and the ReLU training, all browser-safe
// (no node: modules; Graphviz is loaded by the page itself).
export { derive, forwardLatexRows, backwardLatexRows, renderText, printers, printLine, shapeText } from './steps/index.ts';
export type { Derivation, DeriveOptions, PrintedLine } from './steps/index.ts';
export { buildGraph, formatValue } from './graph/model.ts';
export type { ComputationGraph, GraphNode, GraphEdge, GraphOptions } from './graph/model.ts';
export { toDot } from './graph/dot.ts';
export { rng, randomDims, randomValues } from './check/index.ts';
export type { CheckResult } from './check/index.ts';
export type { DimSizes, Tensor } from './eval/index.ts';
export { TARGETS, TARGET_NAMES } from './train/data.ts';
export type { Target, TargetName, Dataset } from './train/data.ts';
export { Network, elbow, slope, PARAMETER_NAMES } from './train/network.ts';
export type { Params, ParameterName } from './train/network.ts';
export { generatedKernel, inputsOf } from './train/kernels.ts';
export type { LossKernel } from './train/kernels.ts';
export { DEFAULT_CONFIG, trainingConfig, trainingData, minibatches, trainedParameters } from './train/sgd.ts';
export type { TrainingConfig, TrainingData } from './train/sgd.ts';
export { sampleFunctions } from './plot/functions.ts';
export type { FunctionSeries } from './plot/functions.ts';
