#!/usr/bin/env node
// `npm run build`: the package as it ships.
//   1. grammar/chainrule.peggy → src/syntax/generated/parser.js (peggy, as `npm run grammar`);
//   2. src/ → dist/ as ESM JavaScript and .d.ts (tsc -p tsconfig.build.json); tsc rewrites the
//      sources' relative `./x.ts` imports to `./x.js` in JavaScript but not in declarations, so they
//      are rewritten here too (TypeScript before 5.0 rejects a .ts specifier);
//   3. the generated parser beside its importer in dist/;
//   4. dist/browser/chainrule.js: the core (src/index.ts) as one minified ESM file for browsers.
// Runs from `prepare`, so `npm ci` on a clone and `npm pack` both leave a built dist/.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const run = (script, args) => execFileSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });

rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'grammar'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
run(require.resolve('typescript/bin/tsc'), ['-p', 'tsconfig.build.json']);
for (const file of readdirSync(join(root, 'dist'), { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.d.ts')) continue;
  const path = join(root, 'dist', file);
  const text = readFileSync(path, 'utf8');
  const rewritten = text.replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g, '$1$2$3.js$2');
  if (rewritten !== text) writeFileSync(path, rewritten);
}
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
