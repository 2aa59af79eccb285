// A self-contained HTML page that plays the frames of a training run (▶, a slider, the arrow keys)
// beside the charts of the whole run. The charts are the SVG files next to it; the page only pages
// through them, so it works from a file:// URL with no server and no network.
import { escapeHtml, scriptJson } from '../html.ts';

export interface ViewerPage {
  readonly title: string;
  /** One line under the title: settings and results. */
  readonly summary: string;
  /** Frame files relative to the page, in order, with the step each shows. */
  readonly frames: readonly { readonly file: string; readonly step: number }[];
  /** Whole-run charts shown under the player. */
  readonly charts: readonly { readonly file: string; readonly alt: string }[];
}


/** The start of every page: doctype, title and the shared body style; each page adds its own rules. */
function pageHead(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px; color: #222; max-width: 1100px; }`;
}

export function viewerHtml(page: ViewerPage): string {
  const frames = scriptJson(page.frames.map((f) => f.file));
  const steps = scriptJson(page.frames.map((f) => f.step));
  const charts = page.charts.map((c) => `  <img class="chart" src="${escapeHtml(c.file)}" alt="${escapeHtml(c.alt)}">`).join('\n');
  return `${pageHead(page.title)}
  h1 { font-size: 20px; margin: 0 0 4px; }
  p.summary { color: #555; margin: 0 0 16px; }
  .player { border: 1px solid #ddd; border-radius: 6px; padding: 12px; margin-bottom: 24px; }
  .controls { display: flex; align-items: center; gap: 8px; margin-bottom: 8px; }
  .controls input[type=range] { flex: 1; }
  .controls button { font-size: 14px; padding: 3px 8px; }
  #step { font-variant-numeric: tabular-nums; min-width: 150px; text-align: right; }
  img { max-width: 100%; display: block; }
  img.chart { margin: 0 0 24px; }
</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
<p class="summary">${escapeHtml(page.summary)}</p>
<div class="player">
  <div class="controls">
    <button id="first" title="first frame (Home)">« first</button>
    <button id="prev" title="previous frame (←)">‹ prev</button>
    <button id="play" title="play / pause (space)">▶ play</button>
    <button id="next" title="next frame (→)">next ›</button>
    <button id="last" title="last frame (End)">last »</button>
    <input id="slider" type="range" min="0" max="${page.frames.length - 1}" value="0">
    <span id="step"></span>
  </div>
  <img id="frame" src="${escapeHtml(page.frames[0]?.file ?? '')}" alt="training frame">
</div>
${charts}
<script>
  const frames = ${frames};
  const steps = ${steps};
  const img = document.getElementById('frame');
  const slider = document.getElementById('slider');
  const label = document.getElementById('step');
  const play = document.getElementById('play');
  // Preload so that playing does not flicker.
  const cache = frames.map((src) => { const i = new Image(); i.src = src; return i; });
  let index = 0;
  let timer = null;
  function show(i) {
    index = Math.max(0, Math.min(frames.length - 1, i));
    img.src = cache[index].src;
    slider.value = String(index);
    label.textContent = 'step ' + steps[index].toLocaleString('en-US');
  }
  function toggle() {
    if (timer) { clearInterval(timer); timer = null; play.textContent = '▶ play'; return; }
    if (index === frames.length - 1) show(0);
    play.textContent = '❚❚ pause';
    timer = setInterval(() => { if (index === frames.length - 1) toggle(); else show(index + 1); }, 120);
  }
  slider.addEventListener('input', () => show(Number(slider.value)));
  document.getElementById('first').onclick = () => show(0);
  document.getElementById('prev').onclick = () => show(index - 1);
  document.getElementById('next').onclick = () => show(index + 1);
  document.getElementById('last').onclick = () => show(frames.length - 1);
  play.onclick = toggle;
  document.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft') show(index - 1);
    else if (e.key === 'ArrowRight') show(index + 1);
    else if (e.key === 'Home') show(0);
    else if (e.key === 'End') show(frames.length - 1);
    else if (e.key === ' ') { e.preventDefault(); toggle(); }
  });
  show(0);
</script>
</body>
</html>
`;
}

export interface OverviewPage {
  readonly title: string;
  readonly intro: string;
  /** One section per run: a link to its player, its final frame, a summary line. */
  readonly runs: readonly { readonly title: string; readonly page: string; readonly image: string; readonly summary: string }[];
  /** Further charts with a caption. */
  readonly charts: readonly { readonly file: string; readonly caption: string }[];
}

/** The index of several runs: each run's last frame, linked to its player. */
export function overviewHtml(page: OverviewPage): string {
  const runs = page.runs
    .map((r) => `<section>
  <h2><a href="${escapeHtml(r.page)}">${escapeHtml(r.title)}</a></h2>
  <p class="summary">${escapeHtml(r.summary)}</p>
  <a href="${escapeHtml(r.page)}"><img src="${escapeHtml(r.image)}" alt="${escapeHtml(r.title)}"></a>
</section>`)
    .join('\n');
  const charts = page.charts.map((c) => `<section>\n  <h2>${escapeHtml(c.caption)}</h2>\n  <img src="${escapeHtml(c.file)}" alt="${escapeHtml(c.caption)}">\n</section>`).join('\n');
  return `${pageHead(page.title)}
  h1 { font-size: 22px; margin: 0 0 8px; }
  h2 { font-size: 17px; margin: 28px 0 4px; }
  p.summary, p.intro { color: #555; margin: 0 0 10px; }
  img { max-width: 100%; display: block; border: 1px solid #eee; }
</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
<p class="intro">${escapeHtml(page.intro)}</p>
${runs}
${charts}
</body>
</html>
`;
}
