import { artifactStore } from '../artifacts/store';
import { GENEVAL_TASKS } from '../scoring/geneval-protocol';
import * as repo from './repository';
import type { TReproductionVariant, TSampleGrid } from './types';

type TPromptEntry = { prompt: string; tag?: string; metadata?: { tag?: string } };

/** The first prompt of each GenEval task in the run, in GenEval's task order. */
function samplePrompts(run: { prompts: string }): TSampleGrid['prompts'] {
  let prompts: TPromptEntry[];
  try {
    prompts = JSON.parse(run.prompts) as TPromptEntry[];
  } catch {
    return [];
  }
  const out: TSampleGrid['prompts'] = [];
  for (const task of GENEVAL_TASKS) {
    const index = prompts.findIndex((p) => (p.tag ?? p.metadata?.tag) === task);
    if (index >= 0) out.push({ index, tag: task, prompt: prompts[index].prompt });
  }
  return out;
}

/** The sample grid: the first image of each task's first prompt, for every variant that has a paired run. */
export async function sampleGrid(rows: TReproductionVariant[], reference: { prompts: string } | undefined, withImages: boolean): Promise<TSampleGrid | null> {
  if (!reference) return null;
  const prompts = samplePrompts(reference);
  if (!prompts.length) return null;
  const shown = rows.filter((r) => r.runId);
  const grid: TSampleGrid = { prompts, variants: shown.map((r) => r.name), images: null };
  if (!withImages) return grid;
  const found = await repo.firstSamples(
    shown.map((r) => r.runId!),
    prompts.map((p) => p.index),
  );
  const store = artifactStore();
  grid.images = await Promise.all(
    prompts.map((p) =>
      Promise.all(
        shown.map(async (r) => {
          const image = found.find((f) => f.runId === r.runId && f.promptIndex === p.index);
          if (!image) return null;
          try {
            return `data:image/png;base64,${(await store.read(image.pngSha256)).toString('base64')}`;
          } catch {
            return null; // the blob is gone: an empty cell says so
          }
        }),
      ),
    ),
  );
  return grid;
}
