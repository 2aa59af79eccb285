// Answer keys: all samples solve; the LaTeX key compiles with pdflatex and its first page is not
// blank; every formula of the HTML key renders with KaTeX; the samples cover every course problem.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import katex from 'katex';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SolvedSheet } from '../../src/key/index.ts';
import { compilePdf, hasPdflatex, MathRenderer, parseSheet, solveSheets, statementFonts, toHtml, writeKey } from '../../src/key/index.ts';
import { ChainruleError } from '../../src/errors.ts';
import { RULES } from '../../src/simplify/index.ts';
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

/** Each page of a PDF as gray pixels, and its text. */
function pages(pdf: string, dir: string): { fill: number; text: string }[] {
  const ppm = spawnSync('pdftoppm', ['-r', '20', '-gray', '-png', pdf, join(dir, 'p')]);
  expect(ppm.status).toBe(0);
  const files = readdirSync(dir).filter((f) => /^p-\d+\.png$/.test(f)).sort();
  return files.map((f, i) => {
    const { width, height, gray } = decodePng(readFileSync(join(dir, f)));
    // The text block: below the top margin, above the page number.
    let first = -1;
    let last = -1;
    for (let y = 0; y < Math.floor(height * 0.9); y++) {
      let ink = false;
      for (let x = 0; x < width && !ink; x++) ink = gray[y * width + x] < 200;
      if (ink) {
        if (first < 0) first = y;
        last = y;
      }
    }
    const text = spawnSync('pdftotext', ['-f', String(i + 1), '-l', String(i + 1), '-layout', pdf, '-'], { encoding: 'utf8' }).stdout;
    return { fill: first < 0 ? 0 : (last - first) / (height * 0.82), text };
  });
}

describe('the LaTeX key, page by page', () => {
  const skip = !hasPdflatex();
  let tex = '';
  let pdfPages: { fill: number; text: string }[] = [];
  beforeAll(() => {
    if (skip) return;
    const dir = mkdtempSync(join(tmpdir(), 'chainrule-pages-'));
    const path = join(dir, 'answer-key.tex');
    writeKey(solved, path);
    tex = readFileSync(path, 'utf8');
    const result = compilePdf(path);
    expect(result.errors).toEqual([]);
    pdfPages = pages(result.pdf as string, dir);
  });

  it.skipIf(skip)('has no page under a third full unless a sheet ends on it', () => {
    const sheetTitles = solved.map((s) => s.sheet.sheet);
    const gaps = pdfPages.flatMap((p, i) => {
      if (p.fill >= 1 / 3 || i === pdfPages.length - 1) return [];
      const next = pdfPages[i + 1].text.trim();
      return sheetTitles.some((t) => next.startsWith(t)) ? [] : [`page ${i + 1}: ${Math.round(p.fill * 100)}% full`];
    });
    expect(pdfPages.length).toBeGreaterThan(10);
    expect(gaps).toEqual([]);
  });

  it.skipIf(skip)('sizes delimiters only around tall content: σ(Ax), not σ\\left(Ax\\right)', () => {
    const small: string[] = [];
    for (const m of tex.matchAll(/\\left[(|[]|\\left\\\|/g)) {
      // The content up to the matching \right.
      let depth = 0;
      let end = m.index + m[0].length;
      for (; end < tex.length; end++) {
        if (tex.startsWith('\\left', end)) depth++;
        else if (tex.startsWith('\\right', end)) {
          if (depth === 0) break;
          depth--;
        }
      }
      const inner = tex.slice(m.index + m[0].length, end);
      if (!/\\(?:frac|dfrac|sum|prod|int|begin|binom|left)(?![A-Za-z])/.test(inner)) small.push(inner);
    }
    expect(small).toEqual([]);
    expect(tex).toContain('\\sigma(Ax)');
  });

  it.skipIf(skip)('says "(b)" for part b and "2(a)" for part 2(a), never "(2(a))"', () => {
    expect(tex).toContain('\\paragraph{(b)}');
    expect(tex).toContain('\\paragraph{2(a)}');
    expect(tex).not.toMatch(/\\paragraph\{\(\d\(/);
  });

  it.skipIf(skip)('shows a forward pass once per problem, and refers back to it', () => {
    for (const s of solved) {
      for (const p of s.problems) {
        const computations = p.parts.flatMap((q) => q.solutions.filter((x) => x.computation.show.includes('steps')).map((x) => x.computation.expr));
        const distinct = new Set(computations).size;
        if (computations.length > distinct) expect(tex).toMatch(/\\textbf\{Forward pass\} as in \(/);
      }
    }
    // DS 102 problem 2: (b) and (c) share the program; only the first prints the table.
    const ds = tex.slice(tex.indexOf('Problem 2: Backpropagation'), tex.indexOf('\\clearpage'));
    expect((ds.match(/\\textbf\{Forward pass\.\}/g) ?? []).length).toBe(1);
  });
});

describe('names in the statement’s fonts', () => {
  it('reads \\mathcal and \\mathscr names, with their subscripts, from a statement', () => {
    const display = statementFonts('the loss $\\mathcal{L}_{reg} = \\mathcal{L} + \\lambda \\mathscr{R}$ and $\\mathcal{J}_{\\text{train}}$, $\\mathcal{K}_2$; text L stays');
    expect(display({ base: 'L', sub: 'reg' }).style).toBe('script');
    expect(display({ base: 'L' }).style).toBe('script');
    expect(display({ base: 'R' }).style).toBe('script');
    expect(display({ base: 'J', sub: 'train' }).style).toBe('script');
    expect(display({ base: 'K', sub: '2' }).style).toBe('script');
    expect(display({ base: 'K' }).style).toBeUndefined();
    expect(display({ base: 'W' }).style).toBeUndefined();
  });

  it('answers with the names the statement uses: 𝓛_reg where it says \\mathcal{L}_{reg}', () => {
    let checked = 0;
    for (const s of solved) {
      for (const p of s.problems) {
        for (const q of p.parts) {
          const display = statementFonts(`${p.problem.statement} ${q.part.statement}`);
          for (const sol of q.solutions) {
            if (display((sol.derivation as NonNullable<typeof sol.derivation>).outputName).style !== 'script') continue;
            for (const a of sol.answers) {
              expect(a.symbol.latex).toMatch(/^\\frac\{\\partial \\mathcal\{/);
              expect(a.symbol.unicode).toMatch(/^∂[𝒜ℬ𝒞𝒟ℰℱ𝒢ℋℐ𝒥𝒦ℒℳ𝒩𝒪𝒫𝒬ℛ𝒮𝒯𝒰𝒱𝒲𝒳𝒴𝒵]/u);
              checked++;
            }
            if (sol.computation.show.includes('graph')) expect(sol.svg).toMatch(/[ℒℛ]/u);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(5);
  });
});

describe('every key', () => {
  it('leaves the simplifier\'s rule names to --explain', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chainrule-rules-'));
    const texts = ['key.tex', 'key.md', 'key.html'].map((f) => readFileSync(writeKey(solved, join(dir, f))[0], 'utf8'));
    const names = RULES.map((r) => r.name).filter((n) => n.includes('-'));
    expect(names.length).toBeGreaterThan(20);
    for (const text of texts) expect(names.filter((n) => text.includes(n))).toEqual([]);
  });
});

describe('the HTML key of all samples', () => {
  it('draws the indicator 𝟙[x > 0] as a struck 1, not the digit KaTeX draws for \\mathbb{1}', () => {
    const html = new MathRenderer().render('\\mathbb{1}[x > 0]', false);
    // KaTeX's blackboard font has no digits: \mathbb{1} would come out as <span class="mord mathbb">1</span>.
    expect(html).not.toContain('mathbb');
    const drawn = html.slice(html.indexOf('katex-html'));
    expect(drawn.match(/>1</g)?.length).toBe(2);
  });

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
