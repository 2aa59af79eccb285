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
