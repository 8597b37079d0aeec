import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disconnectDb } from '../db';
import { resetEnvForTests } from '../env';
import { enqueueJob } from '../jobs/service';
import { upsertWorkerHeartbeat } from '../jobs/repository';
import { createTestDatabase, testProviders, type TTestDatabase } from '../testing/databases';
import { health } from './service';

describe.each(testProviders())('health on %s', (provider) => {
  let database: TTestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
  });
  afterAll(async () => database?.drop());

  it('reports the database, the newest worker heartbeat and the queue depth per state', async () => {
    let h = await health();
    expect(h).toMatchObject({ status: 'degraded', database: { provider, ok: true }, workers: { newestHeartbeatAgeSeconds: null, alive: false } });
    expect(h.queue).toEqual({ queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 });

    await enqueueJob('demo.selftest', { steps: 1 });
    await upsertWorkerHeartbeat({ id: 'w1', hostname: 'test', pid: 1, concurrency: 1, runningJobs: 0 });
    h = await health();
    expect(h.status).toBe('ok');
    expect(h.workers.alive).toBe(true);
    expect(h.workers.newestHeartbeatAgeSeconds).toBeLessThan(5);
    expect(h.queue?.queued).toBe(1);
  });

  it('says the database is down when it cannot be reached', async () => {
    const previous = process.env.DATABASE_URL;
    await disconnectDb();
    // SQLite: a path whose parent is a file cannot be opened; PostgreSQL: nothing listens on port 1.
    const blocker = path.join(database.dataDir, 'not-a-folder');
    fs.writeFileSync(blocker, '');
    process.env.DATABASE_URL = provider === 'sqlite' ? `file:${blocker}/arena.db` : 'postgres://nobody:wrong@127.0.0.1:1/none';
    resetEnvForTests();
    try {
      const h = await health();
      expect(h.status).toBe('down');
      expect(h.database.ok).toBe(false);
      expect(h.database.error).toBeTruthy();
      expect(h.queue).toBeNull();
    } finally {
      await disconnectDb();
      process.env.DATABASE_URL = previous;
      resetEnvForTests();
    }
  });
});
