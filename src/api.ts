// The pipeline as functions: parse → build → diff → simplify → print / evaluate. The CLI and every
// later stage use these; nothing here knows about terminals or files.
import { ChainruleError } from './errors.ts';
import type { BuildOptions, Model, VariableInfo } from './build/index.ts';
import { buildModel, looseKey, requireScalarOutput } from './build/index.ts';
import type { Backward, Layout } from './diff/index.ts';
import { backward, inLayout } from './diff/index.ts';
import type { DimSizes, Tensor } from './eval/index.ts';
import { evaluate, inferDims } from './eval/index.ts';
import type { Bound, JsonValue } from './eval/json.ts';
import { fromTensor, toTensor } from './eval/json.ts';
import type { Folder } from './ir/fold.ts';
import { definitionFolder } from './ir/fold.ts';
import type { Node } from './ir/node.ts';
import type { Format } from './print/index.ts';
import { print } from './print/index.ts';
import { printName } from './print/names.ts';
import { Simplifier } from './simplify/index.ts';
import { refoldScaled } from './simplify/refold.ts';
import { parseDeclarations, parseProgram } from './syntax/parse.ts';

export interface ParseOptions {
  /** Declarations beside the expression: `W: n×n, x: n`. */
  readonly where?: string;
  /** The definition to take as the output (`L_reg`); default: the last statement. */
  readonly of?: string;
}

/** Parses and types a program. Errors carry the text they point into. */
export function parse(source: string, options: ParseOptions = {}): Model {
  let declarations: BuildOptions['declarations'] = [];
  if (options.where !== undefined && options.where.trim() !== '') {
    try {
      declarations = parseDeclarations(options.where);
    } catch (e) {
      throw e instanceof ChainruleError ? e.withSource(options.where) : e;
    }
  }
  try {
    const program = parseProgram(source);
    return buildModel(program, source, { declarations, declarationSource: options.where, of: options.of });
  } catch (e) {
    throw e instanceof ChainruleError ? e.withSource(source) : e;
  }
}

/** Each model's variables by key, display, spelling as written and their loose forms: finding the variables of a
 * 400-parameter --wrt list must not compare each with all of them. */
const variableIndex = new WeakMap<Model, { exact: Map<string, VariableInfo>; loose: Map<string, VariableInfo[]> }>();

function indexOf(model: Model): { exact: Map<string, VariableInfo>; loose: Map<string, VariableInfo[]> } {
  let index = variableIndex.get(model);
  if (!index) {
    const exact = new Map<string, VariableInfo>();
    const loose = new Map<string, VariableInfo[]>();
    // The first variable in order wins an exact name, as a search in order would find it.
    for (const v of model.variables) for (const k of [v.key, v.display, v.written]) if (!exact.has(k)) exact.set(k, v);
    for (const v of model.variables) {
      for (const k of new Set([looseKey(v.key), looseKey(v.display)])) {
        const list = loose.get(k);
        if (!list) loose.set(k, [v]);
        else if (!list.includes(v)) list.push(v);
      }
    }
    index = { exact, loose };
    variableIndex.set(model, index);
  }
  return index;
}

/** The variable a user means by `W1`, `W⁽¹⁾`, `alpha` or `α`. */
export function findVariable(model: Model, written: string): VariableInfo {
  const found = variableNamed(model, written);
  if (found) return found;
  const known = model.variables.map((v) => v.display).join(', ');
  throw new ChainruleError(`${written} is not a variable of the expression`, { hint: known ? `its variables are ${known}` : 'the expression has no variables' });
}

/** The variable a name means (`W1`, `W⁽¹⁾`, `mu`, `μ`), undefined when none; an ambiguous name is an error. */
export function variableNamed(model: Model, written: string): VariableInfo | undefined {
  const index = indexOf(model);
  const exact = index.exact.get(written);
  if (exact) return exact;
  const matches = (index.loose.get(looseKey(written)) ?? []).slice().sort((a, b) => model.variables.indexOf(a) - model.variables.indexOf(b));
  if (matches.length > 1) throw new ChainruleError(`${written} could mean ${matches.map((m) => m.display).join(' or ')}`, { hint: 'write the name exactly as in the expression' });
  return matches[0];
}

/** The output's name in a notation: `L₁` / `L_{1}` / `L_1`, `f` when the output is unnamed. */
export function outputName(model: Model, format: Format): string {
  const definition = model.definitions.find((d) => d.node === model.output.node && d.display === model.output.display);
  return definition ? printName(definition.name, format) : (model.output.display ?? 'f');
}

/** The variables named in a --wrt list, each once: `x,x` or `W1,W₁` (one variable twice) is refused. */
export function findVariables(model: Model, written: readonly string[]): VariableInfo[] {
  const found: VariableInfo[] = [];
  const seen = new Map<string, string>();
  for (const w of written) {
    const v = findVariable(model, w);
    const earlier = seen.get(v.key);
    if (earlier !== undefined) {
      const unique = written.filter((x, i) => written.findIndex((y) => findVariable(model, y).key === findVariable(model, x).key) === i);
      throw new ChainruleError(earlier === w ? `${w} is listed twice` : `${earlier} and ${w} are the same variable, ${v.display}`, {
        hint: `name each variable once: --wrt ${unique.join(',')}`,
      });
    }
    seen.set(v.key, w);
    found.push(v);
  }
  return found;
}

/** Writes nodes in the names the user gave to intermediate values (`(ŷ − y)hᵀ`), as an IR rewrite.
 * The output itself is not folded into its own name, nor are definitions that are bare variables. */
export function inDefinitions(model: Model): Folder {
  return refoldScaled(definitionFolder(foldedDefinitions(model)));
}

/** The definitions that `inDefinitions` folds over, in program order. */
export const foldedDefinitions = (model: Model): Model['definitions'] => model.definitions.filter((d) => d.node.args.length > 0 && d.node !== model.output.node);

export interface Derivative {
  readonly variable: VariableInfo;
  /** The simplified derivative in the requested layout. */
  readonly node: Node;
  /** Before simplification (the raw backward pass). */
  readonly raw: Node;
  readonly unicode: string;
  readonly latex: string;
  readonly ascii: string;
}

export interface DiffOptions {
  readonly layout?: Layout;
  /** Print in terms of the user's definitions (`(ŷ − y)hᵀ`), the default, or fully expanded. */
  readonly expand?: boolean;
}

export interface DiffResult {
  readonly model: Model;
  readonly derivatives: readonly Derivative[];
  readonly backward: Backward;
  readonly simplifier: Simplifier;
}

/** ∂output/∂v for each v in `wrt`, simplified and printed. */
export function differentiate(model: Model, wrt: readonly string[], options: DiffOptions = {}): DiffResult {
  requireScalarOutput(model);
  if (wrt.length === 0) throw new ChainruleError('say which variables to differentiate with respect to', { hint: '--wrt W,x' });
  const variables = findVariables(model, wrt);
  const pass = backward(model.output.node, variables.map((v) => v.node));
  const simplifier = new Simplifier(true);
  const fold = options.expand ? (n: Node) => n : inDefinitions(model);
  const derivatives = variables.map((variable) => {
    const raw = pass.gradients.get(variable.node) as Node;
    const node = simplifier.simplify(inLayout(raw, options.layout ?? 'gradient'));
    // Printed when asked: a generated module prints its formulas its own way, and a 200-layer
    // network's formulas are long.
    let shown: Node | undefined;
    const printed: Partial<Record<Format, string>> = {};
    const show = (f: Format): string => (printed[f] ??= print((shown ??= fold(node)), f));
    return {
      variable, node, raw,
      get unicode() { return show('unicode'); },
      get latex() { return show('latex'); },
      get ascii() { return show('ascii'); },
    };
  });
  return { model, derivatives, backward: pass, simplifier };
}

// ---- values ----------------------------------------------------------------------------------

export type { Bound, JsonValue } from './eval/json.ts';
export { fromTensor, toTensor } from './eval/json.ts';

/** Binds user-given values (keyed by the names as written, or their ASCII aliases) to variables. */
export function bindValues(model: Model, given: Readonly<Record<string, unknown>>, dims: DimSizes = {}): Bound {
  const values = new Map<string, Tensor>();
  for (const [written, value] of Object.entries(given)) {
    const v = findVariable(model, written);
    let t = toTensor(written, value);
    // A row vector variable given as a flat array.
    if (v.shape.rows === 1 && v.shape.cols !== 1 && t.cols === 1) t = { rows: 1, cols: t.rows, data: t.data };
    values.set(v.key, t);
  }
  const missing = model.variables.filter((v) => !values.has(v.key));
  if (missing.length) throw new ChainruleError(`no value for ${missing.map((m) => m.display).join(', ')}`, { hint: `add ${missing.map((m) => `"${m.display}"`).join(', ')} to the values` });
  return { values, dims: inferDims(model.variables, values, dims) };
}

export function evaluateNode(node: Node, bound: Bound): JsonValue {
  return fromTensor(evaluate(node, bound.values, bound.dims), node.shape);
}

/** `{"value": …, "gradient": {"W": …}}` from the simplified symbolic derivatives, keyed by the names as written. */
export function valueAndGradient(result: DiffResult, bound: Bound): { value: JsonValue; gradient: Record<string, JsonValue> } {
  const gradient: Record<string, JsonValue> = {};
  for (const d of result.derivatives) gradient[d.variable.written] = evaluateNode(d.node, bound);
  return { value: evaluateNode(result.model.output.node, bound), gradient };
}
