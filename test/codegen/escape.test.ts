// The two ways user text reaches generated code, checked on arbitrary text: a string literal reads
// back as exactly the text, and a comment (line or block) stays a comment, so the code after it is
// the code the printer wrote. Both are judged by the engine that will run them (new Function) and
// by TypeScript's scanner, which is what reads a generated .ts module.
import fc from 'fast-check';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as A from '../../src/codegen/ast.ts';
import { CodePrinter, commentText, printStatements, stringLiteral } from '../../src/codegen/print.ts';

/** Characters that end a line in JavaScript or TypeScript, and the ones that close or open comments. */
const NASTY = ['\n', '\r', '\r\n', '\u2028', '\u2029', '*/', '/*', '//', '\\', "'", '"', '`', '${', '\0', '\u001b[2J', '\u202e', '\u2066', '\ufeff', '\ud800', '\udc00', '<!--', '-->', '</script>'];

/** Any UTF-16 text: whole code points, lone surrogates and the characters above, mixed. */
const anyText = fc
  .array(fc.oneof(fc.constantFrom(...NASTY), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), fc.string({ unit: 'binary' })), { maxLength: 12 })
  .map((parts) => parts.join(''));

const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/** The tokens TypeScript reads from `text`, comments and whitespace skipped. */
function tokens(text: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const out: string[] = [];
  for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) {
    const literal = t === ts.SyntaxKind.StringLiteral || t === ts.SyntaxKind.NumericLiteral;
    out.push(`${t === ts.SyntaxKind.StringLiteral ? 'string' : t}:${literal ? scanner.getTokenValue() : scanner.getTokenText()}`);
  }
  return out;
}

describe('stringLiteral', () => {
  it('reads back as the text it was given, on one line', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const literal = stringLiteral(s);
        expect(LINE_TERMINATOR.test(literal)).toBe(false);
        expect(new Function(`return ${literal};`)()).toBe(s);
        // TypeScript reads one string token with the same value.
        const read = tokens(`x = ${literal};`);
        expect(read).toEqual([...tokens('x = '), `string:${s}`, ...tokens(';')]);
      }),
      { numRuns: 2000, seed: 18 },
    );
  });

  it('escapes every line terminator, quote, backslash and bidirectional control', () => {
    expect(stringLiteral("a'b\\c")).toBe("'a\\'b\\\\c'");
    expect(stringLiteral('\n\r\u2028\u2029')).toBe("'\\n\\r\\u2028\\u2029'");
    expect(stringLiteral('\u202eevil\u2066')).toBe("'\\u202eevil\\u2066'");
    expect(stringLiteral('W⁽¹⁾ ŷ α')).toBe("'W⁽¹⁾ ŷ α'");
  });
});

describe('commentText', () => {
  it('keeps any text inside a line comment and inside a block comment', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const text = commentText(s);
        expect(LINE_TERMINATOR.test(text)).toBe(false);
        expect(text).not.toContain('*/');
        expect(new Function(`// ${text}\nreturn 42;`)()).toBe(42);
        expect(new Function(`/** ${text} */ return 42;`)()).toBe(42);
        expect(tokens(`// ${text}\nreturn 42;`)).toEqual(tokens('return 42;'));
        expect(tokens(`/** ${text} */ return 42;`)).toEqual(tokens('return 42;'));
      }),
      { numRuns: 2000, seed: 18 },
    );
  });

  it('shows what it escaped, and leaves ordinary text as it is', () => {
    expect(commentText('‖x‖² # note\u2028import("node:fs")')).toBe('‖x‖² # note\\u2028import("node:fs")');
    expect(commentText('a */ b \r c \u2029')).toBe('a *\\/ b \\r c \\u2029');
    expect(commentText('∂L/∂W⁽¹⁾ = 2(Wx − x)xᵀ')).toBe('∂L/∂W⁽¹⁾ = 2(Wx − x)xᵀ');
  });
});

describe('the printer', () => {
  it('routes comments, interface docs, strings and property keys through the two functions', () => {
    const hostile = 'x\u2028globalThis.pwned = 1; */ globalThis.pwned = 2; /*';
    const stmts = [
      A.comment(hostile),
      { k: 'interface', name: 'Inputs', exported: true, fields: [{ name: hostile, type: 'number', doc: hostile }] } as const,
      A.constDecl('o', A.object([{ key: hostile, value: A.str(hostile) }])),
      A.exprStmt(A.member(A.id('o'), hostile)),
    ];
    for (const lang of ['js', 'ts'] as const) {
      const text = printStatements(stmts, lang);
      const read = tokens(text).filter((t) => !t.startsWith('string:'));
      expect(read.join(' ')).not.toMatch(/globalThis|pwned/);
    }
    const js = printStatements(stmts, 'js');
    const holder = new Function(`${js}return o;`)() as Record<string, string>;
    expect(holder[hostile]).toBe(hostile);
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
  });

  it('refuses a name that is not an ASCII identifier, or a type outside the vocabulary, as an internal error', () => {
    const p = new CodePrinter('ts');
    for (const name of ['a\u2028b', 'x; y', 'import', 'α', '', '1x', 'eval']) {
      expect(() => p.expr(A.id(name))).toThrow(/not a safe identifier/);
      expect(() => p.stmt(A.constDecl(name, A.num(1)), '')).toThrow(/not a safe identifier/);
    }
    expect(() => p.stmt(A.constDecl('x', A.num(1), 'number = 1; evil()'), '')).toThrow(/not a safe type/);
    expect(() => p.stmt({ k: 'function', name: 'f', params: [{ name: 'x', type: "number) { evil(); } function g(y: number" }], returns: 'number', body: [] }, '')).toThrow(/not a safe type/);
  });
});
