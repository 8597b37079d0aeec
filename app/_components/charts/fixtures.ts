import type { TLeaderboardData, TLeaderboardRow } from '@/lib/leaderboard/types';

const GiB = 2 ** 30;

/** A leaderboard row for chart tests: an original with every number, changed by overrides. */
export function chartRow(id: string, overrides: Partial<TLeaderboardRow> = {}): TLeaderboardRow {
  return {
    variantId: id,
    modelId: 'm1',
    modelName: 'SD3.5 Large',
    variantName: id,
    parent: null,
    recipe: null,
    params: 8e9,
    weightBytes: 16 * GiB,
    diskBytes: 16 * GiB,
    latency: { perImageMs: 2400, perStepMs: 600, provider: 'cuda', hardware: 'H100', runId: `run-${id}` },
    geneval: { value: 0.62, ciLow: 0.58, ciHigh: 0.66, tasks: {}, images: 553, fixture: false, version: '1', runId: `run-${id}` },
    hps: { value: 0.291, ciLow: 0.287, ciHigh: 0.295, images: 400, fixture: false, version: '1', runId: `run-${id}` },
    human: { value: 1000, ciLow: 980, ciHigh: 1020, rank: 1, votes: 120, wins: 60, losses: 50, ties: 10 },
    degradation: null,
    demo: false,
    ...overrides,
  };
}

/** Three variants of one model (an original, a pruned child, an INT4 grandchild) and their votes. */
export function chartData(): TLeaderboardData {
  const rows = [
    chartRow('original'),
    chartRow('pruned-80', {
      parent: { variantId: 'original', name: 'original' },
      weightBytes: 12.8 * GiB,
      latency: { perImageMs: 1900, perStepMs: 475, provider: 'cuda', hardware: 'H100', runId: 'r2' },
      geneval: { value: 0.6, ciLow: 0.55, ciHigh: 0.65, tasks: {}, images: 553, fixture: false, version: '1', runId: 'r2' },
      human: { value: 1010, ciLow: 985, ciHigh: 1035, rank: 1, votes: 90, wins: 50, losses: 35, ties: 5 },
    }),
    chartRow('pruned-80-int4', {
      parent: { variantId: 'pruned-80', name: 'pruned-80' },
      weightBytes: 3.6 * GiB,
      latency: { perImageMs: 2100, perStepMs: 525, provider: 'cuda', hardware: 'H100', runId: 'r3' },
      geneval: { value: 0.55, ciLow: 0.5, ciHigh: 0.6, tasks: {}, images: 553, fixture: false, version: '1', runId: 'r3' },
      human: { value: 960, ciLow: 930, ciHigh: 990, rank: 3, votes: 70, wins: 20, losses: 45, ties: 5 },
      demo: true,
    }),
  ];
  return {
    generatedAt: '2025-03-14T12:00:00.000Z',
    rows,
    human: {
      method: 'Bradley-Terry on the first question of every study.',
      votes: 140,
      bootstrap: 500,
      warnings: [],
      winRates: {
        variants: ['original', 'pruned-80', 'pruned-80-int4'],
        names: ['SD3.5 Large / original', 'SD3.5 Large / pruned-80', 'SD3.5 Large / pruned-80-int4'],
        winRate: [
          [null, 0.45, 0.7],
          [0.55, null, null],
          [0.3, null, null],
        ],
        votes: [
          [0, 80, 40],
          [80, 0, 0],
          [40, 0, 0],
        ],
      },
      votesOverTime: [
        { date: '2025-03-10', votes: 30 },
        { date: '2025-03-11', votes: 95 },
        { date: '2025-03-13', votes: 140 },
      ],
    },
  };
}
