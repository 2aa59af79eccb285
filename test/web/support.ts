// What the browser tests and `npm run bench:web` share: the built site (dist/web) served by a plain
// static file server on a loopback port, and Debian's Chromium driven by playwright-core.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const root = join(import.meta.dirname, '..', '..');
const site = join(root, 'dist', 'web');

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.svg': 'image/svg+xml', '.wasm': 'application/wasm' };

export interface Playground {
  /** The page's address: http://127.0.0.1:port/index.html. */
  readonly base: string;
  readonly browser: BrowserContext;
  close(): Promise<void>;
}

/** Builds the site, serves it and starts a headless Chromium with a fresh profile. */
export async function startPlayground(): Promise<Playground> {
  execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: root, stdio: 'pipe' });
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(site, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file.startsWith(site) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const profile = mkdtempSync(join(tmpdir(), 'chainrule-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    base: `http://127.0.0.1:${address.port}/index.html`,
    browser,
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the page (optionally on a shared state in the hash) and waits for the editor; page errors are collected. */
export async function openPage(p: Playground, hash = '', width = 1280): Promise<{ page: Page; errors: string[] }> {
  const page = await p.browser.newPage();
  await page.setViewportSize({ width, height: width > 600 ? 800 : 844 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(p.base + hash);
  await page.waitForSelector('.cm-content');
  return { page, errors };
}
