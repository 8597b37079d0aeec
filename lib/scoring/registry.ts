import type { TScorerInfo } from './types';

/** Every automatic scorer the arena knows; each scorer module adds its entry here. */
export const SCORERS: TScorerInfo[] = [
  {
    id: 'geneval',
    title: 'GenEval: object, count, colour and position correctness (Ghosh et al. 2023)',
    version: '1.0.0',
    needs: ['detections', 'colour-classifier'],
  },
];

export function scorerInfo(id: string): TScorerInfo {
  const info = SCORERS.find((s) => s.id === id);
  if (!info) throw new Error(`no scorer "${id}" in the registry (known: ${SCORERS.map((s) => s.id).join(', ')})`);
  return info;
}
