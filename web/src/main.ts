// The playground page (#10): every edit re-parses and re-derives with chainrule's public API.
import 'katex/dist/katex.min.css';
import './style.css';
import { EditorView, keymap } from '@codemirror/view';
import { EditorState } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching } from '@codemirror/language';
import { linter, lintGutter, setDiagnostics } from '@codemirror/lint';
import type { DiffResult, GenerateLang, Layout, Model } from '../../src/index.ts';
import { ChainruleError, differentiate, formatError, parse, print, shapeText } from '../../src/index.ts';
import { decodeHash, encodeHash } from './hash.ts';
import type { GeneratedModule, StepsFormat } from './panes.ts';
import { renderCheck, renderCode, renderSteps, tex } from './panes.ts';
import { bindJson, dotToSvg, graphDot, randomValuesJson, valuesJson } from './graph.ts';
import { EXAMPLES } from './examples.ts';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const whereInput = $<HTMLInputElement>('where');
const errorBox = $('error');
const wrtBox = $('wrt');
const layoutSelect = $<HTMLSelectElement>('layout');
const formatSelect = $<HTMLSelectElement>('format');
const result = $('result');
const panes = $('panes');
const langSelect = $<HTMLSelectElement>('lang');

const initial = decodeHash(location.hash);
let chosen = new Set<string>(initial.wrt ?? []);
whereInput.value = initial.where ?? '';
if (initial.layout) layoutSelect.value = initial.layout;

/** Timestamps for `npm run bench:web` and the tests: the last keystroke and the derivative it produced. */
/** Marks for `npm run bench:web`: when the last edit began and its result was shown, and how long re-deriving took. */
const timing = { keyAt: 0, shownAt: 0, revision: 0, updateMs: 0 };
(window as unknown as { chainrulePlayground: typeof timing }).chainrulePlayground = timing;

const view = new EditorView({
  parent: $('editor'),
  state: EditorState.create({
    doc: initial.expr ?? '‖Wx − x‖²',
    extensions: [
      history(),
      keymap.of([...defaultKeymap, ...historyKeymap]),
      bracketMatching(),
      lintGutter(),
      linter(null),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ 'aria-label': 'Expression or program' }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) update();
      }),
    ],
  }),
});
// When an edit began: its keydown, or for text that arrives without one (an input method, a paste,
// a symbol typed from another keyboard layout) its beforeinput.
view.contentDOM.addEventListener('keydown', (e) => (timing.keyAt = e.timeStamp));
view.contentDOM.addEventListener('beforeinput', (e) => {
  if (timing.keyAt <= timing.shownAt) timing.keyAt = e.timeStamp;
}, { capture: true });

const PALETTE = ['‖', 'ᵀ', '⁻¹', '²', '⊙', '·', '−', 'σ', '∑', '½', '𝟙', '×', 'α', 'β', 'γ', 'λ', 'μ', 'θ', 'φ', 'ε'];
let lastField: 'editor' | 'where' = 'editor';
whereInput.addEventListener('focus', () => (lastField = 'where'));
view.contentDOM.addEventListener('focus', () => (lastField = 'editor'));
// The palette is one toolbar (WAI-ARIA toolbar pattern): one Tab stop, arrow keys, Home and End move
// within it, so the symbols do not put twenty Tab stops between the examples and the editor.
const paletteButtons: HTMLButtonElement[] = [];
$('palette').addEventListener('keydown', (e) => {
  const at = paletteButtons.indexOf(document.activeElement as HTMLButtonElement);
  if (at < 0) return;
  const next = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: paletteButtons.length - 1 }[e.key];
  if (next === undefined) return;
  e.preventDefault();
  const target = paletteButtons[(next + paletteButtons.length) % paletteButtons.length];
  for (const b of paletteButtons) b.tabIndex = b === target ? 0 : -1;
  target.focus();
});
for (const symbol of PALETTE) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = symbol;
  b.title = `insert ${symbol}`;
  b.setAttribute('aria-label', `insert ${symbol}`);
  b.tabIndex = paletteButtons.length === 0 ? 0 : -1;
  paletteButtons.push(b);
  b.addEventListener('click', () => {
    if (lastField === 'where') {
      const s = whereInput.selectionStart ?? whereInput.value.length;
      whereInput.setRangeText(symbol, s, whereInput.selectionEnd ?? s, 'end');
      whereInput.focus();
      update();
    } else {
      view.dispatch(view.state.replaceSelection(symbol));
      view.focus();
    }
  });
  $('palette').append(b);
}


/** A copy button; `of` names what it copies for assistive technology (one per derivative: Copy LaTeX of ∂f/∂W). */
function copyButton(label: string, text: string, of: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.setAttribute('aria-label', `${label} of ${of}`);
  b.addEventListener('click', () => {
    void navigator.clipboard?.writeText(text).then(() => (b.textContent = `${label} ✓`), () => undefined);
  });
  return b;
}

function showError(e: unknown, source: string, where: string): void {
  if (!(e instanceof ChainruleError)) throw e;
  errorBox.textContent = formatError(e, source);
  result.classList.add('stale');
  panes.classList.add('stale');
  const inExpr = e.span !== undefined && (e.source === undefined || e.source === source) && e.source !== where;
  const diagnostics = inExpr && e.span
    ? [{ from: Math.min(e.span.start, source.length), to: Math.min(Math.max(e.span.end, e.span.start + 1), source.length), severity: 'error' as const, message: e.hint ? `${e.message}\nhint: ${e.hint}` : e.message }]
    : [];
  view.dispatch(setDiagnostics(view.state, diagnostics));
}

function renderWrt(model: Model): string[] {
  const names = model.variables.map((v) => v.display);
  chosen = new Set([...chosen].filter((n) => names.includes(n)));
  if (chosen.size === 0 && names.length > 0) chosen.add(names[0]);
  const existing = [...wrtBox.querySelectorAll('input')].map((i) => i.value).join(',');
  if (existing !== names.join(',')) {
    wrtBox.replaceChildren(
      ...names.map((n) => {
        const label = document.createElement('label');
        const box = document.createElement('input');
        box.type = 'checkbox';
        box.value = n;
        box.addEventListener('change', () => {
          if (box.checked) chosen.add(n);
          else chosen.delete(n);
          update();
        });
        label.append(box, n);
        return label;
      }),
    );
  }
  for (const box of wrtBox.querySelectorAll('input')) box.checked = chosen.has(box.value);
  return names.filter((n) => chosen.has(n));
}

function renderResult(model: Model, diff: DiffResult | undefined): void {
  const out = model.output.node;
  $('expr-out').innerHTML = tex(print(out, 'latex'));
  const rows = [
    ...model.variables.map((v) => [v.display, shapeText(v.shape, 'latex')]),
    ...model.definitions.filter((d) => d.node.args.length > 0).map((d) => [`${d.display} = …`, shapeText(d.node.shape, 'latex')]),
    ['result', shapeText(out.shape, 'latex')],
  ];
  $('shapes').querySelector('tbody')?.replaceChildren(
    ...rows.map(([name, shape]) => {
      const tr = document.createElement('tr');
      const a = document.createElement('td');
      a.textContent = name;
      const b = document.createElement('td');
      b.innerHTML = tex(shape, false);
      tr.append(a, b);
      return tr;
    }),
  );
  const format = formatSelect.value;
  const outName = model.output.display ?? 'f';
  const outLatex = outName;
  $('derivatives').replaceChildren(
    ...(diff?.derivatives ?? []).map((d) => {
      const box = document.createElement('div');
      box.className = 'derivative';
      box.dataset.variable = d.variable.display;
      const lhs = `∂${outName}/∂${d.variable.display}`;
      const shown = document.createElement('div');
      if (format === 'typeset') shown.innerHTML = tex(`\\frac{\\partial ${outLatex}}{\\partial ${print(d.variable.node, 'latex')}} = ${d.latex}`);
      else {
        shown.className = 'text';
        shown.textContent = `${lhs} = ${format === 'latex' ? d.latex : format === 'ascii' ? d.ascii : d.unicode}`;
      }
      const unicode = document.createElement('span');
      unicode.className = 'unicode';
      unicode.hidden = true;
      unicode.textContent = d.unicode;
      box.append(shown, unicode, copyButton('Copy LaTeX', d.latex, lhs), copyButton('Copy Unicode', d.unicode, lhs));
      return box;
    }),
  );
}

function update(): void {
  const source = view.state.doc.toString();
  const where = whereInput.value;
  const layout = layoutSelect.value as Layout;
  const started = performance.now();
  timing.revision++;
  let model: Model;
  let diff: DiffResult | undefined;
  try {
    model = parse(source, { where });
    const wrt = renderWrt(model);
    diff = wrt.length ? differentiate(model, wrt, { layout }) : undefined;
  } catch (e) {
    showError(e, source, where);
    timing.updateMs = performance.now() - started;
    // The error under the text is this edit's result too.
    requestAnimationFrame(() => (timing.shownAt = performance.now()));
    return;
  }
  errorBox.textContent = '';
  view.dispatch(setDiagnostics(view.state, []));
  result.classList.remove('stale');
  panes.classList.remove('stale');
  renderResult(model, diff);
  schedulePanes({ revision: timing.revision, source, where, model, diff, wrt: diff ? diff.derivatives.map((d) => d.variable.display) : [], layout });
  window.history.replaceState(null, '', encodeHash({ expr: source, where, wrt: [...chosen], layout }));
  timing.updateMs = performance.now() - started;
  requestAnimationFrame(() => (timing.shownAt = performance.now()));
}

// ---- the panes after the derivative: steps, numerical check, code --------------------------------

interface Rendered {
  readonly revision: number;
  readonly source: string;
  readonly where: string;
  readonly model: Model;
  readonly diff: DiffResult | undefined;
  readonly wrt: readonly string[];
  readonly layout: Layout;
}

let latest: Rendered | undefined;
let pending = 0;
let generated: GeneratedModule | undefined;
/** The seed of the random points of the numerical check; "New random point" draws another. */
let checkSeed = (Math.random() * 2 ** 32) >>> 0;

/** The derivative is on screen first; the heavier panes follow in the next task, for the latest edit only. */
function schedulePanes(r: Rendered): void {
  latest = r;
  if (pending) return;
  pending = window.setTimeout(() => {
    pending = 0;
    if (latest) renderPanes(latest);
  }, 0);
}

function renderPanes(r: Rendered): void {
  renderSteps($('steps'), r.model, r.wrt, r.layout, formatSelect.value as StepsFormat);
  renderChecked(r);
  renderCodePane(r);
  renderGraph(r);
  (window as unknown as { chainrulePanes: number }).chainrulePanes = r.revision;
}

function renderChecked(r: Rendered): void {
  const box = $('check');
  renderCheck(box, r.model, r.wrt, r.layout === 'gradient' ? r.diff?.derivatives : undefined, checkSeed);
  if (r.wrt.length === 0) return;
  const again = document.createElement('button');
  again.type = 'button';
  again.id = 'check-again';
  again.textContent = 'New random point';
  again.addEventListener('click', () => {
    checkSeed = (checkSeed + 0x9e3779b9) >>> 0;
    if (latest) renderChecked(latest);
    $('check-again').focus();
  });
  box.append(again);
}

function renderCodePane(r: Rendered): void {
  generated = renderCode($('code'), r.source, r.where, r.wrt, langSelect.value as GenerateLang);
  $('code-copy').textContent = 'Copy';
  $<HTMLButtonElement>('code-copy').disabled = !generated;
  $<HTMLButtonElement>('code-download').disabled = !generated;
  $('code-download').title = generated ? `save as ${generated.filename}` : '';
}

// ---- the graph: values at a random point, or at values the user edits ---------------------------

const valuesBox = $<HTMLTextAreaElement>('values');
/** The variables (names and shapes) the values in the box were made for; edits are kept while these stay. */
let valuesFor = '';
let valuesEdited = false;
let valuesSeed = (Math.random() * 2 ** 32) >>> 0;
let graphRevision = 0;

function renderGraph(r: Rendered): void {
  const note = $('graph-note');
  const signature = r.model.variables.map((v) => `${v.display}:${shapeText(v.shape, 'unicode')}`).join(',');
  if (exampleValues !== undefined) {
    // An example that comes with values (the lecture's backprop numbers) shows those.
    valuesBox.value = exampleValues;
    exampleValues = undefined;
    valuesFor = signature;
    valuesEdited = true;
  } else if (signature !== valuesFor || !valuesEdited) {
    valuesBox.value = randomValuesJson(r.model, valuesSeed);
    valuesFor = signature;
    valuesEdited = false;
  }
  let dot: { dot: string; output: string | undefined };
  let noteText: string;
  try {
    let at;
    try {
      at = bindJson(r.model, valuesBox.value);
      const sizes = Object.entries(at.dims).map(([d, n]) => `${d} = ${n}`).join(', ');
      noteText = `Each node shows its value and ∂${r.model.output.display ?? 'f'}/∂node at ${valuesEdited ? 'the values below' : 'random values'}${sizes ? ` (${sizes})` : ''}.`;
    } catch (e) {
      if (!(e instanceof ChainruleError)) throw e;
      at = undefined;
      noteText = `No values on the graph: ${e.message}${e.hint ? ` (${e.hint})` : ''}`;
    }
    dot = graphDot(r.model, r.wrt, r.layout, at);
  } catch (e) {
    if (!(e instanceof ChainruleError)) throw e;
    note.textContent = `No graph: ${e.message}`;
    $('graph').replaceChildren();
    return;
  }
  note.textContent = noteText;
  note.classList.toggle('error', noteText.startsWith('No values'));
  const mine = ++graphRevision;
  if (!$('graph').firstChild) $('graph').textContent = 'Loading Graphviz…';
  dotToSvg(dot.dot).then(
    (svg) => {
      if (mine !== graphRevision) return; // a newer edit is being drawn
      $('graph').innerHTML = svg;
      fitGraph(dot.output);
      (window as unknown as { chainruleGraph: number }).chainruleGraph = r.revision;
    },
    (e: unknown) => {
      if (mine === graphRevision) $('graph').textContent = `The graph could not be drawn: ${String(e)}`;
    },
  );
}

// ---- examples ------------------------------------------------------------------------------------

/** Values an example brings for the graph, applied at its next drawing. */
let exampleValues: string | undefined;
const examplesSelect = $<HTMLSelectElement>('examples');
EXAMPLES.forEach((group, g) => {
  const optgroup = document.createElement('optgroup');
  optgroup.label = group.title;
  group.examples.forEach((example, i) => optgroup.append(new Option(example.label, `${g}:${i}`)));
  examplesSelect.append(optgroup);
});
examplesSelect.addEventListener('change', () => {
  const [g, i] = examplesSelect.value.split(':').map(Number);
  const example = EXAMPLES[g]?.examples[i];
  if (!example) return;
  whereInput.value = example.where;
  chosen = new Set(example.wrt);
  layoutSelect.value = example.layout ?? 'gradient';
  exampleValues = example.at ? valuesJson(example.at) : undefined;
  valuesEdited = false;
  // Replacing the text runs update() through the editor's listener.
  if (view.state.doc.toString() === example.expr) update();
  else view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: example.expr } });
});

/** Graphviz sizes in points. A graph wider than the pane shrinks to fit, but not below 3/4 of its
 * size, where the value labels would be too small to read; beyond that the pane scrolls sideways. */
function fitGraph(output?: string): void {
  const svg = $('graph').querySelector('svg');
  if (!svg) return;
  svg.dataset.width ??= String(parseFloat(svg.getAttribute('width') ?? '0') * (4 / 3));
  svg.dataset.height ??= String(parseFloat(svg.getAttribute('height') ?? '0') * (4 / 3));
  const width = Number(svg.dataset.width);
  const height = Number(svg.dataset.height);
  if (!(width > 0 && height > 0)) return;
  const scale = Math.min(1, Math.max(0.75, ($('graph').clientWidth - 2) / width));
  svg.setAttribute('width', `${(width * scale).toFixed(1)}px`);
  svg.setAttribute('height', `${(height * scale).toFixed(1)}px`);
  // A graph wider than the pane opens on its output node (the top, where the backward pass starts).
  const box = $('graph');
  const node = [...box.querySelectorAll('g.node')].find((g) => g.querySelector('title')?.textContent === output);
  if (node && box.scrollWidth > box.clientWidth) {
    const at = node.getBoundingClientRect();
    const pane = box.getBoundingClientRect();
    box.scrollLeft += at.left + at.width / 2 - (pane.left + pane.width / 2);
  }
}
window.addEventListener('resize', () => fitGraph());

valuesBox.addEventListener('input', () => {
  valuesEdited = true;
  if (latest) renderGraph(latest);
});
$('values-random').addEventListener('click', () => {
  valuesSeed = (valuesSeed + 0x9e3779b9) >>> 0;
  valuesEdited = false;
  if (latest) renderGraph(latest);
});

$('code-copy').addEventListener('click', () => {
  const b = $('code-copy');
  if (generated) void navigator.clipboard?.writeText(generated.text).then(() => (b.textContent = 'Copied ✓'), () => undefined);
});
$('code-download').addEventListener('click', () => {
  if (!generated) return;
  const url = URL.createObjectURL(new Blob([generated.text], { type: generated.mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = generated.filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
});
langSelect.addEventListener('change', () => {
  $('code-copy').textContent = 'Copy';
  if (latest) renderCodePane(latest);
});

whereInput.addEventListener('input', update);
layoutSelect.addEventListener('change', update);
formatSelect.addEventListener('change', update);
update();
