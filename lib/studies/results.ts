import type { TSessionUser } from '../auth/session';
import { wilson } from '../stats/degradation';
import { Z95 } from '../stats/normal';
import type { TCriterion } from './design';
import * as repo from './repository';
import { ownStudy } from './service';

/**
 * What a study's researcher sees while it runs and exports when it ends. Win rates count the
 * comparison votes of participants who are neither previews nor excluded; ties count half; the
 * interval is Wilson's 95% score interval on the share of votes for the first-named variant.
 */
export type TPairResult = {
  criterion: string;
  a: { armId: string; variantId: string; name: string };
  b: { armId: string; variantId: string; name: string };
  aWins: number;
  bWins: number;
  ties: number;
  votes: number;
  /** Share of votes preferring a (ties half), with its 95% interval. */
  shareA: number | null;
  ciLow: number | null;
  ciHigh: number | null;
};

export type TDashboard = {
  participants: { started: number; completed: number; flagged: number; excluded: number; previews: number };
  trialsAnswered: number;
  votes: number;
  criteria: TCriterion[];
  pairs: TPairResult[];
  people: { id: string; pseudonym: string; prolificPid: string | null; status: string; preview: boolean; excluded: boolean; answered: number; trials: number; flags: string[]; reasons: string[]; startedAt: string; completedAt: string | null }[];
};

/** Wilson's 95% score interval of a share (no data: the whole range). */
export function wilson95(successes: number, n: number): [number, number] {
  return n > 0 ? wilson(successes, n, Z95) : [0, 1];
}

type TVoteRow = Awaited<ReturnType<typeof repo.studyVotes>>[number];

export async function studyDashboard(studyId: string, user: TSessionUser | null): Promise<TDashboard> {
  const s = await ownStudy(studyId, user);
  const criteria = JSON.parse(s.criteria) as TCriterion[];
  const people = await repo.studyParticipants(studyId);
  const votes = await repo.studyVotes(studyId);
  const answeredBy = new Map<string, Set<string>>();
  for (const v of votes) {
    const set = answeredBy.get(v.participantId) ?? new Set();
    set.add(v.trialId);
    answeredBy.set(v.participantId, set);
  }
  const arms = new Map(s.arms.map((a) => [a.id, { armId: a.id, variantId: a.variantId, name: `${a.variant.model.name} / ${a.variant.name}` }]));
  const pairs = new Map<string, TPairResult>();
  for (const c of criteria) {
    for (let i = 0; i < s.arms.length; i++) {
      for (let j = i + 1; j < s.arms.length; j++) {
        const a = arms.get(s.arms[i].id)!;
        const b = arms.get(s.arms[j].id)!;
        pairs.set(`${c.key}|${a.armId}|${b.armId}`, { criterion: c.key, a, b, aWins: 0, bWins: 0, ties: 0, votes: 0, shareA: null, ciLow: null, ciHigh: null });
      }
    }
  }
  for (const v of votes) {
    if (!counts(v)) continue;
    const { leftArmId: l, rightArmId: r } = v.trial;
    const pa = pairs.get(`${v.criterion}|${l}|${r}`);
    const pb = pairs.get(`${v.criterion}|${r}|${l}`);
    const p = pa ?? pb;
    if (!p) continue;
    p.votes++;
    if (v.choice === 'tie') p.ties++;
    else if ((v.choice === 'left' ? l : r) === p.a.armId) p.aWins++;
    else p.bWins++;
  }
  for (const p of pairs.values()) {
    if (!p.votes) continue;
    p.shareA = (p.aWins + p.ties / 2) / p.votes;
    [p.ciLow, p.ciHigh] = wilson95(p.aWins + p.ties / 2, p.votes);
  }
  const real = people.filter((p) => !p.preview);
  const parsed = people.map((p) => ({ p, q: p.flags ? (JSON.parse(p.flags) as { flags: string[]; reasons: string[] }) : { flags: [], reasons: [] } }));
  return {
    participants: {
      started: real.length,
      completed: real.filter((p) => p.status === 'completed').length,
      flagged: parsed.filter(({ p, q }) => !p.preview && q.flags.length > 0).length,
      excluded: real.filter((p) => p.excluded).length,
      previews: people.length - real.length,
    },
    trialsAnswered: real.reduce((n, p) => n + (answeredBy.get(p.id)?.size ?? 0), 0),
    votes: votes.filter(counts).length,
    criteria,
    pairs: [...pairs.values()],
    people: parsed.map(({ p, q }) => ({
      id: p.id,
      pseudonym: p.pseudonym,
      prolificPid: p.prolificPid,
      status: p.status,
      preview: p.preview,
      excluded: p.excluded,
      answered: answeredBy.get(p.id)?.size ?? 0,
      trials: p._count.trials,
      flags: q.flags,
      reasons: q.reasons,
      startedAt: p.startedAt.toISOString(),
      completedAt: p.completedAt?.toISOString() ?? null,
    })),
  };
}

/** A comparison vote that counts toward results: not a check, not a preview, not excluded. */
function counts(v: TVoteRow): boolean {
  return v.trial.kind === 'comparison' && !v.participant.preview && !v.participant.excluded;
}

export type TExportRow = {
  vote_id: string;
  participant: string;
  participant_status: string;
  excluded: boolean;
  flags: string;
  trial: number;
  trial_kind: string;
  prompt: string;
  seed: number | null;
  criterion: string;
  left_variant: string;
  right_variant: string;
  answer: string;
  winner: string;
  expected: string;
  response_ms: number;
  answered_at: string;
};

export const EXPORT_COLUMNS: (keyof TExportRow)[] = ['vote_id', 'participant', 'participant_status', 'excluded', 'flags', 'trial', 'trial_kind', 'prompt', 'seed', 'criterion', 'left_variant', 'right_variant', 'answer', 'winner', 'expected', 'response_ms', 'answered_at'];

/**
 * Every vote (previews left out), one row per answer, with pseudonymous participant ids. Rows
 * come in pages so a large study streams instead of loading at once.
 */
export async function* exportRows(studyId: string, user: TSessionUser | null): AsyncGenerator<TExportRow> {
  const s = await ownStudy(studyId, user);
  const names = new Map(s.arms.map((a) => [a.id, `${a.variant.model.name} / ${a.variant.name}`]));
  const items = new Map((await repo.studyItems(studyId)).map((i) => [i.id, i]));
  let afterId: string | undefined;
  for (;;) {
    const page = await repo.studyVotes(studyId, { afterId, take: 2000 });
    if (!page.length) return;
    for (const v of page) {
      if (v.participant.preview) continue;
      const item = v.trial.itemId ? items.get(v.trial.itemId) : undefined;
      const left = v.trial.leftArmId ? names.get(v.trial.leftArmId) ?? '' : '(blank)';
      const right = v.trial.rightArmId ? names.get(v.trial.rightArmId) ?? '' : '(blank)';
      const q = v.participant.flags ? (JSON.parse(v.participant.flags) as { flags: string[] }).flags : [];
      yield {
        vote_id: v.id,
        participant: v.participant.pseudonym,
        participant_status: v.participant.status,
        excluded: v.participant.excluded,
        flags: q.join('; '),
        trial: v.trial.position + 1,
        trial_kind: v.trial.kind,
        prompt: item?.prompt ?? '',
        seed: item?.seed ?? null,
        criterion: v.criterion,
        left_variant: left,
        right_variant: right,
        answer: v.choice,
        winner: v.choice === 'tie' ? 'tie' : v.choice === 'left' ? left : right,
        expected: v.trial.expected ?? '',
        response_ms: v.responseMs,
        answered_at: v.createdAt.toISOString(),
      };
    }
    afterId = page[page.length - 1].id;
  }
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${(/^[=+\-@]/.test(s) ? "'" : '') + s.replace(/"/g, '""')}"` : s;
};

/** The export as a stream of CSV or JSONL text chunks. */
export async function* exportText(studyId: string, format: 'csv' | 'jsonl', user: TSessionUser | null): AsyncGenerator<string> {
  if (format === 'csv') yield EXPORT_COLUMNS.join(',') + '\n';
  for await (const row of exportRows(studyId, user)) {
    yield format === 'csv' ? EXPORT_COLUMNS.map((c) => csvCell(row[c])).join(',') + '\n' : JSON.stringify(row) + '\n';
  }
}
