/**
 * Colour scales for heatmaps, from the app's palette (brand blues of app/globals.css, Tailwind's
 * slate and orange), and the WCAG contrast maths that picks the text colour on a cell.
 */

export type TRgb = readonly [number, number, number];

/** Tailwind colours used by the charts, as hex so that they can be mixed. */
export const PALETTE = {
  brand50: '#eef6ff',
  brand100: '#d9eaff',
  brand500: '#2f6fed',
  brand600: '#2458c9',
  brand700: '#1d46a0',
  slate50: '#f8fafc',
  slate100: '#f1f5f9',
  slate200: '#e2e8f0',
  slate300: '#cbd5e1',
  slate400: '#94a3b8',
  slate500: '#64748b',
  slate600: '#475569',
  slate900: '#0f172a',
  slate950: '#020617',
  orange200: '#fed7aa',
  orange700: '#c2410c',
  white: '#ffffff',
} as const;

/** Light to dark brand blue: more is darker. */
export const SEQUENTIAL = [PALETTE.slate50, PALETTE.brand100, PALETTE.brand500, PALETTE.brand700] as const;
/** Orange below the midpoint, near-white at it, brand blue above: orange and blue stay apart for colour-blind readers. */
export const DIVERGING = [PALETTE.orange700, PALETTE.orange200, PALETTE.slate50, PALETTE.brand100, PALETTE.brand700] as const;

export function parseHex(hex: string): TRgb {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h;
  if (!/^[0-9a-fA-F]{6}$/.test(full)) throw new Error(`not a hex colour: ${hex}`);
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as unknown as TRgb;
}

export function toHex([r, g, b]: TRgb): string {
  return `#${[r, g, b].map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;
}

/** The colour at t in [0, 1] along evenly spaced stops, mixed in sRGB. */
export function interpolateColor(stops: readonly string[], t: number): string {
  if (!stops.length) throw new Error('no colour stops');
  if (stops.length === 1 || !Number.isFinite(t)) return toHex(parseHex(stops[0]!));
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = parseHex(stops[i]!);
  const b = parseHex(stops[i + 1]!);
  return toHex([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]);
}

export type TColorScale = {
  scheme: 'sequential' | 'diverging';
  domain: readonly [number, number];
  /** diverging: the neutral value (default: the domain's middle) */
  midpoint?: number;
  /** sequential: 'sqrt' spreads the small values (sensitivity, where a few parts dominate) */
  transform?: 'linear' | 'sqrt';
};

/** Position in [0, 1] along the colour ramp of a value. */
export function colorPosition(value: number, { scheme, domain, midpoint, transform = 'linear' }: TColorScale): number {
  const [lo, hi] = domain;
  if (!Number.isFinite(value)) return 0;
  if (scheme === 'diverging') {
    const mid = midpoint ?? (lo + hi) / 2;
    const half = Math.max(hi - mid, mid - lo);
    return half > 0 ? Math.min(1, Math.max(0, 0.5 + (0.5 * (value - mid)) / half)) : 0.5;
  }
  let t = hi > lo ? Math.min(1, Math.max(0, (value - lo) / (hi - lo))) : 0;
  if (transform === 'sqrt') t = Math.sqrt(t);
  return t;
}

export function colorFor(value: number, scale: TColorScale): string {
  return interpolateColor(scale.scheme === 'diverging' ? DIVERGING : SEQUENTIAL, colorPosition(value, scale));
}

/** WCAG 2 relative luminance of an sRGB colour. */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = parseHex(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Near-black or white text, whichever reads better on the background. Near-black is slate-950,
 * not slate-900: at a mid blue (luminance ~0.2) slate-900 and white both fall under 4.5:1.
 */
export function textColorOn(background: string): string {
  return contrastRatio(background, PALETTE.slate950) >= contrastRatio(background, PALETTE.white) ? PALETTE.slate950 : PALETTE.white;
}
