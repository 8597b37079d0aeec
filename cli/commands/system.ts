import { migrateDeploy } from '../../lib/migrate';
import { runWorkerProcess } from '../../workers/main';
import { intFlag, type TCommand } from '../framework';

export const migrate: TCommand = {
  name: 'migrate',
  summary: 'Apply pending database migrations (SQLite or PostgreSQL, from DATABASE_URL).',
  options: {},
  async run() {
    const { code } = await migrateDeploy();
    return code;
  },
};

export const worker: TCommand = {
  name: 'worker',
  summary: 'Run a worker that drains the job queue until SIGTERM.',
  options: { concurrency: { type: 'string', description: 'jobs at a time (default WORKER_CONCURRENCY)', valueName: 'N' } },
  async run({ values }) {
    const concurrency = values.concurrency === undefined ? undefined : intFlag(values, 'concurrency', 1, 1, 64);
    await runWorkerProcess(concurrency);
    return 0;
  },
};
