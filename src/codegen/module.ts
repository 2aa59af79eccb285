// The generated module: header (names, shapes, the formulas it computes), the `Inputs` interface and
// `inputs` descriptor, storage allocated once per module, an entry check of every input's shape,
// and `value` / `valueAndGrad` built from the lowered programs by the kernels. Everything here is
// code AST; the printer alone produces text.
import type { Expr, Param, Stmt } from './ast.ts';
import * as A from './ast.ts';
import type { KernelContext } from './kernels.ts';
import { emitInstr } from './kernels.ts';
import type { Lang } from './print.ts';
import { CodePrinter } from './print.ts';
import type { Factor, Program, Size, Value } from '../lower/program.ts';
import { isScalarValue, writesOf } from '../lower/program.ts';

export interface ModuleInput {
  /** ASCII key: `W1`, `alpha`, `y_hat`. */
  readonly key: string;
  /** As written: `W⁽¹⁾`, `α`, `ŷ`. */
  readonly display: string;
  readonly rows: number | string;
  readonly cols: number | string;
}

export interface ModuleGradient {
  readonly key: string;
  readonly display: string;
  /** The simplified derivative, Unicode. */
  readonly formula: string;
}

export interface ModuleSpec {
  readonly source: string;
  readonly where?: string;
  /** The command that regenerates the module, when it came from the CLI. */
  readonly command?: string;
  /** The output's name as written (`L`, `ℓ`), or `f` when unnamed. */
  readonly outputName: string;
  readonly outputFormula: string;
  /** Values the formulas name that the user did not (u₁ = W₂ relu(W₁x + b₁) + b₂), in order. */
  readonly intermediates?: readonly { readonly name: string; readonly formula: string }[];
  readonly inputs: readonly ModuleInput[];
  readonly gradients: readonly ModuleGradient[];
  /** Sizes fixed at generation time. */
  readonly dims: Readonly<Record<string, number>>;
  readonly valueProgram: Program;
  readonly gradProgram: Program;
  /** Second-order entries (`compile(…, { hessian: true })`, `codegen --hessian`). */
  readonly second?: SecondOrderSpec;
}

/** hessian(input): ∇²f blocks of scalar and vector variables; hvp(input, direction): the joint ∇²f·v, its direction one part per variable. */
export interface SecondOrderSpec {
  /** Keyed by the variable's key (`x`), or `x_y` for a mixed block ∂²f/∂x∂y. */
  readonly hessians: readonly ModuleGradient[];
  readonly hessianProgram: Program;
  readonly hvps: readonly ModuleGradient[];
  readonly hvpProgram: Program;
}

/** Keys of lowered inputs read from hvp's `direction` argument instead of `input`. */
export const DIRECTION_INPUT = '⟨direction⟩';

export interface EmitOptions {
  readonly lang: Lang;
  /** `module`: an ES module with exports. `function-body`: a body for `new Function` that returns
   * `{ value, valueAndGrad, inputs, sizes }` (what `compile()` runs in-process). */
  readonly form: 'module' | 'function-body';
}

const RESERVED = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends', 'false', 'finally',
  'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var',
  'void', 'while', 'with', 'yield', 'let', 'static', 'implements', 'interface', 'package', 'private', 'protected', 'public', 'await', 'async', 'of',
  'arguments', 'eval', 'undefined', 'NaN', 'Infinity', 'Math', 'Number', 'Float64Array', 'Int32Array', 'Error', 'TypeError', 'RangeError', 'Object',
  'value', 'valueAndGrad', 'inputs', 'sizes', 'Inputs', 'Gradient', 'Dims', 'Sizes', 'check', 'input', 'dims', 'sigmoid', 'logSigmoid', 'softplus',
  'relu', 'sq', 'erf', 'describe', 'hessian', 'hvp', 'direction', 'Hessian',
]);

/** Every identifier of a module comes from here, so nothing shadows anything. */
class Names {
  private readonly taken = new Set(RESERVED);
  private counter = 0;

  claim(wanted: string): string {
    let name = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(wanted) ? wanted : `_${wanted.replace(/[^A-Za-z0-9_$]/g, '_')}`;
    while (this.taken.has(name)) name = `${name}_`;
    this.taken.add(name);
    return name;
  }

  fresh(hint: string): string {
    let name: string;
    do name = `${hint}${++this.counter}`;
    while (this.taken.has(name));
    this.taken.add(name);
    return name;
  }
}

/** A dimension symbol as an ASCII identifier (the `Dims` key and its local). */
const dimKey = (d: string): string => d.normalize('NFD').replace(/[^A-Za-z0-9_$]/g, '_');

export function emitModule(spec: ModuleSpec, options: EmitOptions): string {
  return new ModuleEmitter(spec, options).emit();
}

class ModuleEmitter {
  private readonly names = new Names();
  private readonly valueNames = new Map<Value, string>();
  private readonly storage = new Map<Value, string>();
  private readonly factorNames = new Map<Factor, { data: string; pivots: string; cholesky: string; singular: string; dataStore: string; pivotStore: string }>();
  private readonly dimNames = new Map<string, string>();
  private readonly inputNames = new Map<string, string>();
  private readonly loop: { i: string; j: string; p: string };
  private readonly symbolicDims: string[];
  private readonly ts: boolean;

  constructor(
    private readonly spec: ModuleSpec,
    private readonly options: EmitOptions,
  ) {
    this.ts = options.lang === 'ts';
    const dims = new Set<string>(programsOf(spec).flatMap((p) => p.sizes));
    for (const input of spec.inputs) for (const d of [input.rows, input.cols]) if (typeof d === 'string' && spec.dims[d] === undefined) dims.add(d);
    this.symbolicDims = [...dims];
    for (const d of this.symbolicDims) this.dimNames.set(d, this.names.claim(dimKey(d)));
    for (const input of spec.inputs) this.inputNames.set(input.key, this.names.claim(input.key));
    this.loop = { i: this.names.claim('i'), j: this.names.claim('j'), p: this.names.claim('p') };
  }

  emit(): string {
    const printer = new CodePrinter(this.options.lang);
    const declarations = this.declarations();
    const storage = this.storageDeclarations();
    const all: Stmt[] = [
      ...this.header(),
      A.blank,
      ...declarations,
      A.blank,
      ...storage,
      ...this.helpers(),
      this.checkFunction(),
      A.blank,
      this.entry('value', this.spec.valueProgram),
      A.blank,
      this.entry('valueAndGrad', this.spec.gradProgram),
      ...(this.spec.second ? [A.blank, this.secondEntry('hessian', this.spec.second.hessianProgram, this.spec.second.hessians), A.blank, this.secondEntry('hvp', this.spec.second.hvpProgram, this.spec.second.hvps)] : []),
    ];
    if (this.options.form === 'function-body') {
      const exported = ['value', 'valueAndGrad', ...(this.spec.second ? ['hessian', 'hvp'] : []), 'inputs', 'sizes'].map((key) => ({ key, value: A.id(key) }));
      return `${printer.stmts([...all.map((s) => this.unexport(s)), A.blank, A.ret(A.object(exported))]).join('\n')}\n`;
    }
    return `${printer.stmts(all).join('\n')}\n`;
  }

  private unexport(s: Stmt): Stmt {
    return s.k === 'function' || s.k === 'decl' || s.k === 'interface' ? { ...s, exported: false } : s;
  }

  // ---- header and declarations --------------------------------------------------------------

  private shapeText(rows: number | string, cols: number | string): string {
    if (rows === 1 && cols === 1) return 'scalar';
    if (cols === 1) return `${rows}`;
    if (rows === 1) return `1×${cols}`;
    return `${rows}×${cols}`;
  }

  private header(): Stmt[] {
    const s = this.spec;
    const lines: string[] = ['Generated by chainrule: value and gradient, dependency-free. Do not edit; regenerate instead.'];
    if (s.command) lines.push(`  ${s.command}`);
    lines.push('');
    for (const l of s.source.split(/\r?\n/)) lines.push(`  ${l}`);
    if (s.where) s.where.split(/\r?\n/).forEach((l, i) => lines.push(`  ${i === 0 ? 'where ' : '      '}${l}`));
    lines.push('', 'Inputs (key: name as written, shape). Scalars are numbers; vectors and matrices Float64Array, row-major:');
    for (const input of s.inputs) lines.push(`  ${input.key}: ${input.display}, ${this.shapeText(input.rows, input.cols)}`);
    const fixed = Object.entries(s.dims);
    if (fixed.length) lines.push(`Sizes fixed at generation: ${fixed.map(([k, v]) => `${k} = ${v}`).join(', ')}.`);
    if (this.symbolicDims.length) lines.push(`Sizes read from the inputs (or given as dims): ${this.symbolicDims.join(', ')}.`);
    if (s.intermediates?.length) {
      lines.push('', 'Values the formulas below name:');
      for (const i of s.intermediates) lines.push(`  ${i.name} = ${i.formula}`);
    }
    lines.push('', `value(input) = ${s.outputName} = ${s.outputFormula}`, 'valueAndGrad(input) = { value, grad } with');
    for (const g of s.gradients) lines.push(`  grad.${g.key} = ∂${s.outputName}/∂${g.display} = ${g.formula}`);
    if (s.second) {
      lines.push('hessian(input) = the Hessian blocks, row-major: H_ij = ∂²f/∂x_i∂y_j');
      for (const h of s.second.hessians) lines.push(`  ${h.key} = ∂²${s.outputName}/${h.display} = ${h.formula}`);
      lines.push('hvp(input, direction) = ∇²f·v of the joint Hessian without forming it; v has one part per variable, direction[key], shaped like the input');
      for (const h of s.second.hvps) lines.push(`  ${h.key} = ∇²${s.outputName}·v by ${h.display} = ${h.formula}`);
    }
    lines.push(
      '',
      'The gradient arrays belong to this module and are overwritten by the next call of valueAndGrad;',
      'copy them (.slice()) to keep them. Shapes are checked on entry; a singular matrix that must be',
      'solved with throws a RangeError (its log-determinant alone is −Infinity, its determinant 0).',
    );
    return [A.comment(...lines)];
  }

  private declarations(): Stmt[] {
    const s = this.spec;
    const inputFields = s.inputs.map((input) => ({
      name: input.key,
      type: input.rows === 1 && input.cols === 1 ? 'number' : 'Float64Array',
      doc: `${input.display}: ${this.shapeText(input.rows, input.cols)}`,
    }));
    const gradFields = s.gradients.map((g) => {
      const input = s.inputs.find((x) => x.key === g.key);
      const scalar = input ? input.rows === 1 && input.cols === 1 : false;
      return { name: g.key, type: scalar ? 'number' : 'Float64Array', doc: `∂${s.outputName}/∂${g.display} = ${g.formula}` };
    });
    const dimFields = this.symbolicDims.map((d) => ({ name: dimKey(d), type: 'number', optional: true }));
    const descriptor = A.object(s.inputs.map((input) => {
      const shape = input.rows === 1 && input.cols === 1 ? [] : input.cols === 1 ? [input.rows] : [input.rows, input.cols];
      return { key: input.key, value: A.object([{ key: 'name', value: A.str(input.display) }, { key: 'shape', value: A.array(shape.map((d) => (typeof d === 'number' ? A.num(d) : A.str(d)))) }]) };
    }));
    return [
      { k: 'interface', name: 'Inputs', fields: inputFields, exported: true },
      { k: 'interface', name: 'Gradient', fields: gradFields, exported: true },
      { k: 'interface', name: 'Dims', fields: dimFields, exported: true },
      ...(s.second ? [{ k: 'interface', name: 'Hessian', fields: s.second.hessians.map((h) => ({ name: h.key, type: 'Float64Array | number', doc: `∂²${s.outputName}/${h.display} = ${h.formula}` })), exported: true } as Stmt] : []),
      ...(this.symbolicDims.length ? [{ k: 'interface', name: 'Sizes', fields: this.symbolicDims.map((d) => ({ name: dimKey(d), type: 'number' })) } as Stmt] : []),
      A.comment('Names and shapes of the inputs, for callers that build them programmatically.'),
      { k: 'decl', kind: 'const', name: 'inputs', init: A.asConst(descriptor), exported: true },
      { k: 'decl', kind: 'const', name: 'sizes', init: A.asConst(A.object(Object.entries(s.dims).map(([k, v]) => ({ key: dimKey(k), value: A.num(v) })))), exported: true },
    ];
  }

  // ---- storage ---------------------------------------------------------------------------------

  private sizeProduct(rows: Size, cols: Size): Expr {
    return A.times(this.size(rows), this.size(cols));
  }

  private isFixed(...sizes: Size[]): boolean {
    return sizes.every((s) => typeof s === 'number');
  }

  /** Module-level storage for every buffer the programs write, allocated once (or on a size change). */
  private storageDeclarations(): Stmt[] {
    const stmts: Stmt[] = [];
    for (const program of programsOf(this.spec)) {
      // Values a fused loop keeps in locals have no storage.
      const locals = new Set(program.instrs.flatMap((x) => (x.kind === 'loop' ? [...x.locals] : [])));
      for (const v of program.values) {
        if (v.role === 'input' || isScalarValue(v) || this.storage.has(v) || locals.has(v)) continue;
        const store = this.names.claim(`_${this.valueName(v)}`);
        this.storage.set(v, store);
        const length = this.isFixed(v.rows, v.cols) ? this.sizeProduct(v.rows, v.cols) : A.num(0);
        stmts.push({ k: 'decl', kind: this.isFixed(v.rows, v.cols) ? 'const' : 'let', name: store, init: A.newExpr('Float64Array', length) });
      }
      for (const f of program.factors) {
        const names = this.factorLocals(f);
        const fixed = this.isFixed(f.n);
        stmts.push({ k: 'decl', kind: fixed ? 'const' : 'let', name: names.dataStore, init: A.newExpr('Float64Array', fixed ? this.sizeProduct(f.n, f.n) : A.num(0)) });
        stmts.push({ k: 'decl', kind: fixed ? 'const' : 'let', name: names.pivotStore, init: A.newExpr('Int32Array', fixed ? this.size(f.n) : A.num(0)) });
      }
    }
    return stmts.length ? [A.comment('Storage, allocated once and reused by every call.'), ...stmts, A.blank] : [];
  }

  private factorLocals(f: Factor) {
    let names = this.factorNames.get(f);
    if (!names) {
      const data = this.names.fresh('factor');
      names = { data, pivots: this.names.claim(`${data}Pivots`), cholesky: this.names.claim(`${data}IsCholesky`), singular: this.names.claim(`${data}SingularAt`), dataStore: this.names.claim(`_${data}`), pivotStore: this.names.claim(`_${data}Pivots`) };
      this.factorNames.set(f, names);
    }
    return names;
  }

  private valueName(v: Value): string {
    let name = this.valueNames.get(v);
    if (!name) {
      if (v.role === 'input' && (v.key as string).startsWith(DIRECTION_INPUT)) {
        // hvp's direction for an input: v_x, read from its `direction` argument.
        const key = v.key as string;
        name = this.inputNames.get(key) ?? this.names.claim(`v_${key.slice(DIRECTION_INPUT.length)}`);
        this.inputNames.set(key, name);
      } else if (v.role === 'input') name = this.inputNames.get(v.key as string) as string;
      else if (v.role === 'result') name = v.key === 'value' ? this.names.fresh('result') : this.names.claim(`d${v.key}`);
      else name = this.names.fresh('t');
      this.valueNames.set(v, name);
    }
    return name;
  }

  private size(s: Size): Expr {
    if (typeof s === 'number') return A.num(s);
    const fixed = this.spec.dims[s];
    return fixed !== undefined ? A.num(fixed) : A.id(this.dimNames.get(s) ?? dimKey(s));
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Numerically stable scalar helpers, emitted only when used. */
  private helpers(): Stmt[] {
    const used = new Set(programsOf(this.spec).flatMap((p) => [...p.scalarFns]));
    const x = A.id('x');
    const exp = (e: Expr) => A.mathCall('exp', e);
    const log1p = (e: Expr) => A.mathCall('log1p', e);
    const fn = (name: string, doc: string, body: Stmt[]): Stmt[] => [A.comment(doc), { k: 'function', name, params: [{ name: 'x', type: 'number' }], returns: 'number', body }, A.blank];
    const out: Stmt[] = [];
    if (used.has('sigmoid')) {
      out.push(...fn('sigmoid', 'σ(x) = 1/(1 + e⁻ˣ), written so that neither branch overflows (σ(±1000) = 1, 0).', [
        A.ifStmt(A.bin('>=', x, A.num(0)), [A.ret(A.bin('/', A.num(1), A.bin('+', A.num(1), exp(A.neg(x)))))]),
        A.constDecl('e', exp(x)),
        A.ret(A.bin('/', A.id('e'), A.bin('+', A.num(1), A.id('e')))),
      ]));
    }
    if (used.has('logSigmoid')) {
      out.push(...fn('logSigmoid', 'log σ(x) = −softplus(−x), finite at x = −1000 where σ(x) underflows.', [
        A.ret(A.cond(A.bin('>=', x, A.num(0)), A.neg(log1p(exp(A.neg(x)))), A.bin('-', x, log1p(exp(x))))),
      ]));
    }
    if (used.has('softplus')) {
      out.push(...fn('softplus', 'softplus(x) = log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|): no overflow at x = 1000.', [
        A.ret(A.cond(A.bin('>', x, A.num(0)), A.bin('+', x, log1p(exp(A.neg(x)))), log1p(exp(x)))),
      ]));
    }
    if (used.has('relu')) {
      // x·𝟙[x > 0] rather than x > 0 ? x : 0: no branch to mispredict when the signs change from
      // call to call (training: 2.5× faster). Equal for every finite x (+ 0 turns −0 into 0); NaN for
      // x = −∞ or NaN, so an overflow upstream shows in the result instead of being zeroed.
      out.push(...fn('relu', 'relu(x) = max(x, 0) = x·𝟙[x > 0] + 0, branch-free.', [A.ret(A.bin('+', A.bin('*', x, A.toNumber(A.bin('>', x, A.num(0)))), A.num(0)))]));
    }
    if (used.has('erf')) {
      // The series of eval/index.ts: (2/√π)·e^{−x²}·Σₙ 2ⁿx^{2n+1}/(2n+1)!!, all terms positive.
      const [a, term, total, n] = ['a', 'term', 'total', 'n'].map(A.id);
      out.push(...fn('erf', 'erf(x) by a series of positive terms (about 1e-15 relative); ±1 beyond |x| = 6.', [
        A.constDecl('a', A.mathCall('abs', x)),
        A.ifStmt(A.bin('>=', a, A.num(6)), [A.ret(A.mathCall('sign', x))]),
        A.letDecl('term', a),
        A.letDecl('total', a),
        A.forRange('n', A.num(1), A.num(500), [
          A.ifStmt(A.bin('<=', term, A.bin('*', A.num(1e-17), total)), [{ k: 'break' }]),
          A.assign(term, A.bin('/', A.bin('*', A.bin('*', A.num(2), a), a), A.bin('+', A.bin('*', A.num(2), n), A.num(1))), '*='),
          A.assign(total, term, '+='),
        ]),
        A.ret(A.bin('*', A.bin('*', A.bin('*', A.mathCall('sign', x), A.num(2 / Math.sqrt(Math.PI))), A.mathCall('exp', A.neg(A.bin('*', a, a)))), total)),
      ]));
    }
    if (used.has('square')) out.push(...fn('sq', 'x², for operands that are not a plain name.', [A.ret(A.bin('*', x, x))]));
    return out;
  }

  // ---- entry check ----------------------------------------------------------------------------

  /** Checks types, infers the symbolic sizes from the inputs (or `dims`), checks every length. */
  private checkFunction(): Stmt {
    const input = A.id('input');
    const field = (key: string): Expr => A.member(input, key);
    const stmts: Stmt[] = [];
    for (const x of this.spec.inputs) {
      const scalar = x.rows === 1 && x.cols === 1;
      const bad = scalar ? A.bin('!==', { k: 'unary', op: 'typeof', arg: field(x.key) }, A.str('number')) : A.not(A.bin('instanceof', field(x.key), A.id('Float64Array')));
      stmts.push(A.ifStmt(bad, [A.throwError('TypeError', A.str(`chainrule: input ${x.key} (${x.display}) must be ${scalar ? 'a number' : `a Float64Array (${this.shapeText(x.rows, x.cols)}${x.cols !== 1 ? ', row-major' : ''})`}`))]));
    }
    // Sizes: given in `dims`, fixed at generation, or read off an input whose other side is known.
    const known = new Set<string>(Object.keys(this.spec.dims));
    const pending = [...this.symbolicDims];
    const dimsArg = A.id('dims');
    const sizeKnown = (d: number | string) => typeof d === 'number' || known.has(d);
    while (pending.length) {
      let progressed = false;
      for (const d of [...pending]) {
        let inferred: Expr | undefined;
        // Vectors first: their length is the size itself; then matrices with the other side known.
        const byDirectness = [...this.spec.inputs].sort((a, b) => Number(a.rows !== 1 && a.cols !== 1) - Number(b.rows !== 1 && b.cols !== 1));
        for (const x of byDirectness) {
          const len = A.member(field(x.key), 'length');
          if (x.rows === d && x.cols === d) inferred = A.mathCall('round', A.mathCall('sqrt', len));
          else if (x.rows === d && sizeKnown(x.cols)) inferred = x.cols === 1 ? len : A.bin('/', len, this.size(x.cols));
          else if (x.cols === d && sizeKnown(x.rows)) inferred = x.rows === 1 ? len : A.bin('/', len, this.size(x.rows));
          if (inferred) break;
        }
        if (!inferred) continue;
        stmts.push(A.constDecl(this.dimNames.get(d) as string, A.bin('??', A.member(dimsArg, dimKey(d), true), inferred)));
        known.add(d);
        pending.splice(pending.indexOf(d), 1);
        progressed = true;
      }
      if (!progressed) {
        // Not fixed by any input's length: it must come from `dims`.
        const d = pending.shift() as string;
        stmts.push(A.constDecl(this.dimNames.get(d) as string, A.bin('??', A.member(dimsArg, dimKey(d), true), A.id('NaN'))));
        known.add(d);
      }
    }
    for (const d of this.symbolicDims) {
      const n = A.id(this.dimNames.get(d) as string);
      stmts.push(A.ifStmt(A.not(A.bin('&&', A.call(A.member(A.id('Number'), 'isInteger'), n), A.bin('>', n, A.num(0)))), [
        A.throwError('RangeError', A.concat(`chainrule: cannot tell the size ${d} from the inputs (got `, n, `); pass it: valueAndGrad(input, { ${dimKey(d)}: … })`)),
      ]));
    }
    for (const x of this.spec.inputs) {
      if (x.rows === 1 && x.cols === 1) continue;
      const expected = this.sizeProduct(x.rows, x.cols);
      const len = A.member(field(x.key), 'length');
      stmts.push(A.ifStmt(A.bin('!==', len, expected), [
        A.throwError('RangeError', A.concat(`chainrule: input ${x.key} (${x.display}) should be ${this.shapeText(x.rows, x.cols)} = `, expected, ' numbers, but has ', len)),
      ]));
    }
    const returns = this.symbolicDims.length ? 'Sizes' : 'void';
    if (this.symbolicDims.length) stmts.push(A.ret(A.object(this.symbolicDims.map((d) => ({ key: dimKey(d), value: A.id(this.dimNames.get(d) as string) })))));
    const params: Param[] = [{ name: 'input', type: 'Inputs' }, { name: 'dims', type: 'Dims', optional: true }];
    return { k: 'function', name: 'check', params, returns, body: [A.comment('Checks every input on entry and returns the sizes.'), ...stmts] };
  }

  // ---- value and valueAndGrad -----------------------------------------------------------------

  private entry(name: 'value' | 'valueAndGrad', program: Program): Stmt {
    const { body, valueOf } = this.programBody(program);
    const params: Param[] = [{ name: 'input', type: 'Inputs' }, { name: 'dims', type: 'Dims', optional: true }];
    if (name === 'value') {
      body.push(A.ret(valueOf('value')));
      return { k: 'function', name, params, returns: 'number', body: [A.comment(`${this.spec.outputName} = ${this.spec.outputFormula}`), ...body], exported: true };
    }
    const grad = A.object(this.spec.gradients.map((g) => ({ key: g.key, value: valueOf(g.key) })));
    body.push(A.ret(A.object([{ key: 'value', value: valueOf('value') }, { key: 'grad', value: grad }])));
    return { k: 'function', name, params, returns: '{ value: number; grad: Gradient }', body: [A.comment(`${this.spec.outputName} and its gradient with respect to ${this.spec.gradients.map((g) => g.display).join(', ')}`), ...body], exported: true };
  }

  /** hessian(input, dims) or hvp(input, direction, dims): an object of the program's results by key. */
  private secondEntry(name: 'hessian' | 'hvp', program: Program, results: readonly ModuleGradient[]): Stmt {
    const { body, valueOf } = this.programBody(program);
    const checks: Stmt[] = [];
    if (name === 'hvp') {
      for (const r of results) {
        const input = this.spec.inputs.find((x) => x.key === r.key);
        const scalar = input ? input.rows === 1 && input.cols === 1 : false;
        const field = A.member(A.id('direction'), r.key);
        const bad = scalar ? A.bin('!==', { k: 'unary', op: 'typeof', arg: field }, A.str('number')) : A.not(A.bin('instanceof', field, A.id('Float64Array')));
        checks.push(A.ifStmt(bad, [A.throwError('TypeError', A.str(`chainrule: direction ${r.key} must be ${scalar ? 'a number' : 'a Float64Array shaped like the input'}`))]));
      }
    }
    body.push(A.ret(A.object(results.map((r) => ({ key: r.key, value: valueOf(r.key) })))));
    const params: Param[] = [{ name: 'input', type: 'Inputs' }, ...(name === 'hvp' ? [{ name: 'direction', type: 'Gradient' }] : []), { name: 'dims', type: 'Dims', optional: true }];
    const doc = name === 'hessian' ? `the Hessian blocks of ${this.spec.outputName}, row-major` : `∇²${this.spec.outputName}·v, v = direction, for each variable`;
    return { k: 'function', name, params, returns: name === 'hessian' ? 'Hessian' : 'Gradient', body: [A.comment(doc), ...checks, ...body], exported: true };
  }

  /** The statements that run a program: size checks, inputs, storage aliases, instructions. */
  private programBody(program: Program): { body: Stmt[]; valueOf: (key: string) => Expr } {
    const ctx: KernelContext = {
      value: (v) => A.id(this.valueName(v)),
      size: (s) => this.size(s),
      fresh: (hint) => this.names.fresh(hint),
      loop: this.loop,
      factor: (f) => this.factorLocals(f),
    };
    const body: Stmt[] = [];
    if (this.symbolicDims.length) {
      const sizesLocal = this.names.fresh('size');
      body.push(A.constDecl(sizesLocal, A.call('check', A.id('input'), A.id('dims'))));
      for (const d of this.symbolicDims) body.push(A.constDecl(this.dimNames.get(d) as string, A.member(A.id(sizesLocal), dimKey(d))));
    } else body.push(A.exprStmt(A.call('check', A.id('input'), A.id('dims'))));
    for (const v of program.values) {
      if (v.role !== 'input') continue;
      const key = v.key as string;
      const fromDirection = key.startsWith(DIRECTION_INPUT);
      body.push(A.constDecl(this.valueName(v), A.member(A.id(fromDirection ? 'direction' : 'input'), fromDirection ? key.slice(DIRECTION_INPUT.length) : key)));
    }
    // Storage aliases: locals, so the hot loops read no module-level bindings.
    for (const v of program.values) {
      const store = this.storage.get(v);
      if (!store) continue;
      if (!this.isFixed(v.rows, v.cols)) {
        const length = this.sizeProduct(v.rows, v.cols);
        body.push(A.ifStmt(A.bin('!==', A.member(A.id(store), 'length'), length), [A.assign(A.id(store), A.newExpr('Float64Array', length))]));
      }
      body.push(A.constDecl(this.valueName(v), A.id(store)));
    }
    for (const f of program.factors) {
      const names = this.factorLocals(f);
      if (!this.isFixed(f.n)) {
        body.push(A.ifStmt(A.bin('!==', A.member(A.id(names.pivotStore), 'length'), this.size(f.n)), [
          A.assign(A.id(names.dataStore), A.newExpr('Float64Array', this.sizeProduct(f.n, f.n))),
          A.assign(A.id(names.pivotStore), A.newExpr('Int32Array', this.size(f.n))),
        ]));
      }
      body.push(A.constDecl(names.data, A.id(names.dataStore)), A.constDecl(names.pivots, A.id(names.pivotStore)));
    }
    for (const instr of program.instrs) {
      if (instr.kind === 'loop') body.push(A.comment(...writesOf(instr).map((v) => `${this.valueName(v)} = ${v.label}${instr.locals.has(v) ? ' (local)' : ''}`)));
      else if (instr.kind !== 'factor' && instr.kind !== 'solve' && instr.kind !== 'inverse') body.push(A.comment(`${this.valueName(instr.out)} = ${instr.out.label}`));
      body.push(...emitInstr(instr, ctx));
    }
    const valueOf = (key: string): Expr => {
      const r = program.results.find((x) => x.key === key) as { value: Value };
      return A.id(this.valueName(r.value));
    };
    return { body, valueOf };
  }
}

/** Every program of a module, for storage, helpers and sizes. */
function programsOf(spec: ModuleSpec): Program[] {
  return [spec.valueProgram, spec.gradProgram, ...(spec.second ? [spec.second.hessianProgram, spec.second.hvpProgram] : [])];
}
