// The generated files as a user gets them: they pass `tsc --strict --noEmit` (one compiler run over
// a batch of modules), the JavaScript form runs as an ES module with no imports, and the CLI flow of
// the README works: `chainrule codegen … -o grad.ts`, then a three-line script prints the gradient.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/compile.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
const tsx = path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs');
const cli = path.join(repoRoot, 'bin/chainrule.js');

const MODULES: { file: string; source: string; wrt: string; where?: string; dims?: Record<string, number> }[] = [
  { file: 'wx.ts', source: '‖Wx − x‖²', wrt: 'W', where: 'W: n×n; x: n', dims: { n: 8 } },
  { file: 'mlp.ts', source: 'h = relu(W₁x + b₁)\nŷ = W₂h + b₂\nL = ½‖ŷ − y‖²', wrt: 'W1,b1,W2,b2', where: 'x: n; y: k; W₁: m×n; b₁: m; W₂: k×m; b₂: k' },
  { file: 'logdet.ts', source: 'L₁ = −γ/2 · log|αAAᵀ + β⁻¹I|', wrt: 'A,α', where: 'A: n×n; α, β, γ: scalar', dims: { n: 4 } },
  { file: 'trinv.ts', source: 'L₂ = −½ tr((αAAᵀ + β⁻¹I)⁻¹BBᵀ)', wrt: 'A,B', where: 'A, B: n×n; α, β: scalar' },
  { file: 'stable.ts', source: 'logsumexp(Wx) − yᵀlog(softmax(Wx)) + 𝟙ᵀsoftplus(x) + log(σ(aᵀx))', wrt: 'W,x,a', where: 'W: k×d; x, a: d; y: k' },
  { file: 'det.ts', source: '|A| + tr(A⁻¹) + xᵀA⁻¹x', wrt: 'A,x', where: 'A: n×n; x: n' },
];

describe('generated modules', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chainrule-codegen-'));

  it('type-check under tsc --strict --noEmit', () => {
    const files = MODULES.map((m) => {
      const file = path.join(dir, m.file);
      writeFileSync(file, generate(m.source, { wrt: m.wrt, where: m.where, dims: m.dims }));
      return file;
    });
    // A caller using the typed API, so the exported types are exercised too.
    const caller = path.join(dir, 'caller.ts');
    writeFileSync(caller, [
      "import { valueAndGrad, inputs, type Inputs } from './mlp.ts';",
      'const input: Inputs = { x: new Float64Array(3), y: new Float64Array(2), W1: new Float64Array(12), b1: new Float64Array(4), W2: new Float64Array(8), b2: new Float64Array(2) };',
      'const { value, grad } = valueAndGrad(input);',
      'const total: number = value + grad.W1[0] + grad.b2.length + inputs.W1.shape.length;',
      'export { total };',
    ].join('\n'));
    const args = [tsc, '--strict', '--noEmit', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--allowImportingTsExtensions', '--skipLibCheck', '--types', 'node', ...files, caller];
    let output = '';
    try {
      execFileSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' });
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(output).toBe('');
  });

  it('the JavaScript form is an ES module with no imports', async () => {
    const file = path.join(dir, 'mlp.mjs');
    const m = MODULES[1];
    const text = generate(m.source, { wrt: m.wrt, where: m.where, lang: 'js' });
    expect(text).not.toMatch(/^\s*import /m);
    writeFileSync(file, text);
    const mod = (await import(pathToFileURL(file).href)) as { valueAndGrad: (i: Record<string, Float64Array>) => { value: number; grad: Record<string, Float64Array> }; inputs: Record<string, unknown> };
    const input = { x: Float64Array.of(1, 2), y: Float64Array.of(1), W1: Float64Array.of(1, 0, 0, 1, 1, 1), b1: Float64Array.of(0, 0, -10), W2: Float64Array.of(1, 1, 1), b2: Float64Array.of(0) };
    // h = relu([1, 2, −7]) = [1, 2, 0]; ŷ = 3; L = ½(3 − 1)² = 2; ∂L/∂b₂ = ŷ − y = 2.
    const { value, grad } = mod.valueAndGrad(input);
    expect(value).toBe(2);
    expect([...grad.b2]).toEqual([2]);
    expect([...grad.W2]).toEqual([2, 4, 0]);
    expect(Object.keys(mod.inputs)).toEqual(['W1', 'x', 'b1', 'W2', 'b2', 'y']);
  });

  it('works as a new user tries it: codegen -o grad.ts, then a three-line script', () => {
    execFileSync(process.execPath, [cli, 'codegen', '‖Wx − x‖²', '--wrt', 'W', '-o', 'grad.ts'], { cwd: dir, encoding: 'utf8' });
    expect(readFileSync(path.join(dir, 'grad.ts'), 'utf8')).toContain('∂f/∂W = 2(Wx − x)xᵀ');
    writeFileSync(path.join(dir, 'use.ts'), [
      "import { valueAndGrad } from './grad.ts';",
      'const { value, grad } = valueAndGrad({ W: Float64Array.of(1, 0, 0, 1), x: Float64Array.of(1, 2) });',
      'console.log(value, Array.from(grad.W).join(" "));',
    ].join('\n'));
    // W = I: the residual is 0, so the value and the gradient are 0.
    expect(execFileSync(process.execPath, [tsx, 'use.ts'], { cwd: dir, encoding: 'utf8' }).trim()).toBe('0 0 0 0 0');
  });

  it('the CLI reports bad input with exit code 2', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [cli, 'codegen', 'ℓ = ½‖W⁽²⁾Φ(W⁽¹⁾x + b) − y‖²', '--wrt', 'b', '--where', 'W⁽¹⁾, W⁽²⁾: d×d; x, b, y: d; Φ: elementwise'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = String((e as { stderr: string }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/abstract function/);
    expect(stderr).toMatch(/hint: write a built-in/);
  });
});
