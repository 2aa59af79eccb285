// The core (src/index.ts: parse, differentiate, simplify, print, evaluate, compile) is browser-safe:
// bundled for the browser it imports no node built-in and no package at all, and it runs in a bare
// JavaScript realm with no `process`, `require` or `Buffer`. File, process and terminal work stays in
// src/cli, src/key, src/train and src/plot.
import { builtinModules } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Bundles `entry` for the browser; returns the code (an IIFE exposing the exports as `chainrule`)
 * and every import esbuild saw, or esbuild's error messages when it refuses. */
async function browserBundle(entry: string): Promise<{ code?: string; imports: string[]; inputs: string[]; errors: string[] }> {
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'iife',
      globalName: 'chainrule',
      target: 'es2022',
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: repoRoot,
    });
    const meta = result.metafile as Metafile;
    return {
      code: result.outputFiles[0].text,
      imports: Object.values(meta.inputs).flatMap((i) => i.imports.map((x) => x.original ?? x.path)),
      inputs: Object.keys(meta.inputs),
      errors: [],
    };
  } catch (e) {
    const errors = (e as { errors?: { text: string }[] }).errors?.map((m) => m.text) ?? [String(e)];
    return { imports: [], inputs: [], errors };
  }
}

const scratch = mkdtempSync(path.join(tmpdir(), 'chainrule-browser-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('browser-safe core', () => {
  it('the check catches a node: import (control)', async () => {
    const leaky = path.join(scratch, 'leaky.ts');
    writeFileSync(leaky, `import { readFileSync } from 'node:fs';\nexport const read = () => readFileSync('x');\n`);
    const r = await browserBundle(leaky);
    expect(r.code).toBeUndefined();
    expect(r.errors.join('\n')).toMatch(/node:fs/);
  });

  it('src/index.ts bundles for platform=browser with no node built-in and no package', async () => {
    const r = await browserBundle(path.join(repoRoot, 'src/index.ts'));
    expect(r.errors).toEqual([]);
    expect(r.imports.filter((i) => builtins.has(i))).toEqual([]);
    // Every module of the core is chainrule's own source (the generated parser included).
    expect(r.inputs.filter((i) => !i.startsWith('src/'))).toEqual([]);
    expect(r.inputs).toContain('src/syntax/generated/parser.js');
  });

  it('runs in a bare JavaScript realm: compile gives the value and gradient of ‖Wx − x‖²', async () => {
    const r = await browserBundle(path.join(repoRoot, 'src/index.ts'));
    // Only the language's own globals: no process, require, Buffer, setTimeout or URL.
    const realm: { chainrule?: Record<string, (...args: unknown[]) => unknown>; result?: string } = {};
    runInNewContext(
      `${r.code}
       const c = chainrule.compile('‖Wx − x‖²', { wrt: 'W' });
       const g = c.valueAndGrad({ W: Float64Array.from([1, 2, 3, 4]), x: Float64Array.from([1, 1]) });
       const [dW] = chainrule.differentiate(chainrule.parse('‖Wx − x‖²'), ['W']).derivatives;
       globalThis.result = JSON.stringify({ value: g.value, grad: Array.from(g.grad.W), unicode: dW.unicode, latex: dW.latex });`,
      realm,
    );
    // W = [[1, 2], [3, 4]], x = (1, 1): Wx − x = (2, 6), value 40, gradient 2(Wx − x)xᵀ = [[4, 4], [12, 12]].
    expect(JSON.parse(realm.result as string)).toEqual({ value: 40, grad: [4, 4, 12, 12], unicode: '2(Wx − x)xᵀ', latex: expect.stringContaining('x^{\\top}') as unknown });
  });
});
