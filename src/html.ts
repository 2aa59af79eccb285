// The one escaping function for HTML (and Graphviz's HTML-like labels): every page, key and graph
// label chainrule writes puts text into markup only through it.

const HTML_CHARS: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The five characters HTML gives a meaning, replaced in one pass (safe in element content and in
 * quoted attributes), and control characters other than tab and line breaks dropped. */
export const escapeHtml = (s: string): string => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '').replace(/[&<>"']/g, (c) => HTML_CHARS[c]);

/** JSON inside a <script> element: `<` as \u003c, so no text can close the element. */
export const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');
