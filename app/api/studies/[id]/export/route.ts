import { AppError } from '@/lib/errors';
import { apiRoute } from '@/lib/http/route';
import { exportText } from '@/lib/studies/results';
import { ownStudy } from '@/lib/studies/service';

export const dynamic = 'force-dynamic';

/** Every vote as CSV (default) or JSONL, streamed. */
export const GET = apiRoute<undefined, { id: string }>({ access: 'researcher' }, async ({ user, params, query }) => {
  const format = query.get('format') ?? 'csv';
  if (format !== 'csv' && format !== 'jsonl') throw new AppError('BAD_REQUEST', 'format must be csv or jsonl.');
  const study = await ownStudy(params.id, user);
  const chunks = exportText(params.id, format, user);
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="study-${study.slug}-votes.${format}"`,
      'cache-control': 'no-store',
    },
  });
});
