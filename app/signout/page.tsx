import { SignOutButton } from './sign-out-button';

export const metadata = { title: 'Sign out' };

export default function SignOutPage() {
  return (
    <div className="mx-auto max-w-sm space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
      <h1 className="text-xl font-semibold">Sign out</h1>
      <p className="text-sm text-slate-600">Running jobs keep running after you sign out.</p>
      <SignOutButton />
    </div>
  );
}
