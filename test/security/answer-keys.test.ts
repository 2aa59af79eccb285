// File disclosure through answer keys (#18). Problem files are text from anyone: their math must be
// typesetting only (refused on load otherwise, naming the file, problem, part and field), their text
// is escaped for each target by one function (LaTeX, HTML, Markdown), and pdflatex runs sandboxed,
// which is tested on its own with a hand-written hostile document.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChainruleError } from '../../src/errors.ts';
import { compilePdf, parseSheet, solveSheets, toHtml, toLatexDocument, toMarkdown } from '../../src/key/index.ts';
import { escapeHtml } from '../../src/html.ts';
import { latexText } from '../../src/key/latex.ts';
import { markdownText } from '../../src/key/markdown.ts';
import { unsafeMath } from '../../src/key/math.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repoRoot, 'bin/chainrule.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'chainrule-keys-'));

const sheet = (part: Record<string, unknown>, problem: Record<string, unknown> = {}) =>
  JSON.stringify({ sheet: 'Hostile', problems: [{ id: '1', title: 'T', ...problem, parts: [{ id: 'a', statement: 'S', expr: 'xᵀx', where: 'x: n', wrt: ['x'], ...part }] }] });

/** Math that reads or writes files, runs programs, redefines TeX, or that KaTeX cannot read. */
const HOSTILE_MATH: Record<string, RegExp> = {
  '\\input{/etc/passwd}': /\\input is not allowed in math/,
  '\\include{/etc/passwd}': /\\include is not allowed/,
  '\\openin5=/etc/passwd \\read5 to\\x \\x': /\\openin is not allowed/,
  '\\read16 to\\x': /\\read is not allowed/,
  '\\immediate\\write18{touch pwned}': /\\immediate is not allowed/,
  '\\write18{touch pwned}': /\\write is not allowed/,
  '\\openout1=pwned.tex': /\\openout is not allowed/,
  '^^5cinput{/etc/passwd}': /\^\^ \(TeX's character-code notation\)/,
  'x^^5c': /\^\^/,
  '\\csname input\\endcsname{/etc/passwd}': /\\csname is not allowed/,
  '\\def\\x{\\input{/etc/passwd}}\\x': /\\def is not allowed/,
  '\\catcode`\\A=0 Ainput': /\\catcode is not allowed/,
  '\\begin{filecontents}{pwned.tex}x\\end{filecontents}': /\\begin\{filecontents\} is not allowed/,
  'x % \\input': /% would comment out/,
  'x \\': /a backslash ends the formula/,
  '\\@input': /\\@ is not allowed/,
  '\\href{javascript:alert(1)}{x}': /\\href is not allowed/,
  '\\url{file:///etc/passwd}': /\\url is not allowed/,
  '\\includegraphics{/etc/passwd}': /\\includegraphics is not allowed/,
  '\\foo x': /\\foo is not allowed/,
  'x}{': /KaTeX cannot read it/,
  '\\frac{1}': /KaTeX cannot read it/,
};

describe('math in problem files', () => {
  it('is refused on load when it is more than typesetting, naming file, problem, part and field', () => {
    for (const [tex, why] of Object.entries(HOSTILE_MATH)) {
      for (const [field, make] of [
        ['statement', (m: string) => sheet({ statement: `Find $${m}$.` })],
        ['answer', (m: string) => sheet({ answer: `It is $${m}$.` })],
        ['title', (m: string) => sheet({}, { title: `About $${m}$` })],
      ] as const) {
        let error: unknown;
        try {
          parseSheet('hostile.json', make(tex));
        } catch (e) {
          error = e;
        }
        expect(error, `${field}: ${tex}`).toBeInstanceOf(ChainruleError);
        const message = (error as ChainruleError).message;
        expect(message, tex).toMatch(field === 'title' ? /^hostile\.json: problem 1: "title": in \$/ : new RegExp(`^hostile\\.json: problem 1, part a: "${field}": in \\$`));
        expect(message, tex).toMatch(why);
        expect((error as ChainruleError).kind).toBe('input');
        expect((error as ChainruleError).hint).toMatch(/samples\/README\.md/);
      }
    }
  });

  it('refuses control characters and an unpaired $ in text fields', () => {
    expect(() => parseSheet('c.json', sheet({ statement: 'ESC \u001b[2J here' }))).toThrow(/^c\.json: problem 1, part a: "statement" contains the control character U\+001B$/);
    expect(() => parseSheet('c.json', sheet({ statement: 'Costs $5, and $x$.' }))).toThrow(/^c\.json: problem 1, part a: "statement" has an unpaired \$/);
  });

  it('passes when it only typesets: every formula of the bundled problem files, and the common notation', () => {
    for (const tex of ['\\frac{\\partial \\mathcal{L}}{\\partial W^{(1)}} = \\delta x^\\top', '\\sigma(z)(1 - \\sigma(z))', '\\left\\| Wx - x \\right\\|_2^2', '\\mathbb{1}[u > 0]', '\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}', '\\operatorname{tr}(A^\\top B)', '\\hat{y} \\in \\mathbb{R}^{k}', '\\{x \\mid x \\ge 0\\}', '50\\%']) {
      expect(unsafeMath(tex), tex).toBeUndefined();
    }
  });

  it('chainrule key: a hostile sheet exits 2 with one error line and a hint, and writes nothing', () => {
    const file = path.join(tmp, 'hostile.json');
    writeFileSync(file, sheet({ statement: 'Show $\\input{/etc/passwd}$.' }));
    for (const out of ['k.tex', 'k.html', 'k.md']) {
      const r = spawnSync(process.execPath, [bin, 'key', file, '-o', path.join(tmp, out)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^error: .*hostile\.json: problem 1, part a: "statement": in \$\\input\{\/etc\/passwd\}\$: \\input is not allowed in math\nhint: .*samples\/README\.md/);
      expect(r.stderr).not.toMatch(/root:|at .*\.ts:\d+/);
      expect(existsSync(path.join(tmp, out))).toBe(false);
    }
    // An unknown macro (an uncaught KaTeX error before) is the same kind of input error.
    writeFileSync(file, sheet({ statement: 'Show $\\foo$.' }));
    const r = spawnSync(process.execPath, [bin, 'key', file, '-o', path.join(tmp, 'k.html')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\\foo is not allowed in math/);
  });

  it('sheets that are not objects where problems and parts belong are named, not internal errors', () => {
    expect(() => parseSheet('n.json', '{"sheet": "x", "problems": [null]}')).toThrow(/^n\.json: top level: problem 1 must be an object, not null$/);
    expect(() => parseSheet('n.json', '{"sheet": "x", "problems": [{"id": "1", "title": "t", "parts": [null]}]}')).toThrow(/^n\.json: problem 1: part 1 must be an object, not null$/);
    expect(() => parseSheet('n.json', '{"sheet": "x", "problems": [{"id": "1", "title": "t", "parts": [{"id": "a", "statement": "s", "compute": ["xᵀx"]}]}]}')).toThrow(/computation 1 must be an object, not string/);
    expect(() => parseSheet('n.json', '{"sheet": "x", "problems": [{"id": {"a": 1}, "title": "t", "parts": [{"id": "a", "answer": "s", "statement": "s"}]}]}')).toThrow(/"id" must be a string or a number/);
  });
});

const HOSTILE_TEXT = `Read \\input{/etc/passwd} and \\openin. <script>alert(1)</script> <img src=x onerror=alert(2)> [link](javascript:alert(3)) & % # _ ^ ~ { } | 'quoted' "double"`;

describe('text in answer keys', () => {
  it('latexText escapes every special character once, so TeX typesets the text as written', () => {
    expect(latexText('\\input{/etc/passwd}')).toBe('\\textbackslash{}input\\{/etc/passwd\\}');
    expect(latexText('a < b > c | d')).toBe('a \\textless{} b \\textgreater{} c \\textbar{} d');
    expect(latexText('& % # _ ^ ~ $')).toBe('\\& \\% \\# \\_ \\textasciicircum{} \\textasciitilde{} \\ensuremath{\\$}');
    expect(latexText("'quoted' and $x^2$ − 1")).toBe('`quoted\' and $x^2$ - 1');
    expect(() => latexText('$\\input{/etc/passwd}$')).toThrow(/unchecked math reached a renderer/);
  });

  it('escapeHtml and markdownText leave no markup from the text', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')"> &`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt; &amp;');
    expect(markdownText('<script>x</script> [l](javascript:y) ![i](http://t/) *e* _u_ `c` | $ ~')).toBe('&lt;script&gt;x&lt;/script&gt; \\[l\\](javascript:y) !\\[i\\](http://t/) \\*e\\* \\_u\\_ \\`c\\` \\| \\$ \\~');
    expect(markdownText('# heading\n- item\n1. item and $x_1$')).toBe('\\# heading\n\\- item\n1\\. item and $x_1$');
    expect(() => markdownText('$\\input{x}$')).toThrow(/unchecked math/);
  });

  it('a hostile statement and title typeset as written in the PDF, and reach the HTML and Markdown keys as text', async () => {
    const parsed = parseSheet('text.json', sheet({ statement: `${HOSTILE_TEXT} and $x^\\top x$.`, answer: HOSTILE_TEXT, show: ['answers'] }, { title: '<b>bold</b> \\input{/etc/passwd}', statement: HOSTILE_TEXT }));
    const solved = await solveSheets([parsed]);
    const dir = path.join(tmp, 'text');
    mkdirSync(dir, { recursive: true });
    const tex = path.join(dir, 'key.tex');
    writeFileSync(tex, toLatexDocument(solved));
    const result = compilePdf(tex);
    expect(result.errors).toEqual([]);
    expect(result.pdf).toBeDefined();
    const text = spawnSync('pdftotext', ['-layout', result.pdf as string, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
    expect(text).toContain('Read \\input{/etc/passwd} and \\openin. <script>alert(1)</script> <img src=x onerror=alert(2)> [link](javascript:alert(3)) & % # ˆ ˜ { } | ‘quoted’');
    expect(text).toContain('Problem 1: <b>bold</b> \\input{/etc/passwd}');
    expect(text).not.toMatch(/root:x:0:0/);

    const html = toHtml(solved);
    expect(html).not.toMatch(/<script>alert|<img src=x|<b>bold/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('Problem 1: &lt;b&gt;bold&lt;/b&gt; \\input{/etc/passwd}');

    const md = toMarkdown(solved, () => 'graph.svg');
    expect(md).not.toMatch(/<script>|<img |<b>|(?<!\\)\]\(javascript/);
    expect(md).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt; \\[link\\](javascript:alert(3))');
  });
});

describe('pdflatex sandbox', () => {
  const doc = (body: string) => `\\documentclass{article}\n\\begin{document}\n${body}\n\\end{document}\n`;
  const compile = (name: string, body: string, timeoutMs?: number) => {
    const dir = path.join(tmp, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'secret.tex'), 'SECRET-BESIDE-THE-KEY');
    const tex = path.join(dir, 'doc.tex');
    writeFileSync(tex, doc(body));
    return { dir, result: compilePdf(tex, { timeoutMs }) };
  };
  const pdfText = (pdf: string) => spawnSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).stdout;

  it('reads no file by absolute path, from a parent folder, a dot file or beside the key', () => {
    const { result } = compile(
      'reads',
      [
        'START',
        '\\newread\\r',
        '\\openin\\r=/etc/passwd \\ifeof\\r NOPASSWD\\else\\read\\r to\\x READ:\\x\\fi',
        '\\openin\\r=/etc/hostname \\ifeof\\r NOHOSTNAME\\else READHOSTNAME\\fi',
        '\\openin\\r=../reads/secret.tex \\ifeof\\r NOPARENT\\else READPARENT\\fi',
        '\\openin\\r=secret.tex \\ifeof\\r NOBESIDE\\else READBESIDE\\fi',
        '\\openin\\r=.bashrc \\ifeof\\r NODOT\\else READDOT\\fi',
        '\\IfFileExists{/etc/passwd}{EXISTS}{NOEXISTS}',
      ].join('\n'),
    );
    expect(result.errors).toEqual([]);
    const text = pdfText(result.pdf as string).replace(/\s+/g, '');
    expect(text).toContain('STARTNOPASSWDNOHOSTNAMENOPARENTNOBESIDENODOTNOEXISTS');
    expect(text).not.toMatch(/root|SECRET|READ/);
  });

  it('writes no file outside its own folder, and runs no program', () => {
    for (const [name, body] of Object.entries({
      parent: '\\newwrite\\w\\immediate\\openout\\w=../pwned-parent.txt \\immediate\\write\\w{x}\\immediate\\closeout\\w',
      absolute: `\\newwrite\\w\\immediate\\openout\\w=${tmp}/pwned-absolute.txt \\immediate\\write\\w{x}\\immediate\\closeout\\w`,
      dot: '\\newwrite\\w\\immediate\\openout\\w=.pwned \\immediate\\write\\w{x}\\immediate\\closeout\\w',
    })) {
      const { dir, result } = compile(`writes-${name}`, body);
      expect(result.pdf, name).toBeUndefined();
      expect(result.errors.join('\n'), name).toMatch(/I can't write on file/);
      expect(readdirSync(dir).sort(), name).toEqual(['doc.log', 'doc.tex', 'secret.tex']);
    }
    expect(readdirSync(tmp).filter((f) => f.startsWith('pwned'))).toEqual([]);
    // Beside the key, a write lands in the sandbox folder, which is removed: nothing appears here.
    const beside = compile('writes-beside', '\\newwrite\\w\\immediate\\openout\\w=pwned.txt \\immediate\\write\\w{x}\\immediate\\closeout\\w OK');
    expect(beside.result.pdf).toBeDefined();
    expect(readdirSync(beside.dir).sort()).toEqual(['doc.pdf', 'doc.tex', 'secret.tex']);
    const shell = compile('shell', '\\immediate\\write18{touch pwned-shell.txt} OK');
    expect(shell.result.log).toMatch(/runsystem\(touch pwned-shell\.txt\)\.\.\.disabled/);
    expect(readdirSync(shell.dir)).not.toContain('pwned-shell.txt');
  });

  it('is stopped at its time limit', () => {
    const started = performance.now();
    const { result } = compile('loop', '\\def\\spin{\\spin}\\spin', 3000);
    expect(result.pdf).toBeUndefined();
    expect(result.errors[0]).toBe('! pdflatex did not finish in 3 s and was stopped');
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});
