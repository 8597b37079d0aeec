import type { TOutcome, TVote } from './counts';

/**
 * Vote files for `arena bt`: CSV with the header model_a,model_b,winner[,rater][,criterion], or
 * Chatbot Arena's battles as a JSON array or JSON lines (model_a, model_b, winner, and judge as
 * the rater). winner is model_a, model_b, tie or "tie (bothbad)".
 *
 * The whole text is validated before anything is returned: a file with a bad line yields its
 * problems (line numbers from 1, up to MAX_PROBLEMS of them), never half of its votes.
 * Extra CSV columns and extra JSON fields (tstamp, language, ...) are ignored.
 */
export type TVotesFormat = 'csv' | 'json' | 'jsonl';

export type TVotesFile = {
  format: TVotesFormat;
  votes: TVote[];
  /** the line of the first vote without a rater (null when every vote has one) */
  firstUnratedLine: number | null;
};

export type TFileProblem = { line: number; message: string };

export class VotesFileError extends Error {
  constructor(readonly problems: TFileProblem[], readonly more: boolean) {
    super(problems.map((p) => `line ${p.line}: ${p.message}`).join('\n') + (more ? '\n(further problems not listed)' : ''));
    this.name = 'VotesFileError';
  }
}

const MAX_PROBLEMS = 10;
const WINNERS: Record<string, TOutcome> = { model_a: 'a', model_b: 'b', tie: 'tie', 'tie (bothbad)': 'bothbad' };
const WINNER_LIST = 'model_a, model_b, tie or "tie (bothbad)"';

/** The format from the file name, else from the first character ([ JSON, { JSON lines, else CSV). */
export function detectVotesFormat(fileName: string, text: string): TVotesFormat {
  const ext = /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (ext === 'csv') return 'csv';
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  if (ext === 'json') return 'json';
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  return first === '[' ? 'json' : first === '{' ? 'jsonl' : 'csv';
}

export function parseVotesText(text: string, format: TVotesFormat): TVotesFile {
  const body = text.replace(/^\uFEFF/, '');
  const problems = new Problems();
  const rows = format === 'csv' ? csvRows(body, problems) : format === 'jsonl' ? jsonLines(body, problems) : jsonArray(body, problems);
  const votes: TVote[] = [];
  let firstUnratedLine: number | null = null;
  for (const { line, row } of rows) {
    const vote = toVote(row, line, problems);
    if (!vote) continue;
    if (vote.rater === undefined && firstUnratedLine === null) firstUnratedLine = line;
    votes.push(vote);
  }
  if (problems.list.length) {
    const sorted = problems.list.sort((x, y) => x.line - y.line);
    throw new VotesFileError(sorted.slice(0, MAX_PROBLEMS), problems.more || sorted.length > MAX_PROBLEMS);
  }
  if (!votes.length) throw new VotesFileError([{ line: 1, message: 'the file holds no votes' }], false);
  return { format, votes, firstUnratedLine };
}

/** Problems are found in two passes (structure, then fields): kept, then sorted by line. */
class Problems {
  list: TFileProblem[] = [];
  more = false;
  add(line: number, message: string) {
    if (this.list.length < 100 * MAX_PROBLEMS) this.list.push({ line, message });
    else this.more = true;
  }
}

type TRow = { line: number; row: Record<string, unknown> };

function toVote(row: Record<string, unknown>, line: number, problems: Problems): TVote | null {
  const bad = (m: string) => (problems.add(line, m), null);
  for (const field of ['model_a', 'model_b', 'winner']) {
    if (typeof row[field] !== 'string' || !(row[field] as string).trim()) return bad(`${field} is ${row[field] === undefined ? 'missing' : `not a model name (got ${JSON.stringify(row[field])})`}`);
  }
  const a = (row.model_a as string).trim();
  const b = (row.model_b as string).trim();
  const winner = WINNERS[(row.winner as string).trim()];
  if (!winner) return bad(`winner must be ${WINNER_LIST} (got ${JSON.stringify(row.winner)})`);
  if (a === b) return bad(`model_a and model_b are the same model (${JSON.stringify(a)})`);
  const raterField = row.rater !== undefined ? 'rater' : 'judge';
  const rater = row[raterField];
  if (rater !== undefined && rater !== null && typeof rater !== 'string' && typeof rater !== 'number') return bad(`${raterField} must be a string (got ${JSON.stringify(rater)})`);
  const criterion = row.criterion;
  if (criterion !== undefined && criterion !== null && typeof criterion !== 'string') return bad(`criterion must be a string (got ${JSON.stringify(criterion)})`);
  const vote: TVote = { variantA: a, variantB: b, winner };
  const raterText = rater === undefined || rater === null ? '' : String(rater).trim();
  if (raterText) vote.rater = raterText;
  if (typeof criterion === 'string' && criterion.trim()) vote.criterion = criterion.trim();
  return vote;
}

function csvRows(text: string, problems: Problems): TRow[] {
  const lines = text.split(/\r?\n/);
  let h = 0;
  while (h < lines.length && !lines[h].trim()) h++;
  if (h === lines.length) return [];
  const header = splitCsvLine(lines[h]);
  if (typeof header === 'string') return (problems.add(h + 1, header), []);
  const columns = header.map((c) => c.trim().toLowerCase());
  const missing = ['model_a', 'model_b', 'winner'].filter((c) => !columns.includes(c));
  if (missing.length) {
    problems.add(h + 1, `the header must name model_a, model_b and winner (optionally rater, criterion); ${missing.join(', ')} missing (got ${JSON.stringify(lines[h])})`);
    return [];
  }
  const dup = columns.find((c, x) => columns.indexOf(c) !== x);
  if (dup) return (problems.add(h + 1, `the header names ${dup} twice`), []);
  const rows: TRow[] = [];
  for (let x = h + 1; x < lines.length; x++) {
    if (!lines[x].trim()) continue;
    const fields = splitCsvLine(lines[x]);
    if (typeof fields === 'string') {
      problems.add(x + 1, fields);
      continue;
    }
    if (fields.length !== columns.length) {
      problems.add(x + 1, `expected ${columns.length} fields (${columns.join(',')}), found ${fields.length}`);
      continue;
    }
    const row: Record<string, unknown> = {};
    columns.forEach((c, i) => (row[c] = fields[i]));
    rows.push({ line: x + 1, row });
  }
  return rows;
}

/** One CSV record on one line (RFC 4180 quoting, "" inside quotes); a message when malformed. */
function splitCsvLine(line: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return 'a quoted field is not closed (fields cannot span lines)';
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < line.length && line[i] !== ',') return `unexpected text after a quoted field at column ${i + 1}`;
      fields.push(value);
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      const value = line.slice(i, end);
      if (value.includes('"')) return `a quote inside an unquoted field at column ${i + value.indexOf('"') + 1}`;
      fields.push(value);
      i = end;
    }
    if (i >= line.length) return fields;
    i++; // the comma
    if (i === line.length) return (fields.push(''), fields);
  }
}

function jsonLines(text: string, problems: Problems): TRow[] {
  const rows: TRow[] = [];
  text.split(/\r?\n/).forEach((raw, x) => {
    if (!raw.trim()) return;
    const parsed = parseJson(raw);
    if (parsed.error) problems.add(x + 1, parsed.error);
    else if (!isObject(parsed.value)) problems.add(x + 1, 'each line must be a JSON object with model_a, model_b and winner');
    else rows.push({ line: x + 1, row: parsed.value });
  });
  return rows;
}

/** A JSON array of battle objects; each element is parsed on its own so errors carry its line. */
function jsonArray(text: string, problems: Problems): TRow[] {
  const rows: TRow[] = [];
  let line = 1;
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) {
      if (text[i] === '\n') line++;
      i++;
    }
  };
  skipSpace();
  if (text[i] !== '[') return (problems.add(line, 'a JSON vote file must be an array of battle objects (or use JSON lines)'), []);
  i++;
  for (;;) {
    skipSpace();
    if (text[i] === ']') break;
    if (i >= text.length) return (problems.add(line, 'the array is not closed'), rows);
    const start = i;
    const startLine = line;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (ch === '\n') line++;
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        if (depth === 0) break;
        depth--;
      } else if (ch === ',' && depth === 0) break;
    }
    const element = text.slice(start, i);
    const parsed = parseJson(element);
    if (parsed.error) {
      // V8 often says "at position P": point at that line of a multi-line element.
      const at = /position (\d+)/.exec(parsed.error);
      problems.add(startLine + (at ? (element.slice(0, Number(at[1])).match(/\n/g)?.length ?? 0) : 0), parsed.error);
    }
    else if (!isObject(parsed.value)) problems.add(startLine, 'each array element must be an object with model_a, model_b and winner');
    else rows.push({ line: startLine, row: parsed.value });
    if (text[i] === ',') i++;
    else if (text[i] !== ']') return (problems.add(line, 'the array is not closed'), rows);
  }
  i++;
  skipSpace();
  if (i < text.length) problems.add(line, 'unexpected text after the array');
  return rows;
}

function parseJson(text: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: `not valid JSON (${(err as Error).message})` };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
