import { AppError } from '../errors';
import { leaderboardCsv } from './snapshots';
import type { TLeaderboardData } from './types';

/** Read-only public responses: JSON by default, CSV with ?format=csv; any site may read them. */
export function publicData(body: unknown, opts: { csv?: TLeaderboardData; format: string | null; filename: string }): Response {
  const format = opts.format ?? 'json';
  const headers = { 'access-control-allow-origin': '*', 'cache-control': 'public, max-age=30' };
  if (format === 'csv') {
    if (!opts.csv) throw new AppError('BAD_REQUEST', 'This resource comes as JSON only.');
    return new Response(leaderboardCsv(opts.csv), { headers: { ...headers, 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${opts.filename}.csv"` } });
  }
  if (format !== 'json') throw new AppError('BAD_REQUEST', 'format must be json or csv.');
  return Response.json(body, { headers });
}
