#!/usr/bin/env node
// `npm run build`: the package as it ships.
//   1. grammar/chainrule.peggy → src/syntax/generated/parser.js (peggy, as `npm run grammar`);
//   2. src/ → dist/ as ESM JavaScript and .d.ts (tsc -p tsconfig.build.json);
//   3. the generated parser beside its importer in dist/;
//   4. dist/browser/chainrule.js: the core (src/index.ts) as one minified ESM file for browsers.
// Runs from `prepare`, so `npm ci` on a clone and `npm pack` both leave a built dist/.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const run = (script, args) => execFileSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });

rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'grammar'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
run(require.resolve('typescript/bin/tsc'), ['-p', 'tsconfig.build.json']);
const parser = 'syntax/generated/parser.js';
mkdirSync(dirname(join(root, 'dist', parser)), { recursive: true });
copyFileSync(join(root, 'src', parser), join(root, 'dist', parser));

const { build } = await import('esbuild');
await build({
  entryPoints: [join(root, 'src/index.ts')],
  outfile: join(root, 'dist/browser/chainrule.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
