// Answer keys: all samples solve; the LaTeX key compiles with pdflatex and its first page is not
// blank; every formula of the HTML key renders with KaTeX; the samples cover every course problem.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import katex from 'katex';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SolvedSheet } from '../../src/key/index.ts';
import { compilePdf, hasPdflatex, MathRenderer, parseSheet, solveSheets, toHtml, writeKey } from '../../src/key/index.ts';
import { ChainruleError } from '../../src/errors.ts';
import { sampleSheets } from '../steps/support.ts';

let solved: SolvedSheet[];
beforeAll(async () => {
  solved = await solveSheets(sampleSheets());
});

describe('samples', () => {
  it('cover every problem of seeds.json', () => {
    const seeds = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/seeds.json'), 'utf8')) as { problems: { id: string }[] };
    const covered = new Set(sampleSheets().flatMap((s) => s.problems.flatMap((p) => p.parts.map((q) => q.seed))));
    expect(seeds.problems.map((p) => p.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  it('hold one file per course sheet', () => {
    expect(sampleSheets().map((s) => s.sheet).sort()).toEqual(['Computation graphs and backpropagation', 'DS 102 Discussion 7', 'ECE C147/C247 Discussion 3', 'EECS 189 DIS7']);
  });

  it('are validated with the file and the place named', () => {
    expect(() => parseSheet('bad.json', '{"sheet": "x", "problems": [{"id": "1", "title": "t", "parts": [{"id": "a", "answer": "yes"}]}]}')).toThrow(/bad\.json: problem 1, part a: "statement" is missing/);
    expect(() => parseSheet('bad.json', '{"sheet": "x", "problems": [{"id": "1", "title": "t", "parts": [{"id": "a", "statement": "s"}]}]}')).toThrow(ChainruleError);
    expect(() => parseSheet('bad.json', '{"sheet": "x", "problems": [{"id": "1", "title": "t", "parts": [{"id": "a", "statement": "s", "expr": "x", "layout": "sideways"}]}]}')).toThrow(/"layout"/);
  });
});

/** Decodes an 8-bit grayscale or RGB PNG (what pdftoppm writes) into gray levels, one per pixel. */
function decodePng(png: Buffer): { width: number; height: number; gray: Uint8Array } {
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 1;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString();
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8); // 8 bits per sample
      expect([0, 2]).toContain(data[9]); // gray or RGB
      channels = data[9] === 2 ? 3 : 1;
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const bytes = new Uint8Array(stride * height);
  // Undo the per-row filters (None, Sub, Up, Average, Paeth), byte by byte.
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const v = raw[y * (stride + 1) + 1 + i];
      const a = i >= channels ? bytes[y * stride + i - channels] : 0;
      const b = y > 0 ? bytes[(y - 1) * stride + i] : 0;
      const c = i >= channels && y > 0 ? bytes[(y - 1) * stride + i - channels] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      bytes[y * stride + i] = (v + [0, a, b, (a + b) >> 1, paeth][filter]) & 255;
    }
  }
  const gray = new Uint8Array(width * height);
  for (let k = 0; k < gray.length; k++) gray[k] = channels === 1 ? bytes[k] : Math.round((bytes[3 * k] + bytes[3 * k + 1] + bytes[3 * k + 2]) / 3);
  return { width, height, gray };
}

describe('the LaTeX key of all samples', () => {
  const skip = !hasPdflatex();
  if (skip) console.warn('pdflatex is not installed here: skipping the PDF checks (CI installs texlive-latex-base, -extra, -pictures and poppler-utils)');

  it.skipIf(skip)('compiles with pdflatex without errors, and page 1 is not blank', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chainrule-key-'));
    const tex = join(dir, 'answer-key.tex');
    writeKey(solved, tex);
    const result = compilePdf(tex);
    expect(result.errors).toEqual([]);
    expect(result.pdf).toBeDefined();
    expect(result.log).not.toMatch(/Undefined control sequence|Missing \$ inserted/);
    const ppm = spawnSync('pdftoppm', ['-f', '1', '-l', '1', '-singlefile', '-r', '40', '-gray', '-png', result.pdf as string, join(dir, 'page')]);
    expect(ppm.status).toBe(0);
    const png = join(dir, 'page.png');
    expect(existsSync(png)).toBe(true);
    const { gray } = decodePng(readFileSync(png));
    // A blank page has no ink at all; page 1 has the title, a heading and a boxed answer.
    const ink = gray.filter((v) => v < 160).length / gray.length;
    expect(ink).toBeGreaterThan(0.002);
    expect(ink).toBeLessThan(0.5);
  });
});

describe('the HTML key of all samples', () => {
  it('renders every formula with KaTeX, and inlines every graph', () => {
    const m = new MathRenderer();
    const html = toHtml(solved, m);
    expect(m.formulas.length).toBeGreaterThan(100);
    for (const f of m.formulas) expect(() => katex.renderToString(f.tex, { displayMode: f.display, throwOnError: true })).not.toThrow();
    expect(html).not.toContain('katex-error');
    const graphs = solved.flatMap((s) => s.problems.flatMap((p) => p.parts.flatMap((q) => q.solutions.filter((x) => x.computation.show.includes('graph')))));
    expect((html.match(/<figure class="graph"><svg/g) ?? []).length).toBe(graphs.length);
  });

  it('writes Markdown whose graph links point at SVG files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chainrule-md-'));
    const [md, ...svgs] = writeKey(solved, join(dir, 'key.md'));
    const text = readFileSync(md, 'utf8');
    const links = [...text.matchAll(/!\[computation graph\]\(([^)]+)\)/g)].map((x) => x[1]);
    expect(links.length).toBeGreaterThan(10);
    for (const l of links) expect(existsSync(join(dir, l))).toBe(true);
    expect(svgs.length).toBeGreaterThanOrEqual(links.length);
  });
});
