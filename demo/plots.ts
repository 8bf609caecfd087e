// Canvas and table pictures of a model: decision regions over the plane with the data points, learned
// weight templates for image data, a confusion matrix, and test images with their predicted classes.

/** Class colours (Tableau 10): distinct, and readable both as points and as pale regions. */
export const CLASS_COLORS: readonly string[] = [
  '#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
];

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function classColor(c: number): string {
  return CLASS_COLORS[c % CLASS_COLORS.length] as string;
}

/** The rectangle of the plane a plot shows. */
export interface View {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** A square view around the points (n×2, row-major) with a margin, so regions show beyond the data. */
export function viewAround(points: Float32Array): View {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < points.length; i += 2) {
    x0 = Math.min(x0, points[i] as number);
    x1 = Math.max(x1, points[i] as number);
    y0 = Math.min(y0, points[i + 1] as number);
    y1 = Math.max(y1, points[i + 1] as number);
  }
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const half = (Math.max(x1 - x0, y1 - y0, 1e-6) / 2) * 1.15;
  return { x0: cx - half, x1: cx + half, y0: cy - half, y1: cy + half };
}

/** The centres of a g×g grid over the view, row by row from the top (as an image is stored): g²×2. */
export function gridPoints(view: View, g: number): Float32Array {
  const out = new Float32Array(g * g * 2);
  for (let r = 0; r < g; r++) {
    for (let c = 0; c < g; c++) {
      const i = r * g + c;
      out[2 * i] = view.x0 + ((c + 0.5) / g) * (view.x1 - view.x0);
      out[2 * i + 1] = view.y1 - ((r + 0.5) / g) * (view.y1 - view.y0);
    }
  }
  return out;
}

export interface PointSet {
  /** n×2 coordinates. */
  X: Float32Array;
  y: Int32Array;
  /** Validation points are drawn hollow. */
  hollow: boolean;
}

/** Straight segments where the field f (g×g, the grid of gridPoints) crosses 0: marching squares. */
function zeroCrossings(f: Float32Array, g: number): [number, number, number, number][] {
  const segs: [number, number, number, number][] = [];
  const at = (r: number, c: number): number => f[r * g + c] as number;
  const lerp = (a: number, b: number): number => a / (a - b);
  for (let r = 0; r + 1 < g; r++) {
    for (let c = 0; c + 1 < g; c++) {
      const v = [at(r, c), at(r, c + 1), at(r + 1, c + 1), at(r + 1, c)] as const;
      const corners: [number, number][] = [[c, r], [c + 1, r], [c + 1, r + 1], [c, r + 1]];
      const hits: [number, number][] = [];
      for (let e = 0; e < 4; e++) {
        const a = v[e] as number;
        const b = v[(e + 1) % 4] as number;
        if ((a >= 0) !== (b >= 0)) {
          const t = lerp(a, b);
          const [ax, ay] = corners[e] as [number, number];
          const [bx, by] = corners[(e + 1) % 4] as [number, number];
          hits.push([ax + t * (bx - ax), ay + t * (by - ay)]);
        }
      }
      for (let h = 0; h + 1 < hits.length; h += 2) {
        const [p, q] = [hits[h] as [number, number], hits[h + 1] as [number, number]];
        segs.push([p[0], p[1], q[0], q[1]]);
      }
    }
  }
  return segs;
}

/**
 * Draws class regions from `probs` (g²×k scores on the grid, or null before training): each cell is
 * its classes' colours mixed by probability and paled by uncertainty, with the decision boundary
 * traced where the winning class changes. Then the points on top.
 */
export function drawRegions(canvas: HTMLCanvasElement, view: View, g: number, probs: Float32Array | null, k: number, sets: readonly PointSet[]): void {
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const size = canvas.width;
  ctx.fillStyle = '#f7f7f9';
  ctx.fillRect(0, 0, size, size);
  if (probs !== null) {
    const colors = Array.from({ length: k }, (_, c) => rgb(classColor(c)));
    const img = new ImageData(g, g);
    for (let i = 0; i < g * g; i++) {
      let best = 0;
      const mix = [0, 0, 0];
      let total = 0;
      for (let c = 0; c < k; c++) {
        const p = Math.max(0, Math.min(1, probs[i * k + c] as number));
        total += p;
        if (p > (probs[i * k + best] as number)) best = c;
        const col = colors[c] as [number, number, number];
        for (let ch = 0; ch < 3; ch++) mix[ch] = (mix[ch] as number) + p * col[ch]!;
      }
      const pBest = Math.max(0, Math.min(1, probs[i * k + best] as number));
      const confidence = k > 1 ? Math.max(0, (pBest - 1 / k) / (1 - 1 / k)) : pBest;
      const strength = 0.15 + 0.35 * confidence;
      for (let ch = 0; ch < 3; ch++) {
        const c = total > 0 ? (mix[ch] as number) / total : 255;
        img.data[4 * i + ch] = Math.round(255 * (1 - strength) + c * strength);
      }
      img.data[4 * i + 3] = 255;
    }
    const small = document.createElement('canvas');
    small.width = g;
    small.height = g;
    small.getContext('2d')?.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(small, 0, 0, size, size);

    // Boundary of each class's region: where its score equals the best other class's.
    const scale = size / g;
    ctx.strokeStyle = 'rgba(30, 30, 40, 0.75)';
    ctx.lineWidth = Math.max(1.5, size / 300);
    ctx.beginPath();
    for (let c = 0; c < (k === 2 ? 1 : k); c++) {
      const f = new Float32Array(g * g);
      for (let i = 0; i < g * g; i++) {
        let other = -Infinity;
        for (let o = 0; o < k; o++) if (o !== c) other = Math.max(other, probs[i * k + o] as number);
        f[i] = (probs[i * k + c] as number) - other;
      }
      for (const [ax, ay, bx, by] of zeroCrossings(f, g)) {
        ctx.moveTo((ax + 0.5) * scale, (ay + 0.5) * scale);
        ctx.lineTo((bx + 0.5) * scale, (by + 0.5) * scale);
      }
    }
    ctx.stroke();
  }
  const px = (x: number): number => ((x - view.x0) / (view.x1 - view.x0)) * size;
  const py = (y: number): number => ((view.y1 - y) / (view.y1 - view.y0)) * size;
  const r = Math.max(3, size / 115);
  for (const set of sets) {
    for (let i = 0; i < set.y.length; i++) {
      ctx.beginPath();
      ctx.arc(px(set.X[2 * i] as number), py(set.X[2 * i + 1] as number), r, 0, 2 * Math.PI);
      const color = classColor(set.y[i] as number);
      if (set.hollow) {
        ctx.fillStyle = '#ffffff';
        ctx.fill();
        ctx.lineWidth = Math.max(2, size / 240);
        ctx.strokeStyle = color;
      } else {
        ctx.fillStyle = color;
        ctx.fill();
        ctx.lineWidth = Math.max(1, size / 420);
        ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
      }
      ctx.stroke();
    }
  }
}

/** Diverging colour for a weight in [−1, 1]: blue for negative, white at 0, red for positive. */
function diverging(v: number): [number, number, number] {
  const t = Math.max(-1, Math.min(1, v));
  const [neg, pos] = [[33, 102, 172], [178, 24, 43]] as const;
  const end = t < 0 ? neg : pos;
  const a = Math.abs(t) ** 0.8;
  return [255 + (end[0] - 255) * a, 255 + (end[1] - 255) * a, 255 + (end[2] - 255) * a];
}

/** One image per output column of W (d×k, d = rows·cols): each class's weights, red where a bright pixel votes for the class. */
export function drawTemplates(container: HTMLElement, W: Float32Array, k: number, rows: number, cols: number, names: readonly string[]): void {
  container.replaceChildren();
  for (let j = 0; j < k; j++) {
    let max = 1e-12;
    for (let i = 0; i < rows * cols; i++) max = Math.max(max, Math.abs(W[i * k + j] as number));
    const canvas = document.createElement('canvas');
    canvas.width = cols;
    canvas.height = rows;
    const img = new ImageData(cols, rows);
    for (let i = 0; i < rows * cols; i++) {
      const [r, g, b] = diverging((W[i * k + j] as number) / max);
      img.data.set([r, g, b, 255], 4 * i);
    }
    canvas.getContext('2d')?.putImageData(img, 0, 0);
    const fig = document.createElement('figure');
    fig.className = 'template';
    const caption = document.createElement('figcaption');
    caption.textContent = names[j] ?? `class ${j}`;
    fig.append(canvas, caption);
    container.append(fig);
  }
}

/** Above this many classes the columns are too narrow for names: they show class numbers, which the rows spell out. */
const NAMED_COLUMNS_UP_TO = 4;

/** A k×k table of counts (rows: true class, columns: predicted), shaded by each row's share. */
export function drawConfusion(container: HTMLElement, counts: ArrayLike<number>, k: number, names: readonly string[]): void {
  const numbered = k > NAMED_COLUMNS_UP_TO;
  const table = document.createElement('table');
  table.className = numbered ? 'confusion numbered' : 'confusion';
  table.append(Object.assign(document.createElement('col'), { className: 'names' }));
  const head = table.createTHead().insertRow();
  head.append(Object.assign(document.createElement('th'), { textContent: 'true ╲ pred.', title: 'rows: true class; columns: predicted class', className: 'corner' }));
  for (let j = 0; j < k; j++) {
    const name = names[j] ?? String(j);
    head.append(Object.assign(document.createElement('th'), { textContent: numbered ? String(j) : name, title: name }));
  }
  const body = table.createTBody();
  for (let i = 0; i < k; i++) {
    const row = body.insertRow();
    const name = names[i] ?? String(i);
    row.append(Object.assign(document.createElement('th'), { textContent: numbered && name !== String(i) ? `${i} ${name}` : name, title: name }));
    let total = 0;
    for (let j = 0; j < k; j++) total += counts[i * k + j] as number;
    for (let j = 0; j < k; j++) {
      const n = counts[i * k + j] as number;
      const share = total > 0 ? n / total : 0;
      const cell = row.insertCell();
      cell.textContent = String(n);
      cell.dataset['count'] = String(n);
      cell.className = i === j ? 'hit' : n > 0 ? 'miss' : '';
      const hue = i === j ? '46, 125, 50' : '198, 40, 40';
      cell.style.background = n > 0 ? `rgba(${hue}, ${(0.12 + 0.75 * share).toFixed(3)})` : '';
      if (share > 0.55) cell.style.color = '#fff';
    }
  }
  container.replaceChildren(table);
}

export interface Sample {
  /** rows·cols pixel intensities in [0, 1]. */
  pixels: Float32Array;
  label: number;
  probs: Float32Array;
}

/** Each sample's image and its three most probable classes as bars (green: the true class). */
export function drawSamples(container: HTMLElement, samples: readonly Sample[], rows: number, cols: number, names: readonly string[]): void {
  container.replaceChildren();
  for (const s of samples) {
    const card = document.createElement('div');
    card.className = 'sample';
    const canvas = document.createElement('canvas');
    canvas.width = cols;
    canvas.height = rows;
    const img = new ImageData(cols, rows);
    for (let i = 0; i < rows * cols; i++) {
      const v = Math.round(255 * (1 - Math.max(0, Math.min(1, s.pixels[i] as number))));
      img.data.set([v, v, v, 255], 4 * i);
    }
    canvas.getContext('2d')?.putImageData(img, 0, 0);
    const order = Array.from(s.probs.keys()).sort((a, b) => (s.probs[b] as number) - (s.probs[a] as number));
    const bars = document.createElement('div');
    bars.className = 'bars';
    const predicted = order[0] as number;
    card.classList.add(predicted === s.label ? 'right' : 'wrong');
    card.title = `true: ${names[s.label] ?? s.label}`;
    for (const c of order.slice(0, 3)) {
      const p = s.probs[c] as number;
      const bar = document.createElement('div');
      bar.className = `bar${c === s.label ? ' truth' : ''}`;
      bar.innerHTML = '<span class="fill"></span><span class="name"></span><span class="p"></span>';
      (bar.querySelector('.fill') as HTMLElement).style.width = `${(100 * Math.max(0, Math.min(1, p))).toFixed(1)}%`;
      (bar.querySelector('.name') as HTMLElement).textContent = names[c] ?? String(c);
      (bar.querySelector('.p') as HTMLElement).textContent = `${(100 * p).toFixed(0)}%`;
      bars.append(bar);
    }
    const truth = document.createElement('div');
    truth.className = 'truth-label';
    truth.textContent = `true: ${names[s.label] ?? s.label}`;
    card.append(canvas, truth, bars);
    container.append(card);
  }
}

/** Weights as a feature × output table, for data that is neither points nor images. */
export function drawWeightTable(container: HTMLElement, W: Float32Array, b: Float32Array, features: readonly string[], outputs: readonly string[]): void {
  const k = outputs.length;
  let max = 1e-12;
  for (const v of W) max = Math.max(max, Math.abs(v));
  const table = document.createElement('table');
  table.className = 'weights';
  const head = table.createTHead().insertRow();
  head.append(document.createElement('th'));
  for (const o of outputs) head.append(Object.assign(document.createElement('th'), { textContent: o }));
  const body = table.createTBody();
  const addRow = (name: string, values: ArrayLike<number>): void => {
    const row = body.insertRow();
    row.append(Object.assign(document.createElement('th'), { textContent: name }));
    for (let j = 0; j < k; j++) {
      const v = values[j] as number;
      const cell = row.insertCell();
      cell.textContent = v.toFixed(3);
      const [r, g, bl] = diverging(v / max);
      cell.style.background = `rgb(${r.toFixed(0)}, ${g.toFixed(0)}, ${bl.toFixed(0)})`;
      if (Math.abs(v) / max > 0.6) cell.style.color = '#fff';
    }
  };
  features.forEach((f, i) => addRow(f, W.subarray(i * k, (i + 1) * k)));
  addRow('bias b', b);
  container.replaceChildren(table);
}
