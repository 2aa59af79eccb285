// Charts are Vega-Lite specifications (data + encodings, nothing drawn by hand), compiled to Vega and
// rendered headless to SVG by a Vega View. Every chart of chainrule goes through `renderSvg`, so they
// share one look. vega and vega-lite are optional peer dependencies, loaded by the first chart:
// only plot, train, gradient-cost and the training part of `samples` need them.
import type * as Vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import type * as VegaLite from 'vega-lite';
import type { Config } from 'vega-lite/build/src/config.js';
import { ChainruleError } from '../errors.ts';

export type { TopLevelSpec };

/** One look for every chart: readable type, light grid, no heavy frame. */
export const CHART_CONFIG: Config = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  // No ARIA labels on every mark: they tripled the size of frames (a label per data point) for
  // charts whose data is also in run.json.
  aria: false,
  background: 'white',
  padding: 12,
  view: { stroke: '#d0d0d0' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#eeeeee', domainColor: '#888888', tickColor: '#888888' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', symbolStrokeWidth: 2.5, labelLimit: 240 },
  title: { fontSize: 14, fontWeight: 'bold', subtitleFontSize: 12, subtitleColor: '#555555', anchor: 'start', offset: 10 },
  header: { labelFontSize: 12, titleFontSize: 13 },
};

/**
 * Text widths for layout. With no canvas in Node, Vega guesses 0.8 em per character, which is 60%
 * wider than DejaVu Sans (what rsvg and most browsers here draw) and leaves wide blank margins beside
 * legends. These classes follow DejaVu Sans advance widths (in em) closely enough for layout; Vega
 * supports replacing the estimate this way (vl-convert does the same).
 */
const NARROW = new Set([...'iljI.,:;\'|!`ıᵢ']);
const SEMI = new Set([...'ftr()[]{}- /\\"*°']);
const WIDE = new Set([...'mwMW—…‖']);
function charWidth(c: string): number {
  if (NARROW.has(c)) return 0.29;
  if (SEMI.has(c)) return 0.37;
  if (WIDE.has(c)) return 0.9;
  if (/[₀-₉⁰-⁹ᵀᵢ⁻¹²³]/u.test(c)) return 0.42;
  if (/[0-9]/.test(c)) return 0.64;
  if (/[A-ZΑ-Ω]/u.test(c)) return 0.7;
  return 0.6;
}

interface TextItem {
  readonly fontSize?: number;
  readonly fontWeight?: string | number;
}
function useTextWidths(vega: typeof Vega): void {
  const textMetrics = (vega as unknown as { textMetrics: { width: (item: TextItem, text: unknown) => number } }).textMetrics;
  textMetrics.width = (item, text) => {
    const lines = Array.isArray(text) ? text.map(String) : [String(text ?? '')];
    const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600 ? 1.08 : 1;
    const size = item.fontSize ?? 11;
    return Math.max(0, ...lines.map((line) => [...line].reduce((w, c) => w + charWidth(c), 0) * size * bold));
  };
}

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** The spec with the shared config and schema (the spec's own config wins where it sets something). */
export function withTheme(spec: TopLevelSpec): TopLevelSpec {
  return { $schema: VEGA_LITE_SCHEMA, ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
}

/**
 * Vega-Lite's warnings (conflicting scales, dropped encodings) name mistakes in our specs: they are
 * collected here for tests to assert on instead of being printed on a user's terminal.
 */
export const specWarnings: string[] = [];

interface Charting {
  readonly vega: typeof Vega;
  readonly compile: typeof VegaLite.compile;
  readonly logger: Vega.LoggerInterface;
}

const isMissingModule = (e: unknown): boolean => (e as { code?: unknown } | null)?.code === 'ERR_MODULE_NOT_FOUND';

let charting: Promise<Charting> | undefined;
/** vega and vega-lite, loaded once; a clear error with the install command when they are missing. */
function loadCharting(): Promise<Charting> {
  charting ??= Promise.all([import('vega'), import('vega-lite')]).then(
    ([vega, vegaLite]) => {
      useTextWidths(vega);
      const logger = vega.logger(vega.Warn, undefined, (method, _level, input) => {
        if (method === 'error') throw new Error(input.map(String).join(' '));
        specWarnings.push(input.map(String).join(' '));
      });
      return { vega, compile: vegaLite.compile, logger };
    },
    (e: unknown) => {
      charting = undefined;
      if (!isMissingModule(e)) throw e;
      throw new ChainruleError('charts need vega and vega-lite, which are not installed', { hint: 'npm install vega vega-lite (chainrule lists them as optional peer dependencies)' });
    },
  );
  return charting;
}

/** Whether charts can be drawn here (vega and vega-lite are installed). */
export async function chartsAvailable(): Promise<boolean> {
  try {
    await loadCharting();
    return true;
  } catch (e) {
    if (e instanceof ChainruleError) return false;
    throw e;
  }
}

/** A rendered chart: its SVG and the data sets the view drew (by the names the spec gave them). */
export interface RenderedChart {
  readonly svg: string;
  readonly data: (name: string) => readonly Record<string, unknown>[];
}

/**
 * Vega writes coordinates with every digit (translate(31.682839961722493,207.678099331145)); a
 * hundredth of a pixel is all a screen shows. Only geometry attributes are rounded, never text, so
 * a title's "MSE 0.0189" stays as written. Halves the size of a frame.
 */
export function compactCoordinates(svg: string): string {
  return svg.replace(/ (transform|d|x|y|x1|x2|y1|y2|width|height|points)="([^"]*)"/g, (_, name: string, value: string) =>
    ` ${name}="${value.replace(/-?\d+\.\d{3,}/g, (n) => String(Math.round(Number(n) * 100) / 100))}"`,
  );
}

/** Compiles a Vega-Lite spec, runs it in a headless Vega view, and renders it to SVG. */
export async function renderChart(spec: TopLevelSpec): Promise<RenderedChart> {
  const { vega, compile, logger } = await loadCharting();
  const view = new vega.View(vega.parse(compile(withTheme(spec), { logger }).spec), { renderer: 'none', logLevel: vega.Warn, logger });
  try {
    const svg = compactCoordinates(await view.toSVG());
    const data = (name: string) => view.data(name) as Record<string, unknown>[];
    return { svg, data };
  } finally {
    view.finalize();
  }
}

/** Compiles a Vega-Lite spec and renders it to a standalone SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  return (await renderChart(spec)).svg;
}

/** Renders the specs one after another (Vega views are cheap; parallel renders only contend). */
export async function renderAll(specs: readonly TopLevelSpec[], onRendered?: (index: number) => void): Promise<string[]> {
  const out: string[] = [];
  for (const [i, spec] of specs.entries()) {
    out.push(await renderSvg(spec));
    onRendered?.(i);
  }
  return out;
}
