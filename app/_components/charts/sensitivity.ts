import type { TColorScale } from '@/lib/charts/color';

/** One measured part: removing it changes the metric by delta (app/_components/sensitivity-heatmap.tsx's entries). */
export type TSensitivityEntry = { block: number; component: string | null; delta: number; value: number };

const COMPONENT_ORDER = ['norm1', 'norm1_context', 'attn', 'ff', 'ff_context'];

/**
 * Sensitivity entries as Heatmap props: components as rows (in the model's order, whole blocks
 * as "(block)"), blocks as columns, |Δ| as the value on a square-root scale so that the few parts
 * that dominate do not wash out the rest.
 */
export function sensitivityGrid(entries: readonly TSensitivityEntry[]): {
  rowLabels: string[];
  colLabels: string[];
  colShort: string[];
  values: (number | null)[][];
  scale: TColorScale;
} {
  const blocks = [...new Set(entries.map((e) => e.block))].sort((a, b) => a - b);
  const present = new Set(entries.map((e) => e.component ?? '(block)'));
  const rows = [...COMPONENT_ORDER.filter((c) => present.has(c)), ...[...present].filter((c) => !COMPONENT_ORDER.includes(c)).sort()];
  const at = new Map(entries.map((e) => [`${e.block}/${e.component ?? '(block)'}`, Math.abs(e.delta)]));
  const max = Math.max(1e-12, ...entries.map((e) => Math.abs(e.delta)));
  return {
    rowLabels: rows,
    colLabels: blocks.map((b) => `block ${b}`),
    colShort: blocks.map(String),
    values: rows.map((c) => blocks.map((b) => at.get(`${b}/${c}`) ?? null)),
    scale: { scheme: 'sequential', domain: [0, max], transform: 'sqrt' },
  };
}
