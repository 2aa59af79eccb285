// Code injection through generated modules (#18). Hostile text goes in through every door user text
// has into generated code: the expression and its `#` comments, `--where`, the CLI command line,
// compile() (which runs the text in-process), and the expressions of a problem file that
// `chainrule samples` turns into gradient modules. Every module made from it is
//   - read by TypeScript's scanner: its code tokens (comments skipped, string values blanked) are
//     those of the module made from the same input with the payload replaced by a plain word, so
//     the payload is only ever comment or string data;
//   - imported and run in a child process that refuses any file, network or process access
//     (test/security/sandbox.ts), where its gradient must match the reference evaluator.
// The sandbox is itself tested on a hand-written hostile module, so these checks can fail.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import { randomDims, randomValues, rng } from '../../src/check/index.ts';
import { emitModule } from '../../src/codegen/module.ts';
import { compile, generate, moduleSpec } from '../../src/compile.ts';
import { evaluate } from '../../src/eval/index.ts';
import { identifierFor } from '../../src/print/names.ts';
import { relativeError } from '../codegen/support.ts';
import type { SandboxInput } from './sandbox.ts';
import { CANARY, runSandboxed } from './sandbox.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repoRoot, 'bin/chainrule.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'chainrule-injection-'));

/** What an escaped payload would do: set the canary, write a file, start a process, call out. */
const PAYLOAD = `globalThis.${CANARY} = 'code ran'; import('node:fs').then((fs) => fs.writeFileSync('pwned.txt', 'x')); process.getBuiltinModule?.('child_process')?.execSync('touch pwned2'); fetch('http://127.0.0.1:9/');`;

/** Every way out of a comment or a string a hostile text might try. The grammar ends a `#` comment
 * at \n and \r, so those two can only be tried where the text is not parsed (the command line). */
const BREAKOUTS: Record<string, (payload: string) => string> = {
  'U+2028': (p) => `\u2028${p} //`,
  'U+2029': (p) => `\u2029${p} //`,
  'block comment close': (p) => `*/ ${p} /*`,
  'string close': (p) => `'; ${p} '`,
  'bidi override': (p) => `\u202e\u2066 ${p} \u2069`,
  'NUL, ESC': (p) => `\u0000\u001b[2J ${p}`,
};

interface Case {
  readonly name: string;
  readonly expr: string;
  readonly where: string;
  readonly wrt: string;
}

/** The hostile cases and their plain twins (payload → a word). */
function cases(payload: string): Case[] {
  return Object.entries(BREAKOUTS).flatMap(([name, breakout]) => [
    { name: `expression comment, ${name}`, expr: `‖x‖² # note${breakout(payload)}`, where: 'x: 3', wrt: 'x' },
    { name: `--where comment, ${name}`, expr: '‖Wx − x‖²', where: `W: n×n; x: n # note${breakout(payload)}`, wrt: 'W' },
    { name: `program line comment, ${name}`, expr: `z = Wx # hidden layer${breakout(payload)}\nL = ½‖z − y‖² # loss${breakout(payload)}`, where: 'W: k×n; x: n; y: k', wrt: 'W,x' },
  ]);
}

const HOSTILE = cases(PAYLOAD);
/** In-process (compile()), a payload that escaped would run in the test process itself: there it only sets the canary. */
const HOSTILE_IN_PROCESS = cases(`globalThis.${CANARY} = 'code ran';`);
const PLAIN = cases('plain');

/** TypeScript's reading of a module: token kinds and texts, comments skipped, string values blanked. */
function codeTokens(text: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const out: string[] = [];
  for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) out.push(t === ts.SyntaxKind.StringLiteral ? 'string' : `${t}:${scanner.getTokenText()}`);
  return out;
}

/** Random inputs for a case, and the reference value and gradients (the evaluator on the symbolic derivatives). */
function reference(c: Pick<Case, 'expr' | 'where' | 'wrt'>, seed = 18) {
  const model = parse(c.expr, { where: c.where });
  const diff = differentiate(model, c.wrt.split(','));
  const random = rng(seed);
  const dims = randomDims(model, random);
  const values = randomValues(model.variables, dims, random);
  const input: SandboxInput = {};
  for (const v of model.variables) {
    const t = values.get(v.key);
    if (!t) throw new Error(`no value for ${v.key}`);
    input[identifierFor(v.name)] = t.rows === 1 && t.cols === 1 ? t.data[0] : Array.from(t.data);
  }
  const value = evaluate(model.output.node, values, dims).data[0];
  const grad = Object.fromEntries(diff.derivatives.map((d) => [identifierFor(d.variable.name), Array.from(evaluate(d.node, values, dims).data)]));
  return { input, value, grad };
}

const asArray = (x: number | number[]): number[] => (typeof x === 'number' ? [x] : x);

/** Runs a module in the sandbox and checks it did nothing but compute the right gradient. */
function expectSafeAndRight(text: string, c: Pick<Case, 'expr' | 'where' | 'wrt'>, form: 'module' | 'function-body') {
  const ref = reference(c);
  const run = runSandboxed(text, ref.input, form);
  expect(run.stderr).toBe('');
  expect(run.report, run.stdout).toBeDefined();
  expect(run.report?.violations).toEqual([]);
  expect(run.report?.canary).toBeNull();
  expect(run.status).toBe(0);
  expect(relativeError([run.report?.value ?? NaN], [ref.value])).toBeLessThan(1e-12);
  expect(Object.keys(run.report?.grad ?? {}).sort()).toEqual(Object.keys(ref.grad).sort());
  for (const [key, expected] of Object.entries(ref.grad)) expect(relativeError(asArray(run.report?.grad[key] ?? NaN), expected), key).toBeLessThan(1e-10);
}

const toJs = (tsText: string): string => ts.transpileModule(tsText, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;

function chainrule(args: string[], cwd = tmp) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the sandbox', () => {
  it('refuses and reports file, process and network access, and the canary', () => {
    const attempts: Record<string, string> = {
      'file write': "import('node:fs').then((fs) => fs.writeFileSync('pwned.txt', 'x'));",
      'file read': "process.getBuiltinModule('fs').readFileSync('/etc/passwd');",
      'child process': "process.getBuiltinModule('child_process').execSync('true');",
      'network (net)': "process.getBuiltinModule('net').connect(9, '127.0.0.1');",
      'network (fetch)': "fetch('http://127.0.0.1:9/');",
      'network (dns)': "process.getBuiltinModule('dns').lookup('example.com', () => {});",
      canary: `globalThis.${CANARY} = 1;`,
    };
    const benign = 'export function valueAndGrad(input) { return { value: input.x * input.x, grad: { x: 2 * input.x } }; }\n';
    expect(runSandboxed(benign, { x: 3 }, 'module')).toMatchObject({ status: 0, report: { value: 9, grad: { x: 6 }, violations: [], canary: null } });
    for (const [what, code] of Object.entries(attempts)) {
      const run = runSandboxed(`${code}\n${benign}`, { x: 3 }, 'module');
      expect(run.status, what).not.toBe(0);
      const bodyRun = runSandboxed(`${code}\nreturn { valueAndGrad: (input) => ({ value: input.x, grad: {} }) };`, { x: 3 }, 'function-body');
      expect(bodyRun.status, what).not.toBe(0);
    }
  });
});

describe('hostile text in generated modules', () => {
  it('changes only comments and string data: the code tokens equal those of the plain twin (TS and JS, module and compile body)', () => {
    expect(HOSTILE.length).toBe(18);
    for (const [i, c] of HOSTILE.entries()) {
      const twin = PLAIN[i];
      for (const lang of ['ts', 'js'] as const) {
        const hostile = generate(c.expr, { wrt: c.wrt, where: c.where, lang, command: `chainrule codegen '${c.expr}' --where '${c.where}'` });
        const plain = generate(twin.expr, { wrt: twin.wrt, where: twin.where, lang, command: `chainrule codegen '${twin.expr}' --where '${twin.where}'` });
        expect(codeTokens(hostile), `${c.name} (${lang})`).toEqual(codeTokens(plain));
        // The payload is in the header, shown, not dropped.
        expect(hostile).toContain('globalThis.__chainrulePwned');
      }
      const body = emitModule(moduleSpec(c.expr, { wrt: c.wrt, where: c.where }).spec, { lang: 'js', form: 'function-body' });
      const plainBody = emitModule(moduleSpec(twin.expr, { wrt: twin.wrt, where: twin.where }).spec, { lang: 'js', form: 'function-body' });
      expect(codeTokens(body), c.name).toEqual(codeTokens(plainBody));
    }
  });

  it('generate(): every hostile module runs in the sandbox, touches nothing and matches the evaluator', () => {
    for (const c of HOSTILE) {
      expectSafeAndRight(generate(c.expr, { wrt: c.wrt, where: c.where, lang: 'js' }), c, 'module');
      expectSafeAndRight(toJs(generate(c.expr, { wrt: c.wrt, where: c.where, lang: 'ts' })), c, 'module');
    }
  });

  it('compile(): the hostile text never runs in-process, and the body it runs is safe in the sandbox', () => {
    for (const [i, c] of HOSTILE_IN_PROCESS.entries()) {
      const compiled = compile(c.expr, { wrt: c.wrt, where: c.where, command: `chainrule codegen '${c.expr}'` });
      expect((globalThis as Record<string, unknown>)[CANARY]).toBeUndefined();
      const ref = reference(c);
      const input = Object.fromEntries(Object.entries(ref.input).map(([k, v]) => [k, typeof v === 'number' ? v : Float64Array.from(v)]));
      const got = compiled.valueAndGrad(input);
      expect(relativeError([got.value], [ref.value])).toBeLessThan(1e-12);
      for (const [key, expected] of Object.entries(ref.grad)) {
        const g = got.grad[key];
        expect(relativeError(typeof g === 'number' ? [g] : Array.from(g), expected), key).toBeLessThan(1e-10);
      }
      const hostile = HOSTILE[i];
      expectSafeAndRight(emitModule(moduleSpec(hostile.expr, { wrt: hostile.wrt, where: hostile.where }).spec, { lang: 'js', form: 'function-body' }), hostile, 'function-body');
    }
  });

  it('chainrule codegen: the issue\'s U+2028 module, as .mjs and .ts, is safe and right; the command line\'s own \\n and \\r too', () => {
    const c: Case = { name: 'issue', expr: `‖x‖² # note\u2028${PAYLOAD} //`, where: 'x: 3', wrt: 'x' };
    const js = chainrule(['codegen', c.expr, '--wrt', 'x', '--where', c.where, '-o', 'm.mjs']);
    expect(js.code, js.stderr).toBe(0);
    expectSafeAndRight(readFileSync(path.join(tmp, 'm.mjs'), 'utf8'), c, 'module');
    const w: Case = { name: 'where', expr: '‖Wx − x‖²', where: `W: n×n; x: n # \u2029${PAYLOAD} //`, wrt: 'W' };
    const tsRun = chainrule(['codegen', w.expr, '--wrt', 'W', '--where', w.where, '--dims', 'n=3', '-o', 'm.ts']);
    expect(tsRun.code, tsRun.stderr).toBe(0);
    const text = readFileSync(path.join(tmp, 'm.ts'), 'utf8');
    expect(text.split('\n')[1]).toContain('\\u2029globalThis.__chainrulePwned');
    expectSafeAndRight(toJs(text), w, 'module');
    expect(readdirSync(tmp).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });

  it('chainrule samples: hostile expressions and declarations of a problem file give safe, right gradient modules', () => {
    const dir = path.join(tmp, 'sheets');
    mkdirSync(dir, { recursive: true });
    const sheet = {
      sheet: 'Hostile sheet',
      problems: [
        {
          id: '1',
          title: 'Comments that try to leave',
          statement: 'Differentiate.',
          parts: HOSTILE.filter((c) => !c.name.startsWith('program')).map((c, i) => ({ id: String.fromCharCode(97 + i), statement: c.name, expr: c.expr, where: c.where, wrt: c.wrt.split(','), show: ['answers'] })),
        },
      ],
    };
    writeFileSync(path.join(dir, 'hostile.json'), JSON.stringify(sheet));
    const r = chainrule(['samples', dir, '-o', path.join(tmp, 'out')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('not generated');
    const gradients = path.join(tmp, 'out', 'gradients');
    const modules = readdirSync(gradients).sort();
    expect(modules.length).toBe(sheet.problems[0].parts.length);
    const parts = sheet.problems[0].parts;
    for (const [i, file] of modules.entries()) {
      const part = parts[i];
      expectSafeAndRight(toJs(readFileSync(path.join(gradients, file), 'utf8')), { expr: part.expr, where: part.where, wrt: part.wrt.join(',') }, 'module');
    }
  });

  it('hostile names for --of, --dims and --wrt are refused (exit 2), and no module is written', () => {
    for (const args of [
      ['--wrt', 'x', '--of', `L\u2028${PAYLOAD}`],
      ['--wrt', 'x', '--dims', `n\u2028${PAYLOAD}=3`],
      ['--wrt', `x\u2028${PAYLOAD}`],
    ]) {
      const r = chainrule(['codegen', 'L = ‖x‖²', '--where', 'x: n', ...args, '-o', 'refused.mjs']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error: /);
      expect(readdirSync(tmp)).not.toContain('refused.mjs');
    }
  });
});
