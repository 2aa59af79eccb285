// The package as a user gets it: `npm pack` (which builds dist/ through `prepare`), the tarball
// installed into an empty temporary folder (from the local npm cache when it has everything), and
// then only what a user of the tarball has: the installed `chainrule` command, `import … from
// 'chainrule'` under plain node, and the shipped .d.ts files under a strict TypeScript consumer.
import { spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// npm run test passes its own settings down as npm_* variables; the inner npm must not inherit them.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

function run(command: string, args: readonly string[], options: SpawnSyncOptions & { cwd: string }) {
  const r = spawnSync(command, args, { encoding: 'utf8', env, ...options });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function ok(command: string, args: readonly string[], cwd: string): string {
  const r = run(command, args, { cwd });
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const work = mkdtempSync(path.join(tmpdir(), 'chainrule-package-'));
const packDir = path.join(work, 'pack');
const user = path.join(work, 'user'); // the folder a user installs into: empty before npm install
let tarball = '';

beforeAll(() => {
  mkdirSync(packDir);
  mkdirSync(user);
  ok(npm, ['pack', '--pack-destination', packDir, '--silent'], repoRoot);
  const packed = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  expect(packed).toHaveLength(1);
  tarball = path.join(packDir, packed[0]);
  ok(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball], user);
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships the build, the grammar, the declarations and the samples, and no sources or tests', () => {
    const files = ok('tar', ['-tzf', tarball], work).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/syntax/generated/parser.js', 'dist/browser/chainrule.js', 'samples/ds102-dis7.json', 'samples/relu-sgd/config.json'])
      expect(files).toContain(f);
    expect(files.filter((f) => /^(src|test|bench|grammar|bin|scripts)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });
});

describe('the installed package', () => {
  it('npx chainrule diff prints the derivative', () => {
    const r = run(npm, ['exec', '--offline', '--no', '--', 'chainrule', 'diff', '‖Wx − x‖²', '--wrt', 'W'], { cwd: user });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('2(Wx − x)xᵀ\n');
    expect(r.code).toBe(0);
  });

  it('the bin is the compiled JavaScript, with no TypeScript loader', () => {
    const manifest = JSON.parse(readFileSync(path.join(user, 'node_modules/chainrule/package.json'), 'utf8')) as { bin: Record<string, string>; dependencies: Record<string, string> };
    expect(manifest.bin.chainrule).toMatch(/^dist\/.*\.js$/);
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    expect(existsSync(path.join(user, 'node_modules/tsx'))).toBe(false);
    // Run the bin file itself, as the shell would.
    const r = run(path.join(user, 'node_modules/.bin/chainrule'), ['diff', 'xᵀAx', '--wrt', 'x', '--where', 'A: n×n'], { cwd: user });
    expect(r.stdout).toBe('(A + Aᵀ)x\n');
    expect(r.code).toBe(0);
  });

  it('--version prints the version of the installed package', () => {
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const r = run(path.join(user, 'node_modules/.bin/chainrule'), ['--version'], { cwd: user });
    expect(r.stdout).toBe(`${version}\n`);
    expect(r.code).toBe(0);
  });

  it('a bad input exits 2 with one error line and no stack trace', () => {
    const r = run(path.join(user, 'node_modules/.bin/chainrule'), ['diff', '‖Wx − x', '--wrt', 'W'], { cwd: user });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('draws an SVG graph and writes an HTML key (Graphviz and KaTeX load from the installed package)', () => {
    ok(path.join(user, 'node_modules/.bin/chainrule'), ['graph', '‖Wx − x‖²', '--wrt', 'W', '-o', 'g.svg'], user);
    const svg = readFileSync(path.join(user, 'g.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toMatch(/<g id="node\d+" class="node">/);
    ok(path.join(user, 'node_modules/.bin/chainrule'), ['key', 'node_modules/chainrule/samples/ds102-dis7.json', '-o', 'key.html'], user);
    const html = readFileSync(path.join(user, 'key.html'), 'utf8');
    expect(html).toContain('class="katex"');
    expect(html).toContain('data:font/woff2;base64,');
  });

  it('chainrule samples, run where there is no ./samples, solves the sheets the package ships', () => {
    const r = run(path.join(user, 'node_modules/.bin/chainrule'), ['samples', '-o', 'out'], { cwd: user });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^4 sheets, \d+ parts, in /);
    for (const f of ['answer-key.tex', 'answer-key.html', 'answer-key.md']) expect(existsSync(path.join(user, 'out', f))).toBe(true);
    expect(readdirSync(path.join(user, 'out/graphs')).filter((f) => f.endsWith('.svg')).length).toBeGreaterThan(0);
    // vega is not installed yet (next test): the training is skipped with the install hint.
    expect(r.stdout).toContain('(no ReLU SGD training: its plots need vega; npm install vega vega-lite)');
  }, 300_000);

  it('vega is an optional peer: not installed, plot says how to get it (exit 2, one line); installed, plot draws', () => {
    expect(existsSync(path.join(user, 'node_modules/vega'))).toBe(false);
    expect(existsSync(path.join(user, 'node_modules/vega-lite'))).toBe(false);
    const r = run(path.join(user, 'node_modules/.bin/chainrule'), ['plot', 'σ(x)', '--derivative', '-o', 'f.svg'], { cwd: user });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/vega and vega-lite.*not installed/);
    expect(r.stderr).toContain('npm install vega vega-lite');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(user, 'f.svg'))).toBe(false);
    // Installed beside chainrule, the same command draws.
    ok(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', 'vega@5', 'vega-lite@5'], user);
    ok(path.join(user, 'node_modules/.bin/chainrule'), ['plot', 'σ(x)', '--derivative', '-o', 'f.svg'], user);
    expect(readFileSync(path.join(user, 'f.svg'), 'utf8')).toMatch(/^<svg[^>]*class="marks"/);
  }, 300_000);

  it("import { compile } from 'chainrule' under plain node: value and gradient of ‖Wx − x‖²", () => {
    // W = [[1, 2], [3, 4]], x = (1, 1): Wx − x = (2, 6), value 4 + 36 = 40, gradient 2(Wx − x)xᵀ = [[4, 4], [12, 12]].
    const script = `
      import { compile, differentiate, parse } from 'chainrule';
      const c = compile('‖Wx − x‖²', { wrt: 'W' });
      const r = c.valueAndGrad({ W: Float64Array.from([1, 2, 3, 4]), x: Float64Array.from([1, 1]) });
      const [dW] = differentiate(parse('‖Wx − x‖²'), ['W']).derivatives;
      console.log(JSON.stringify({ value: r.value, grad: Array.from(r.grad.W), unicode: dW.unicode }));`;
    writeFileSync(path.join(user, 'use.mjs'), script);
    const out = JSON.parse(ok(process.execPath, ['use.mjs'], user)) as { value: number; grad: number[]; unicode: string };
    expect(out).toEqual({ value: 40, grad: [4, 4, 12, 12], unicode: '2(Wx − x)xᵀ' });
  });

  it('the declarations import each other as .js, as the JavaScript does', () => {
    const dist = path.join(user, 'node_modules/chainrule/dist');
    const declarations = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'));
    expect(declarations).toContain('index.d.ts');
    const tsSpecifiers = declarations.flatMap((f) => [...readFileSync(path.join(dist, f), 'utf8').matchAll(/['"](\.{1,2}\/[^'"]*\.ts)['"]/g)].map((m) => `${f}: ${m[1]}`));
    expect(tsSpecifiers).toEqual([]);
  });

  const consumer = `
    import { compile, differentiate, parse, ChainruleError } from 'chainrule';
    import type { Compiled, Model } from 'chainrule';
    const model: Model = parse('‖Wx − x‖²');
    const [dW] = differentiate(model, ['W']).derivatives;
    const printed: string = dW.unicode;
    const c: Compiled = compile('‖Wx − x‖²', { wrt: ['W'] });
    const r = c.valueAndGrad({ W: new Float64Array(4), x: new Float64Array(2) });
    const value: number = r.value;
    const isError = (e: unknown): boolean => e instanceof ChainruleError;
    export { printed, value, isError };
  `;
  // The same file with a type error: proves the declarations are real types, not any.
  const wrong = `
    import { compile } from 'chainrule';
    export const value: string = compile('x²', { wrt: 'x' }).value({ x: 1 });
  `;

  for (const resolution of ['node16', 'bundler'] as const) {
    it(`a strict TypeScript consumer type-checks against the shipped .d.ts (moduleResolution ${resolution})`, () => {
      const dir = path.join(user, `ts-${resolution}`);
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'consumer.mts'), consumer);
      writeFileSync(path.join(dir, 'wrong.mts'), wrong);
      const compilerOptions = {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: resolution === 'node16' ? 'node16' : 'esnext',
        moduleResolution: resolution,
        types: [], // no @types/node: the library's declarations must stand alone
        skipLibCheck: false,
      };
      // One compiler run over both files: consumer.mts must be clean, wrong.mts must fail just where it lies.
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.mts', 'wrong.mts'] }));
      const r = run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir });
      const errors = r.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^wrong\.mts\(3,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
      expect(r.code).toBe(2);
    });
  }
});
