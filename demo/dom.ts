// Small helpers the demo's modules share for reading the page's fields and writing its stats.

export function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page has no #${id}`);
  return e as T;
}

export function svgById(id: string): SVGSVGElement {
  const e = document.getElementById(id);
  if (!(e instanceof SVGSVGElement)) throw new Error(`the page has no <svg id="${id}">`);
  return e;
}

export function radioValue(name: string): string {
  return document.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)?.value ?? '';
}

export function numberInput(id: string, what: string, check: (v: number) => boolean, rule: string): number {
  const raw = byId<HTMLInputElement>(id).value.trim();
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v) || !check(v)) throw new RangeError(`${what} must be ${rule}, got '${raw}'`);
  return v;
}

export const isPositiveInt = (v: number): boolean => Number.isInteger(v) && v >= 1;

export function nextFrame(): Promise<void> {
  return new Promise((ok) => requestAnimationFrame(() => ok()));
}

export function percent(v: number): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–';
}

export function fixed(v: number): string {
  if (!Number.isFinite(v)) return '–';
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

/** Shows `text` in a stat and keeps its exact value in data-value (read back by the tests). */
export function setStat(id: string, value: number | string, text: string): void {
  const e = byId(id);
  e.textContent = text;
  e.dataset['value'] = String(value);
}

export function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // The library's own error classes say what kind of problem it is; the page's input checks need no label.
  return e.name === 'Error' || e.name === 'RangeError' ? e.message : `${e.name}: ${e.message}`;
}
