// Charts are Vega-Lite specifications (data + encodings, nothing drawn by hand), compiled to Vega and
// rendered headless to SVG by a Vega View. Every chart of chainrule goes through `renderSvg`, so they
// share one look.
import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';
import type { Config } from 'vega-lite/build/src/config.js';

export type { TopLevelSpec };

/** One look for every chart: readable type, light grid, no heavy frame. */
export const CHART_CONFIG: Config = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  background: 'white',
  padding: 12,
  view: { stroke: '#d0d0d0' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#eeeeee', domainColor: '#888888', tickColor: '#888888' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', symbolStrokeWidth: 2.5, labelLimit: 240 },
  title: { fontSize: 14, fontWeight: 'bold', subtitleFontSize: 12, subtitleColor: '#555555', anchor: 'start', offset: 10 },
  header: { labelFontSize: 12, titleFontSize: 13 },
};

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
const warningLogger = vega.logger(vega.Warn, undefined, (method, _level, input) => {
  if (method === 'error') throw new Error(input.map(String).join(' '));
  specWarnings.push(input.map(String).join(' '));
});

/** Compiles a Vega-Lite spec and renders it to a standalone SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(withTheme(spec), { logger: warningLogger }).spec), { renderer: 'none', logLevel: vega.Warn, logger: warningLogger });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
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
