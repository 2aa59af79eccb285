// build: syntax tree → typed IR. Declarations first, then usage, then the naming defaults of
// LANGUAGE.md: the kinds of undeclared variables are searched, fewest departures from the
// defaults first; one solution wins, two at the same distance are an ambiguity error, none is the
// error the defaults produced (it names the variable, both shapes and where each came from).
import { ChainruleError, internalError } from '../errors.ts';
import type { Node } from '../ir/node.ts';
import type { Shape } from '../ir/shape.ts';
import { describeShape, isScalar } from '../ir/shape.ts';
import type { DeclType, Declaration, Dim, Expr, Name, Program, Span } from '../syntax/ast.ts';
import { nameKey } from '../syntax/ast.ts';
import { GREEK_LETTERS, SCRIPT_DIGIT_VALUES } from '../syntax/scripts.ts';
import type { Elaborated, Kind, Reading, Scope } from './elaborate.ts';
import { Elaborator, defaultKind, display } from './elaborate.ts';
import { Resolver } from './resolve.ts';
import { isOne } from './dims.ts';

export { display, defaultKind };
export type { Kind };

export interface VariableInfo {
  readonly key: string;
  readonly name: Name;
  /** As printed: `W⁽¹⁾`, `α`, `ŷ`. */
  readonly display: string;
  /** As the user typed it at its first use (`mu`, `\\alpha`, `W^{(1)}`): the key of JSON output. */
  readonly written: string;
  readonly shape: Shape;
  readonly node: Node;
  /** How its shape was found. */
  readonly origin: 'declared' | 'inferred';
  readonly firstUse: Span;
}

export interface Definition {
  readonly key: string;
  readonly name: Name;
  readonly display: string;
  readonly node: Node;
  readonly span: Span;
}

export interface Output {
  readonly key?: string;
  readonly display?: string;
  readonly node: Node;
  readonly span: Span;
}

export interface Model {
  readonly source: string;
  /** Free variables in order of first use. */
  readonly variables: readonly VariableInfo[];
  /** `z = wx + b` lines, in order; their nodes are shared with later lines. */
  readonly definitions: readonly Definition[];
  /** Every statement's value; the output is the last unless `of` names one. */
  readonly outputs: readonly Output[];
  readonly output: Output;
  /** Symbolic dimensions, declared or inferred. */
  readonly dims: readonly string[];
}

export interface BuildOptions {
  /** Extra declarations (from `--where`), with the text they were parsed from for error carets. */
  readonly declarations?: readonly Declaration[];
  readonly declarationSource?: string;
  /** Name of the statement to take as the output (`--of L_reg`). */
  readonly of?: string;
}

const SEARCH_BUDGET = 3000;

/** Letters that name functions when used only before parentheses and not declared. */
const FUNCTION_LETTERS: ReadonlySet<string> = new Set(['f', 'g', 'h', 'F', 'G', 'H', 'φ', 'ϕ', 'ψ', 'Φ', 'Ψ']);

export function buildModel(program: Program, source: string, options: BuildOptions = {}): Model {
  const scope = collectScope(program, source, options);
  const free = freeVariables(program, scope);
  const kinds = new Map<string, Kind>();
  for (const f of free) kinds.set(f.key, defaultKind(f.name));

  const readings = readingChoices(indexedNames(program, scope));
  const attempt = (assignment: ReadonlyMap<string, Kind>): Elaborated => elaborateReadings(scope, assignment, readings);
  let elaborated: Elaborated;
  try {
    elaborated = guardDepth(() => attempt(kinds));
  } catch (firstError) {
    if (!(firstError instanceof ChainruleError) || firstError.kind !== 'input' || free.length === 0 || firstError instanceof AmbiguousReading) throw firstError;
    elaborated = searchKinds(free, kinds, attempt, firstError);
  }
  return resolveModel(elaborated, scope, source, options);
}

function guardDepth<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) throw new ChainruleError('the expression is nested too deeply', { hint: 'split it into definitions, one per line (z = …)' });
    throw e;
  }
}

interface FreeVariable {
  readonly key: string;
  readonly name: Name;
  readonly span: Span;
}

/** Tries kind assignments that depart from the defaults in 1, 2, … variables. */
function searchKinds(
  free: readonly FreeVariable[],
  defaults: ReadonlyMap<string, Kind>,
  attempt: (kinds: ReadonlyMap<string, Kind>) => Elaborated,
  firstError: ChainruleError,
): Elaborated {
  const allKinds: Kind[] = ['scalar', 'vector', 'matrix'];
  let budget = SEARCH_BUDGET;
  for (let departures = 1; departures <= free.length && budget > 0; departures++) {
    const solutions: { kinds: Map<string, Kind>; result: Elaborated }[] = [];
    for (const chosen of combinations(free.length, departures)) {
      for (const alternative of alternatives(chosen.length)) {
        if (--budget < 0) break;
        const kinds = new Map(defaults);
        chosen.forEach((index, j) => {
          const v = free[index];
          const others = allKinds.filter((k) => k !== defaults.get(v.key));
          kinds.set(v.key, others[alternative[j]]);
        });
        try {
          solutions.push({ kinds, result: guardDepth(() => attempt(kinds)) });
        } catch (e) {
          if (!(e instanceof ChainruleError) || e.kind !== 'input' || e instanceof AmbiguousReading) throw e;
        }
      }
    }
    if (solutions.length === 1) return solutions[0].result;
    // At equal distance from the defaults, a reading with a scalar output wins: losses are scalars
    // (ℓ(x) = h(f(x), g(x)) with x a square matrix type-checks too, but nobody means that).
    const scalarOutput = solutions.filter((s) => {
      const out = s.result.outputs[s.result.outputs.length - 1]?.value;
      return out !== undefined && isOne(out.rows) && isOne(out.cols);
    });
    if (scalarOutput.length === 1) return scalarOutput[0].result;
    if (solutions.length > 1) {
      const [a, b] = scalarOutput.length > 1 ? scalarOutput : solutions;
      const v = free.find((f) => a.kinds.get(f.key) !== b.kinds.get(f.key)) ?? free[0];
      throw new ChainruleError(`the shape of ${display(v.name)} is ambiguous: it could be a ${a.kinds.get(v.key)} or a ${b.kinds.get(v.key)}`, {
        span: v.span,
        hint: `declare it, for example --where '${display(v.name)}: ${a.kinds.get(v.key) === 'scalar' ? 'scalar' : a.kinds.get(v.key) === 'vector' ? 'n' : 'n×m'}'`,
      });
    }
  }
  throw firstError;
}

// ---- indexed names: entries of a vector or rows of a matrix ------------------------------

/** Two readings give different answers, and neither is the textbook one: reported, never searched past. */
class AmbiguousReading extends ChainruleError {}

/** An indexed name in a sum whose reading is open: `xᵢ` is the i-th entry of a vector x, or the
 * i-th row of a matrix X (a data point, as in ∑ᵢ (yᵢ − wᵀxᵢ)²). */
interface IndexedName {
  /** Key of the base name (`x`). */
  readonly key: string;
  /** The name as first written (`xᵢ`), for messages. */
  readonly name: Name;
  readonly index: string;
  readonly span: Span;
}

/** Indexed names whose reading nothing fixes: no declaration of x, of X or of a row name, x not
 * used on its own, and a lower-case Latin base (so that the matrix has a name, X). */
function indexedNames(program: Program, scope: Scope): IndexedName[] {
  const found = new Map<string, IndexedName>();
  const plain = new Set<string>();
  for (const st of program.statements) {
    if (st.kind === 'declare') continue;
    walk(st.value, (e) => {
      if (e.kind === 'name') plain.add(nameKey(e.name));
    });
    walkSums(st.value, (sum) => {
      walkExpr(sum.body, (e) => {
        if (e.kind !== 'name' || e.name.sub !== sum.index || !/^[a-z]$/.test(e.name.base)) return;
        const base: Name = { ...e.name, sub: undefined };
        const key = nameKey(base);
        const matrixKey = nameKey({ ...base, base: base.base.toUpperCase() });
        if (scope.declared.has(key) || scope.declared.has(matrixKey) || scope.rowNames.has(key)) return;
        if (scope.definitionNames.has(key) || scope.functions.has(key) || scope.definitionNames.has(matrixKey)) return;
        if (!found.has(key)) found.set(key, { key, name: e.name, index: sum.index, span: e.span });
      });
    });
  }
  // A base also used on its own (‖x‖ beside ∑ᵢ xᵢ) is that vector: its entries are meant.
  return [...found.values()].filter((n) => !plain.has(n.key));
}

/** Every assignment of readings, the entry reading first (so its error is the one reported). At most
 * 2⁴ of them: names beyond the fourth keep the entry reading unless the matrix exists. */
function readingChoices(names: readonly IndexedName[]): { names: readonly IndexedName[]; choices: ReadonlyMap<string, Reading>[] } {
  const open = names.slice(0, 4);
  const choices: Map<string, Reading>[] = [];
  for (let mask = 0; mask < 1 << open.length; mask++) {
    choices.push(new Map(open.map((n, j) => [n.key, (mask >> j) & 1 ? 'rows' : 'entries'])));
  }
  return { names: open, choices };
}

/** Elaborates under each reading of the indexed names: one that type-checks wins; two are an
 * ambiguity, reported with both readings; none is the entry reading's error. */
function elaborateReadings(scope: Scope, kinds: ReadonlyMap<string, Kind>, readings: ReturnType<typeof readingChoices>): Elaborated {
  const solutions: { reading: ReadonlyMap<string, Reading>; result: Elaborated }[] = [];
  let firstError: unknown;
  for (const reading of readings.choices) {
    try {
      solutions.push({ reading, result: new Elaborator(scope, kinds, reading).run() });
    } catch (e) {
      if (!(e instanceof ChainruleError) || e.kind !== 'input') throw e;
      firstError ??= e;
    }
  }
  if (solutions.length === 1) return solutions[0].result;
  if (solutions.length === 0) throw firstError;
  const [a, b] = solutions;
  const n = readings.names.find((x) => a.reading.get(x.key) !== b.reading.get(x.key)) ?? readings.names[0];
  const written = display(n.name);
  const vector = display({ ...n.name, sub: undefined });
  const matrix = display({ ...n.name, sub: undefined, base: n.name.base.toUpperCase() });
  throw new AmbiguousReading(`${written} could be entry ${n.index} of a vector ${vector} or row ${n.index} of a matrix ${matrix}, and the two give different results`, {
    span: n.span,
    hint: `declare which: --where '${vector}: n' for entries, or --where '${matrix}: n×d (rows ${written}ᵀ)' for rows`,
  });
}

function* combinations(n: number, k: number, start = 0, prefix: number[] = []): Generator<number[]> {
  if (prefix.length === k) {
    yield prefix;
    return;
  }
  for (let i = start; i < n; i++) yield* combinations(n, k, i + 1, [...prefix, i]);
}

function* alternatives(k: number): Generator<number[]> {
  for (let mask = 0; mask < 1 << k; mask++) yield Array.from({ length: k }, (_, j) => (mask >> j) & 1);
}

// ---- scope ---------------------------------------------------------------------------------

/** A declared type without source positions: `x: n` twice is one declaration, `x: 3; x: 4` two. */
function typeKey(t: DeclType): string {
  const dim = (d: Dim) => (d.kind === 'size' ? String(d.value) : `'${d.name}`);
  switch (t.kind) {
    case 'vector': return `vector ${dim(t.size)}`;
    case 'matrix': return `matrix ${dim(t.rows)}×${dim(t.cols)}`;
    default: return t.kind;
  }
}

/** Names with a fixed meaning: declaring or defining them would silently turn them into variables. */
const CONSTANTS: Readonly<Record<string, { what: string; hint: string }>> = {
  I: { what: 'the identity matrix (its size comes from where it stands)', hint: 'for a variable use another letter, or a subscript such as I₁' },
  π: { what: 'the number π', hint: 'for a variable use another letter, or a subscript such as π_θ' },
};

function collectScope(program: Program, source: string, options: BuildOptions): Scope {
  const declared = new Map<string, { declaration: Declaration; name: Name; span: Span }>();
  const rowNames = new Map<string, string>();
  const dimensionSymbols = new Set<string>();
  const declare = (d: Declaration, declSource: string | undefined) => {
    for (const n of d.names) {
      const key = nameKey(n.name);
      const constant = CONSTANTS[key];
      if (constant) throw new ChainruleError(`${display(n.name)} is ${constant.what}; it cannot be declared`, { span: n.span, source: declSource, hint: constant.hint });
      const previous = declared.get(key);
      if (previous && typeKey(previous.declaration.type) !== typeKey(d.type)) {
        throw new ChainruleError(`${display(n.name)} is declared twice with different shapes`, { span: n.span, source: declSource, hint: `keep one declaration of ${display(n.name)}` });
      }
      declared.set(key, { declaration: d, name: n.name, span: n.span });
      if (d.rowName) rowNames.set(nameKey({ ...d.rowName, sub: undefined }), key);
    }
    const t = d.type;
    const dims = t.kind === 'vector' ? [t.size] : t.kind === 'matrix' ? [t.rows, t.cols] : [];
    for (const dim of dims) {
      if (dim.kind === 'symbol') dimensionSymbols.add(dim.name);
      else if (dim.value < 1) {
        const names = d.names.map((n) => display(n.name)).join(', ');
        throw new ChainruleError(`a size must be at least 1, not ${dim.value}`, {
          span: dim.span,
          source: declSource,
          hint: `${names} ${d.names.length === 1 ? 'has' : 'have'} no entries then; declare a size of 1 or more, or a symbol (${names}: ${t.kind === 'matrix' ? 'n×m' : 'n'})`,
        });
      }
    }
  };
  for (const d of options.declarations ?? []) declare(d, options.declarationSource);
  const functions = new Map<string, { params: readonly Name[]; body: Expr; span: Span }>();
  const definitionNames = new Set<string>();
  for (const st of program.statements) {
    if (st.kind === 'declare') st.declarations.forEach((d) => declare(d, undefined));
    else if (st.kind === 'assign') {
      const key = nameKey(st.target);
      const constant = CONSTANTS[key];
      if (constant) throw new ChainruleError(`${display(st.target)} is ${constant.what}; it cannot be defined`, { span: st.targetSpan, hint: constant.hint });
      if (functions.has(key) || definitionNames.has(key)) {
        const name = display(st.target);
        throw new ChainruleError(`${name} is defined twice`, {
          span: st.targetSpan,
          hint: `a name keeps one definition; give this one another name, such as ${name}₂`,
        });
      }
      if (st.params) functions.set(key, { params: st.params, body: st.value, span: st.span });
      else {
        if (declared.has(key)) {
          throw new ChainruleError(`${display(st.target)} is declared as a variable and also defined`, { span: st.targetSpan, hint: 'remove the declaration or rename the definition' });
        }
        definitionNames.add(key);
      }
    }
  }
  for (const key of declared.keys()) dimensionSymbols.delete(key);
  const plainNames = new Set<string>();
  const calleeNames = new Set<string>();
  const calleeBases = new Map<string, string>();
  const primedCallees = new Set<string>();
  for (const st of program.statements) {
    if (st.kind === 'declare') continue;
    walk(st.value, (e) => {
      if (e.kind === 'name') plainNames.add(nameKey(e.name));
      if (e.kind === 'call' && 'name' in e.callee) {
        const key = nameKey(e.callee.name);
        calleeNames.add(key);
        calleeBases.set(key, e.callee.name.base);
        if (e.primes > 0 || e.partials !== undefined) primedCallees.add(key);
      }
    });
  }
  // An undeclared name used only before parentheses is an abstract function when it is a letter
  // conventionally used for functions (f, g, h, φ, Φ, …) or carries a prime (φ′(z)); otherwise
  // `γ(x + y)` is a product, as in αγ(αAAᵀ + β⁻¹I)⁻¹A.
  const calleeOnly = new Set([...calleeNames].filter((k) => !plainNames.has(k) && !definitionNames.has(k) && !declared.has(k) && !functions.has(k) && (FUNCTION_LETTERS.has(calleeBases.get(k) ?? '') || primedCallees.has(k))));
  const eulerE = readsEulerE(program, declared, definitionNames, functions);
  const statements = program.statements.filter((st) => st.kind !== 'declare');
  const last = statements[statements.length - 1];
  const outputFunction = last?.kind === 'assign' && last.params ? last : undefined;
  return { program, source, declared, functions, definitionNames, dimensionSymbols, calleeOnly, rowNames, outputFunction, eulerE, externalDeclarations: new Set(options.declarations ?? []), declarationSource: options.declarationSource };
}

const isPlainE = (e: Expr): boolean => e.kind === 'name' && e.name.base === 'e' && e.name.sub === undefined && e.name.index === undefined && e.name.accent === undefined;

/** Is `e^x` read as exp(x)? It is, as in any textbook, unless the user declared or defined e (then e^x
 * is a power of that e). A program that also uses an undeclared e on its own (eᵀx + e^y) would read e
 * two ways; refused, asking for a declaration. Inside a function with a parameter e, e is that parameter. */
function readsEulerE(program: Program, declared: ReadonlyMap<string, unknown>, definitionNames: ReadonlySet<string>, functions: ReadonlyMap<string, unknown>): boolean {
  if (declared.has('e') || definitionNames.has('e') || functions.has('e')) return false;
  let power: Span | undefined;
  let bare: Span | undefined;
  for (const st of program.statements) {
    if (st.kind === 'declare' || (st.kind === 'assign' && st.params?.some((p) => nameKey(p) === 'e'))) continue;
    const bases = new Set<Expr>();
    walkExpr(st.value, (x) => {
      if (x.kind === 'power' && isPlainE(x.base)) {
        bases.add(x.base);
        power ??= x.span;
      } else if (isPlainE(x) && !bases.has(x)) bare ??= x.span;
    });
  }
  if (power && bare) {
    throw new ChainruleError('e is used on its own and as the base of a power: e^… reads as exp(…), so e cannot also be a variable', {
      span: bare,
      hint: "write exp(…) for the exponential, or declare e (--where 'e: n') to make e^… a power of the variable e",
    });
  }
  return power !== undefined;
}

/** Names that will become variables: not declared, defined, bound, dimension symbols or constants. */
function freeVariables(program: Program, scope: Scope): FreeVariable[] {
  const found = new Map<string, FreeVariable>();
  const visit = (e: Expr, bound: ReadonlySet<string>, indices: ReadonlySet<string>) => {
    walk(e, (x) => {
      const consider = (name: Name, span: Span) => {
        const key = nameKey(name);
        if (bound.has(key) || scope.declared.has(key) || scope.definitionNames.has(key) || scope.functions.has(key)) return;
        if (scope.dimensionSymbols.has(key) || scope.calleeOnly.has(key) || key === 'π' || key === 'I') return;
        if (key === 'e' && scope.eulerE && !bound.has('e')) return;
        if (name.sub !== undefined && indices.has(name.sub)) return;
        if (!found.has(key)) found.set(key, { key, name, span });
      };
      if (x.kind === 'name') consider(x.name, x.span);
      if (x.kind === 'call' && 'name' in x.callee) consider(x.callee.name, x.span);
    }, indices);
  };
  for (const st of program.statements) {
    if (st.kind === 'expr') visit(st.value, new Set(), new Set());
    else if (st.kind === 'assign') visit(st.value, st === scope.outputFunction ? new Set() : new Set((st.params ?? []).map(nameKey)), new Set());
  }
  return [...found.values()];
}

/** Every indexed sum inside `root`, outermost first. */
function walkSums(root: Expr, visit: (e: Extract<Expr, { kind: 'indexSum' }>) => void): void {
  walkExpr(root, (e) => {
    if (e.kind === 'indexSum') visit(e);
  });
}

/** Every node of `root`, sum bodies included, with no index bookkeeping. */
function walkExpr(root: Expr, visit: (e: Expr) => void): void {
  const stack: Expr[] = [root];
  while (stack.length) {
    const e = stack.pop() as Expr;
    visit(e);
    switch (e.kind) {
      case 'neg': case 'transpose': case 'norm': case 'bars': stack.push(e.arg); break;
      case 'binary': case 'indicator': stack.push(e.right, e.left); break;
      case 'power': stack.push(e.exponent, e.base); break;
      case 'call': stack.push(...[...e.args].reverse()); break;
      case 'indexSum': stack.push(e.body); break;
      default: break;
    }
  }
}

/** Visits every expression node; `indexSum` bodies see their index in `indices` (for free-variable search). */
function walk(root: Expr, visit: (e: Expr) => void, indices: ReadonlySet<string> = new Set()): void {
  const stack: Expr[] = [root];
  while (stack.length) {
    const e = stack.pop() as Expr;
    visit(e);
    // Children are pushed right to left, so names are visited in reading order.
    switch (e.kind) {
      case 'neg': case 'transpose': case 'norm': case 'bars': stack.push(e.arg); break;
      case 'binary': case 'indicator': stack.push(e.right, e.left); break;
      case 'power': stack.push(e.exponent, e.base); break;
      case 'call': stack.push(...[...e.args].reverse()); break;
      case 'indexSum': {
        const inner = new Set([...indices, e.index]);
        walk(e.body, (x) => {
          if (x.kind === 'name' && x.name.sub === e.index) return;
          visit(x);
        }, inner);
        break;
      }
      default: break;
    }
  }
}

// ---- resolution ----------------------------------------------------------------------------

function resolveModel(elaborated: Elaborated, scope: Scope, source: string, options: BuildOptions): Model {
  const taken = new Set<string>([...elaborated.variables.keys(), ...scope.dimensionSymbols, ...scope.definitionNames]);
  const resolver = new Resolver(taken);
  const variables: VariableInfo[] = [...elaborated.variables.entries()]
    .sort((a, b) => a[1].firstUse.start - b[1].firstUse.start)
    .map(([key, v]) => ({
      key,
      name: v.name,
      display: display(v.name),
      written: source.slice(v.firstUse.start, v.firstUse.end).trim() || display(v.name),
      node: resolver.node(v.typed),
      shape: resolver.shapeOf(v.typed),
      origin: scope.declared.has(key) ? 'declared' : 'inferred',
      firstUse: v.firstUse,
    }));
  const definitions: Definition[] = elaborated.definitions.map((d) => ({ key: d.key, name: d.name, display: display(d.name), node: resolver.node(d.value), span: d.span }));
  const outputs: Output[] = elaborated.outputs.map((o) => ({ key: o.key, display: o.name ? display(o.name) : undefined, node: resolver.node(o.value), span: o.span }));
  if (outputs.length === 0) throw new ChainruleError('there is nothing to compute: the input has only declarations', { span: { start: 0, end: source.length }, hint: "add an expression, e.g. ‖Wx − x‖²" });
  let output = outputs[outputs.length - 1];
  if (options.of !== undefined) {
    const wanted = looseKey(options.of);
    const named = outputs.filter((o) => o.key !== undefined && (o.key === options.of || o.display === options.of || looseKey(o.key) === wanted));
    if (named.length === 0) {
      const known = outputs.filter((o) => o.display).map((o) => o.display).join(', ');
      throw new ChainruleError(`no definition named ${options.of}`, { hint: known ? `the program defines ${known}` : 'the program has no definitions' });
    }
    output = named[named.length - 1];
  }
  const dims = new Set<string>();
  for (const v of variables) for (const d of [v.shape.rows, v.shape.cols]) if (typeof d === 'string') dims.add(d);
  for (const d of scope.dimensionSymbols) dims.add(d);
  if (!output) throw internalError('no output');
  return { source, variables, definitions, outputs, output, dims: [...dims] };
}

/** A forgiving form of a name for matching user-typed keys: `W⁽¹⁾`, `W^(1)`, `W1`, `W_1` → `W1`; `alpha` → `α`; `y_hat`, `ŷ` → `yhat`. */
export function looseKey(written: string): string {
  let s = written.normalize('NFD').replace(/\u0302/g, 'hat').replace(/\u0304/g, 'bar').replace(/\u0303/g, 'tilde');
  s = s.replace(/[₀-₉⁰-⁹]/g, (c) => SCRIPT_DIGIT_VALUES[c] ?? c);
  s = s.replace(/[A-Za-z]{2,}/g, (w) => GREEK_LETTERS[w] ?? w);
  return s.replace(/[\s_^(){}⁽⁾\\]/g, '');
}

/** Gradients need a scalar output: otherwise an error with the caret under the output. */
export function requireScalarOutput(model: Model, what = 'differentiation'): void {
  const { node, span, display } = model.output;
  if (isScalar(node.shape)) return;
  const output = display === undefined ? 'the output' : `the output ${display}`;
  throw new ChainruleError(`${output} is ${describeShape(node.shape)}, not a scalar; ${what} needs a scalar output`, {
    span,
    source: model.source,
    hint: 'differentiate a scalar of it, such as ‖…‖² or 𝟙ᵀ(…); for an elementwise derivative declare the variable a scalar; for the Jacobian use chainrule jacobian',
  });
}
