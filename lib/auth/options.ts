import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { env } from '../env';
import { signIn } from '../users/service';
import { authSecret } from './secret';

/** next-auth: email + password, sessions as signed JWT cookies holding the user id and role. */
export function authOptions(): NextAuthOptions {
  return {
    secret: authSecret(),
    session: { strategy: 'jwt', maxAge: 12 * 60 * 60 },
    pages: { signIn: '/signin', signOut: '/signout', error: '/signin' },
    useSecureCookies: env().SECURE_COOKIES,
    providers: [
      CredentialsProvider({
        name: 'Email and password',
        credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
        async authorize(credentials) {
          const email = credentials?.email ?? '';
          const password = credentials?.password ?? '';
          if (!email || !password) throw new Error('Enter your email and password.');
          const result = await signIn(email, password);
          if (result.ok) return { id: result.user.id, email: result.user.email, name: result.user.name, role: result.user.role };
          if (result.reason === 'locked') {
            throw new Error(`Too many failed sign-ins. Try again in ${result.retryAfterSeconds} seconds.`);
          }
          throw new Error('That email and password do not match an account.');
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          token.uid = user.id;
          token.role = (user as { role?: string }).role;
        }
        return token;
      },
      async session({ session, token }) {
        if (session.user) {
          (session.user as { id?: string; role?: string }).id = token.uid as string;
          (session.user as { id?: string; role?: string }).role = token.role as string;
        }
        return session;
      },
    },
  };
}
