// Per-epoch line charts drawn as plain SVG. Each series' path carries its values in data-values, so
// what the chart shows can be read back exactly (by people inspecting the page, and by the tests).

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface Series {
  /** Key for data-series (e.g. "train", "validation"). */
  name: string;
  label: string;
  values: readonly number[];
  color: string;
  dashed?: boolean;
}

export interface ChartOptions {
  /** Epochs the x axis spans at least (the planned run), so curves grow into a fixed frame. */
  epochs: number;
  /** Format of the y tick labels. */
  format: (v: number) => string;
  /** Fixed y range; otherwise [0, max] of the data. */
  yRange?: readonly [number, number];
  /** What an empty chart says (default: press Start); while the first epoch runs, that it runs. */
  empty?: string;
}

const W = 440;
const H = 210;
const M = { left: 46, right: 12, top: 24, bottom: 28 };

/** Up to ~`count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((f) => f * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function finite(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v));
}

/** Redraws `svg` with the series; an empty chart says so instead of showing bare axes. */
export function drawLineChart(svg: SVGSVGElement, series: readonly Series[], options: ChartOptions): void {
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const longest = Math.max(0, ...series.map((s) => s.values.length));
  const all = series.flatMap((s) => finite(s.values));
  let [y0, y1] = options.yRange ?? [0, all.length > 0 ? Math.max(...all) * 1.08 : 1];
  if (!(y1 > y0)) y1 = y0 + 1;
  const xMax = Math.max(2, options.epochs, longest);
  const px = (epoch: number): number => M.left + ((epoch - 1) / (xMax - 1)) * (W - M.left - M.right);
  const py = (v: number): number => H - M.bottom - ((v - y0) / (y1 - y0)) * (H - M.top - M.bottom);

  const grid = el('g', { class: 'grid' });
  for (const t of niceTicks(y0, y1, 4)) {
    grid.append(el('line', { x1: M.left, x2: W - M.right, y1: py(t), y2: py(t) }));
    grid.append(el('text', { x: M.left - 6, y: py(t) + 4, 'text-anchor': 'end' }, options.format(t)));
  }
  for (const t of niceTicks(1, xMax, 6).filter((v) => Number.isInteger(v))) {
    grid.append(el('text', { x: px(t), y: H - M.bottom + 16, 'text-anchor': 'middle' }, String(t)));
  }
  grid.append(el('text', { x: W - M.right, y: H - 2, 'text-anchor': 'end', class: 'axis-title' }, 'epoch'));
  svg.append(grid);
  svg.append(el('rect', { x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom, class: 'frame' }));

  if (longest === 0) {
    svg.append(el('text', { x: (M.left + W - M.right) / 2, y: (M.top + H - M.bottom) / 2, 'text-anchor': 'middle', class: 'empty' }, options.empty ?? 'press Start to train'));
  }
  for (const s of series) {
    const points = s.values.map((v, i) => (Number.isFinite(v) ? `${px(i + 1).toFixed(1)},${py(Math.min(Math.max(v, y0), y1)).toFixed(1)}` : null));
    const d = points.reduce<string>((acc, p, i) => (p === null ? acc : `${acc}${acc === '' || points[i - 1] === null ? 'M' : 'L'}${p}`), '');
    const path = el('path', {
      d,
      class: 'series',
      stroke: s.color,
      'data-series': s.name,
      'data-values': s.values.map((v) => v.toPrecision(7)).join(','),
    });
    if (s.dashed === true) path.setAttribute('stroke-dasharray', '5 4');
    svg.append(path);
    // A lone epoch would draw nothing as a path: mark the last point so every curve is visible.
    const last = s.values.length - 1;
    if (last >= 0 && Number.isFinite(s.values[last] as number)) {
      svg.append(el('circle', { cx: px(last + 1), cy: py(Math.min(Math.max(s.values[last] as number, y0), y1)), r: 2.5, fill: s.color }));
    }
  }
  const legend = el('g', { class: 'legend' });
  let x = W - M.right - 6;
  for (const s of [...series].reverse()) {
    const label = el('text', { x, y: M.top - 9, 'text-anchor': 'end' }, s.label);
    legend.append(label);
    x -= s.label.length * 6.2 + 6;
    legend.append(el('line', { x1: x - 16, x2: x - 2, y1: M.top - 13, y2: M.top - 13, stroke: s.color, 'stroke-width': 2.5, ...(s.dashed === true ? { 'stroke-dasharray': '4 3' } : {}) }));
    x -= 26;
  }
  svg.append(legend);
}
