import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import { currentUser } from '@/lib/auth/session';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'PruneArena', template: '%s · PruneArena' },
  description: 'What does compressing a text-to-image diffusion model really cost? Automatic scores and blinded human studies, with honest intervals.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export const dynamic = 'force-dynamic';

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const user = await currentUser().catch(() => null);
  return (
    <html lang="en">
      <body className="min-h-screen flex flex-col">
        <header className="border-b border-slate-200 bg-white">
          <nav className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3" aria-label="Main">
            <Link href="/" className="text-lg font-semibold tracking-tight text-slate-900">
              Prune<span className="text-brand-600">Arena</span>
            </Link>
            <Link href="/leaderboard" className="text-sm text-slate-600 hover:text-slate-900">Leaderboard</Link>
            <Link href="/reproduction" className="text-sm text-slate-600 hover:text-slate-900">Reproduction</Link>
            <Link href="/research/models" className="text-sm text-slate-600 hover:text-slate-900">Models</Link>
            <Link href="/research/studies" className="text-sm text-slate-600 hover:text-slate-900">Studies</Link>
            <Link href="/research/jobs" className="text-sm text-slate-600 hover:text-slate-900">Jobs</Link>
            {user?.role === 'admin' && (
              <Link href="/research/admin/users" className="text-sm text-slate-600 hover:text-slate-900">Users</Link>
            )}
            <span className="ml-auto text-sm">
              {user ? (
                <span className="flex items-center gap-3">
                  <span className="hidden text-slate-500 sm:inline" data-testid="signed-in-as">{user.email}</span>
                  <Link href="/signout" className="rounded-md border border-slate-300 px-3 py-1 text-slate-700 hover:bg-slate-100">Sign out</Link>
                </span>
              ) : (
                <Link href="/signin" className="rounded-md bg-brand-600 px-3 py-1 text-white hover:bg-brand-700">Sign in</Link>
              )}
            </span>
          </nav>
        </header>
        <main className="mx-auto w-full max-w-6xl flex-1 px-4 py-8">{children}</main>
        <footer className="border-t border-slate-200 py-4 text-center text-xs text-slate-500">
          PruneArena · compressed diffusion models, measured by machines and by people
        </footer>
      </body>
    </html>
  );
}
