'use client';

import { useState } from 'react';

export function CreateUserForm() {
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    const res = await fetch('/api/admin/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: form.get('email'), name: form.get('name') || undefined, password: form.get('password'), role: form.get('role') }),
    });
    const data = await res.json().catch(() => null);
    if (res.ok) {
      setMessage({ ok: true, text: `Created ${data.user.email}. Reload to see them in the list.` });
      formEl.reset();
    } else {
      setMessage({ ok: false, text: data?.error?.message ?? `The server answered ${res.status}.` });
    }
  }

  return (
    <form onSubmit={onSubmit} className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-5">
      <h2 className="font-medium sm:col-span-5">Add a user</h2>
      <input name="email" type="email" required placeholder="email" aria-label="Email" className="rounded-md border border-slate-300 px-3 py-2 text-sm" />
      <input name="name" placeholder="name (optional)" aria-label="Name" className="rounded-md border border-slate-300 px-3 py-2 text-sm" />
      <input name="password" type="password" required minLength={12} placeholder="password (12+ characters)" aria-label="Password" className="rounded-md border border-slate-300 px-3 py-2 text-sm" />
      <select name="role" aria-label="Role" className="rounded-md border border-slate-300 px-3 py-2 text-sm" defaultValue="researcher">
        <option value="researcher">researcher</option>
        <option value="admin">admin</option>
      </select>
      <button type="submit" className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">Create</button>
      {message && <p role="status" className={`text-sm sm:col-span-5 ${message.ok ? 'text-green-700' : 'text-red-700'}`}>{message.text}</p>}
    </form>
  );
}
