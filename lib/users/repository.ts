import { db } from '../db';

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === 'P2002';

export async function insertUser(data: { email: string; name?: string; passwordHash: string; role: string }) {
  const prisma = await db();
  try {
    return await prisma.user.create({ data });
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
}

export async function findUserWithSecret(email: string) {
  const prisma = await db();
  return prisma.user.findUnique({ where: { email }, omit: { passwordHash: false } });
}

export async function findUserById(id: string) {
  const prisma = await db();
  return prisma.user.findUnique({ where: { id } });
}

export async function listUsers() {
  const prisma = await db();
  return prisma.user.findMany({ orderBy: { createdAt: 'asc' } });
}

export async function countUsers(where: { role?: string } = {}) {
  const prisma = await db();
  return prisma.user.count({ where });
}

export async function findThrottle(key: string) {
  const prisma = await db();
  return prisma.loginThrottle.findUnique({ where: { key } });
}

export async function saveThrottle(key: string, data: { failures: number; lastFailureAt: Date; lockedUntil: Date | null }) {
  const prisma = await db();
  await prisma.loginThrottle.upsert({ where: { key }, create: { key, ...data }, update: data });
}

export async function clearThrottle(key: string) {
  const prisma = await db();
  await prisma.loginThrottle.deleteMany({ where: { key } });
}
