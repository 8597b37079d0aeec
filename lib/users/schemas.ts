import { z } from 'zod';
import { PASSWORD_MIN_LENGTH } from '../auth/password';

export const ZRole = z.enum(['admin', 'researcher']);
export type TRole = z.infer<typeof ZRole>;

export const ZCreateUserSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email({ error: 'must be an email address' })),
  password: z.string().min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`).max(1024),
  name: z.string().trim().max(200).optional(),
  role: ZRole.default('researcher'),
});
export type TCreateUser = z.input<typeof ZCreateUserSchema>;

export const ZUserView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role: ZRole,
  disabled: z.boolean(),
  createdAt: z.string(),
});
export type TUserView = z.infer<typeof ZUserView>;
