import { disconnectDb } from '../lib/db';
import { env, EnvError } from '../lib/env';
import { AppError } from '../lib/errors';
import { helpText, parseCommandArgs, type TCommand, UsageError } from './framework';
import { bt } from './commands/bt';
import { jobsCancel, jobsEnqueue, jobsList, jobsRetry } from './commands/jobs';
import { fixture, inspect } from './commands/onnx';
import { compress } from './commands/compress';
import { generate } from './commands/generate';
import { modelsAcceptStudent, modelsAdd, modelsList } from './commands/models';
import { plan } from './commands/plan';
import { reproduction } from './commands/reproduction';
import { scoreGeneval } from './commands/score';
import { scoreClip, scoreHps } from './commands/score-hps';
import { sensitivity } from './commands/sensitivity';
import { train } from './commands/train';
import { migrate, worker } from './commands/system';
import { userCreate, userList } from './commands/user';

/** Every verb of `arena`; later features add theirs here. */
const COMMANDS: TCommand[] = [userCreate, userList, migrate, worker, jobsList, jobsEnqueue, jobsCancel, jobsRetry, fixture, inspect, sensitivity, plan, compress, modelsAdd, modelsList, modelsAcceptStudent, generate, scoreGeneval, scoreHps, scoreClip, bt, train, reproduction];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'Usage: arena <command> [options]',
    '',
    'PruneArena from the command line. Configuration comes from the environment (see .env.example).',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'arena <command> --help' for a command's options.",
  ].join('\n');
}

/** Finds the longest command name that prefixes argv ("jobs list" before "jobs"). */
function findCommand(argv: string[]): { cmd: TCommand; rest: string[] } | null {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const cmd = COMMANDS.find((c) => c.name === name);
    if (cmd) return { cmd, rest: argv.slice(words) };
  }
  return null;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(overview());
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(argv[0] + ' '));
    console.error(
      group.length
        ? `arena: '${argv.slice(0, 2).join(' ')}' is not a command. Try one of: ${group.map((c) => c.name).join(', ')}.`
        : `arena: unknown command '${argv[0]}'. Run 'arena --help' for the list.`,
    );
    return 2;
  }
  const { cmd, rest } = found;
  try {
    const parsed = parseCommandArgs(cmd, rest);
    if (parsed.values.help) {
      console.log(helpText(cmd));
      return 0;
    }
    env();
    return await cmd.run(parsed as never);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`arena ${cmd.name}: ${err.message}\nRun 'arena ${cmd.name} --help' for usage.`);
      return 2;
    }
    if (err instanceof EnvError) {
      console.error(err.message);
      return 2;
    }
    // A mistake in what was asked (a taken name, a bad bundle, no such job): say it, exit 1.
    if (err instanceof AppError && err.status < 500) {
      console.error(`arena ${cmd.name}: ${err.message}`);
      return 1;
    }
    console.error(`arena ${cmd.name}: ${(err as Error).stack ?? err}`);
    return 1;
  } finally {
    if (cmd.name !== 'worker') await disconnectDb().catch(() => {});
  }
}
