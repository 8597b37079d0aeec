/** Small pieces shared by the study pages (server- and client-safe: no hooks, no server imports). */

export type TStudyStatus = 'draft' | 'open' | 'closed';

const STATUS_STYLE: Record<TStudyStatus, string> = {
  draft: 'bg-slate-100 text-slate-700',
  open: 'bg-green-100 text-green-800',
  closed: 'bg-amber-100 text-amber-800',
};

export function StatusBadge({ status, testId }: { status: TStudyStatus; testId?: string }) {
  return (
    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[status]}`} data-testid={testId} data-status={status}>
      {status}
    </span>
  );
}

export function DemoBadge() {
  return (
    <span className="rounded-full bg-purple-100 px-2 py-0.5 text-xs font-medium text-purple-800" title="Made by npm start with demo data; its numbers mean nothing" data-testid="demo-badge">
      demo
    </span>
  );
}

/** How each assignment policy picks the next comparison, in one line (lib/studies/assignment.ts). */
export const POLICY_EXPLANATION: Record<'balanced' | 'adaptive', string> = {
  balanced: 'Every pair of variants and every prompt is shown about equally often, least covered first. The default, and the plainest basis for win rates.',
  adaptive: 'The pair whose preference is least certain so far (widest 95% interval) comes first, so votes go where they narrow the intervals most.',
};

/** A date a researcher can read unambiguously on any machine. */
export function formatDate(iso: string | null): string {
  if (!iso) return '—';
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

export const pct = (x: number, digits = 0) => `${(x * 100).toFixed(digits)}%`;
