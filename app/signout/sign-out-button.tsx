'use client';

import { signOut } from 'next-auth/react';

export function SignOutButton() {
  return (
    <button
      type="button"
      onClick={() => signOut({ callbackUrl: '/' })}
      className="w-full rounded-md bg-slate-800 px-4 py-2 font-medium text-white hover:bg-slate-900"
    >
      Sign out
    </button>
  );
}
