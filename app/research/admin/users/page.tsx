import { requireResearcherPage } from '@/lib/auth/session';
import { listUserViews } from '@/lib/users/service';
import { CreateUserForm } from './create-user-form';

export const metadata = { title: 'Users' };
export const dynamic = 'force-dynamic';

export default async function UsersPage() {
  const user = await requireResearcherPage('/research/admin/users');
  if (user.role !== 'admin') {
    return (
      <div className="rounded-lg border border-amber-200 bg-amber-50 p-6 text-amber-900" role="alert">
        <h1 className="text-lg font-semibold">Admins only</h1>
        <p className="text-sm">Your account ({user.email}) is a researcher account. Ask an admin to add users.</p>
      </div>
    );
  }
  const users = await listUserViews();
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Users</h1>
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <thead className="bg-slate-50 text-slate-600">
            <tr><th className="px-4 py-2">Email</th><th className="px-4 py-2">Name</th><th className="px-4 py-2">Role</th><th className="px-4 py-2">Created</th></tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} className="border-t border-slate-100">
                <td className="px-4 py-2">{u.email}</td>
                <td className="px-4 py-2">{u.name ?? '—'}</td>
                <td className="px-4 py-2">{u.role}{u.disabled ? ' (disabled)' : ''}</td>
                <td className="px-4 py-2">{new Date(u.createdAt).toLocaleDateString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <CreateUserForm />
    </div>
  );
}
