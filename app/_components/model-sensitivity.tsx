import { SensitivityHeatmap } from './sensitivity-heatmap';

type TSensitivity = { variant: string; data: unknown } | undefined;

/** A model's latest measured block (or block x component) sensitivity, or a note that there is none. */
export function ModelSensitivity({ modelName, sensitivity }: { modelName: string; sensitivity: TSensitivity }) {
  if (!sensitivity) return <p className="rounded-lg border border-dashed border-slate-300 bg-white p-4 text-sm text-slate-600">Not measured yet.</p>;
  const data = sensitivity.data as { level: string; source: string; entries: { block: number; component: string | null; delta: number; value: number }[] };
  return <SensitivityHeatmap title={`${modelName} / ${sensitivity.variant}: ${data.level} sensitivity`} entries={data.entries} metric="relative error" caption={data.source} />;
}
