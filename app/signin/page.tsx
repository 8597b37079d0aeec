import { redirect } from 'next/navigation';
import { currentUser } from '@/lib/auth/session';
import { SignInForm } from './sign-in-form';

export const metadata = { title: 'Sign in' };

/** Only same-site paths are followed after sign-in, never another origin. */
function safeCallback(raw: string | string[] | undefined): string {
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value && value.startsWith('/') && !value.startsWith('//') ? value : '/research/jobs';
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeCallback(params.callbackUrl);
  if (await currentUser()) redirect(callbackUrl);
  return (
    <div className="mx-auto max-w-sm space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Sign in</h1>
        <p className="mt-1 text-sm text-slate-600">For researchers. Study participants do not need an account.</p>
      </div>
      <SignInForm callbackUrl={callbackUrl} />
    </div>
  );
}
