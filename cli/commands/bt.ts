import fs from 'node:fs';
import { aggregateVotes } from '../../lib/stats/counts';
import { rankModels, type TLeaderboard } from '../../lib/stats/rank-models';
import { detectVotesFormat, parseVotesText, VotesFileError } from '../../lib/stats/votes-file';
import { intFlag, type TCommand, UsageError } from '../framework';

export const bt: TCommand = {
  name: 'bt',
  summary: 'Rank models from pairwise votes: Bradley-Terry ratings, bootstrap CIs and ranks.',
  args: 'VOTES',
  options: {
    bootstrap: { type: 'string', description: 'bootstrap rounds for the 95% CIs (default 1000; 0: ratings only)', valueName: 'N' },
    ties: { type: 'string', description: 'half (a tie is half a win, as Chatbot Arena; default) or davidson', valueName: 'MODEL' },
    cluster: { type: 'string', description: 'rater: resample raters instead of votes (needs a rater on every vote)', valueName: 'BY' },
    seed: { type: 'string', description: 'bootstrap seed (default 0)', valueName: 'S' },
    anchor: { type: 'string', description: 'pin one model\'s rating instead of a mean of 1000', valueName: 'MODEL=RATING' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  details: [
    'VOTES is a CSV file with the header model_a,model_b,winner[,rater] (extra columns are ignored),',
    "or Chatbot Arena's battles as a JSON array or JSON lines (model_a, model_b, winner, judge as the",
    'rater). winner is model_a, model_b, tie or "tie (bothbad)"; both kinds of tie count as ties.',
    'Ratings are 400/ln 10 per logit unit; rank = 1 + the models whose CI is entirely above.',
    'The whole file is checked first: a bad line is reported with its number and nothing is ranked.',
    'Exit status: 0 ranked, 1 for an unreadable or malformed file, 2 for bad flags.',
  ].join('\n'),
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError(positionals.length ? `expected one VOTES file, got ${positionals.length} arguments` : 'the VOTES file is required');
    const file = positionals[0];
    const rounds = intFlag(values, 'bootstrap', 1000, 0, 1_000_000);
    const seed = intFlag(values, 'seed', 0, 0, 2 ** 32 - 1);
    const ties = choice(values.ties, 'ties', ['half', 'davidson'] as const, 'half');
    const cluster = values.cluster === undefined ? 'none' : choice(values.cluster, 'cluster', ['rater'] as const, 'rater');
    const anchor = anchorFlag(values.anchor);

    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      console.error(`arena bt: ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`);
      return 1;
    }
    const format = detectVotesFormat(file, text);
    let parsed;
    try {
      parsed = parseVotesText(text, format);
    } catch (err) {
      if (!(err instanceof VotesFileError)) throw err;
      const list = err.problems.map((p) => `  line ${p.line}: ${p.message}`);
      if (err.more) list.push('  (more problems not listed)');
      console.error(`arena bt: ${file} is not a valid ${format.toUpperCase()} vote file; nothing was ranked:\n${list.join('\n')}`);
      return 1;
    }
    if (cluster === 'rater' && parsed.firstUnratedLine !== null) {
      console.error(`arena bt: ${file}: line ${parsed.firstUnratedLine}: --cluster rater needs a rater on every vote (${format === 'csv' ? 'a rater column' : 'a judge field'})`);
      return 1;
    }
    const counts = aggregateVotes(parsed.votes);
    if (anchor && !counts.models.includes(anchor.model)) throw new UsageError(`--anchor: ${JSON.stringify(anchor.model)} is not a model in ${file}`);
    const board = rankModels(counts, { bootstrap: rounds, ties, cluster, seed, anchor });
    if (values.json) console.log(JSON.stringify({ file, format, ...board }, null, 2));
    else console.log(formatLeaderboard(board));
    return 0;
  },
};

function choice<T extends string>(raw: unknown, name: string, choices: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!choices.includes(raw as T)) throw new UsageError(`--${name} must be ${choices.join(' or ')} (got ${JSON.stringify(String(raw))})`);
  return raw as T;
}

function anchorFlag(raw: unknown): { model: string; rating: number } | undefined {
  if (raw === undefined) return undefined;
  const s = String(raw);
  const at = s.lastIndexOf('=');
  const rating = at > 0 ? Number(s.slice(at + 1)) : NaN;
  if (at <= 0 || !s.slice(at + 1).trim() || !Number.isFinite(rating)) throw new UsageError(`--anchor must look like MODEL=RATING, e.g. sd35-large=1000 (got ${JSON.stringify(s)})`);
  return { model: s.slice(0, at), rating };
}

const fmt = (v: number | null, digits = 1) => (v === null ? '-' : v.toFixed(digits));
const count = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

export function formatLeaderboard(b: TLeaderboard): string {
  const how = b.bootstrap
    ? `${b.bootstrap.rounds} bootstrap rounds (${b.bootstrap.cluster === 'rater' ? 'raters resampled' : 'votes resampled'}, seed ${b.bootstrap.seed})`
    : 'no bootstrap (CIs are the ratings themselves)';
  const scale = b.scale.anchor ? `${b.scale.anchor.model} pinned at ${b.scale.anchor.rating}` : `mean ${b.scale.offset}`;
  const lines = [`Bradley-Terry ratings, ties ${b.ties === 'half' ? 'as half wins' : 'modelled (Davidson)'}, ${scale}; ${how}; ${b.votes} votes`, ''];
  const head = ['rank', 'model', 'rating', `${Math.round((b.bootstrap?.confidence ?? 0.95) * 100)}% CI`, 'votes', 'wins', 'losses', 'ties', ''];
  const rows = b.models.map((m) => [
    m.rank === null ? '-' : String(m.rank),
    m.model,
    fmt(m.rating),
    m.ciLow === null ? '-' : `${fmt(m.ciLow)} to ${fmt(m.ciHigh)}`,
    count(m.votes),
    count(m.wins),
    count(m.losses),
    count(m.ties),
    m.rank === null ? 'not ranked (other component)' : m.undefeated ? 'never lost' : m.winless ? 'never won' : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 1 || i === 8 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  lines.push(line(head), ...rows.map(line));
  if (b.tieParameter) lines.push('', `Davidson tie parameter ν = ${fmt(b.tieParameter.nu, 3)}${b.tieParameter.ciLow === null ? '' : ` (CI ${fmt(b.tieParameter.ciLow, 3)} to ${fmt(b.tieParameter.ciHigh, 3)})`}`);
  for (const w of b.diagnostics.warnings) lines.push('', `Note: ${w}`);
  return lines.join('\n');
}
