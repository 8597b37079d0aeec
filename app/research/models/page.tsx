import Link from 'next/link';
import { requireResearcherPage } from '@/lib/auth/session';
import { listModelViews } from '@/lib/models/service';
import { formatBytes } from '@/lib/onnx/io';

export const metadata = { title: 'Models' };
export const dynamic = 'force-dynamic';

export default async function ModelsPage() {
  await requireResearcherPage('/research/models');
  const models = await listModelViews();
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Models</h1>
        <p className="text-sm text-slate-600">
          Each model has its original and every variant compressed from it. <a className="text-brand-700 hover:underline" href="/research/models/upload">Upload a model</a>, or add a folder with <code>npx arena models add PATH</code>.
        </p>
      </div>
      {models.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-slate-600">No models yet.</p>
      ) : (
        <ul className="grid gap-3 sm:grid-cols-2" aria-label="Models">
          {models.map((m) => {
            const original = m.variants.find((v) => !v.parentId) ?? m.variants[0];
            return (
              <li key={m.id} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
                <Link href={`/research/models/${m.id}`} className="font-medium text-brand-700 hover:underline">{m.name}</Link>
                {m.description && <p className="mt-1 text-sm text-slate-600">{m.description}</p>}
                <p className="mt-2 text-xs text-slate-500">
                  {(original.params / 1e6).toFixed(2)}M parameters · {formatBytes(original.weightBytes)} of weights · {m.variants.length} variant{m.variants.length === 1 ? '' : 's'}
                  {m.license ? ` · licence ${m.license}` : ''}
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
