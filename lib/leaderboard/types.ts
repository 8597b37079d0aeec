/**
 * What the leaderboard shows, as one JSON-able value: the live page, a published snapshot, the
 * /api/v1 JSON and the CSV export are all this shape (a snapshot stores it verbatim).
 */
export type TInterval = { value: number; ciLow: number | null; ciHigh: number | null };

export type TLeaderboardRow = {
  variantId: string;
  modelId: string;
  modelName: string;
  variantName: string;
  /** The variant it was compressed from, with a short description of the recipe. */
  parent: { variantId: string; name: string } | null;
  recipe: string | null;
  params: number;
  /** Weight bytes of the denoiser and encoders as stored (the memory footprint). */
  weightBytes: number;
  diskBytes: number;
  /** From the latest generation run: time per image and per denoiser step, and where it ran. */
  latency: { perImageMs: number; perStepMs: number; provider: string; hardware: string; runId: string } | null;
  /** GenEval overall with its bootstrap CI, the six task scores, on how many images. */
  geneval: (TInterval & { tasks: Record<string, number>; images: number; fixture: boolean; version: string; runId: string }) | null;
  hps: (TInterval & { images: number; fixture: boolean; version: string; runId: string }) | null;
  /** Bradley-Terry rating (Arena scale) from human votes, with its bootstrap CI and rank. */
  human: (TInterval & { rank: number | null; votes: number; wins: number; losses: number; ties: number }) | null;
  /** Share of votes preferring the parent over this variant (the paper's "perceived degradation"). */
  degradation: (TInterval & { votes: number }) | null;
  /** True when any number in the row comes from demo data (npm start's seeded study or fixtures). */
  demo: boolean;
};

export type TLeaderboardData = {
  generatedAt: string;
  rows: TLeaderboardRow[];
  human: {
    /** Which votes count: comparison votes of non-excluded participants, one criterion per study. */
    method: string;
    votes: number;
    bootstrap: number;
    warnings: string[];
    /** Observed win rates (ties half): winRate[i][j] = share of i's votes against j that i won. */
    winRates: { variants: string[]; names: string[]; winRate: (number | null)[][]; votes: number[][] };
    /** Cumulative votes per day. */
    votesOverTime: { date: string; votes: number }[];
  };
};
