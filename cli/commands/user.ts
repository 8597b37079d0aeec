import { createInterface } from 'node:readline/promises';
import { createUser, listUserViews } from '../../lib/users/service';
import { type TCommand, UsageError } from '../framework';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function promptHidden(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
  let asked = false;
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (!asked) {
      write(s);
      asked = true;
    }
  };
  const answer = await rl.question(question);
  rl.close();
  process.stderr.write('\n');
  return answer;
}

export const userCreate: TCommand = {
  name: 'user create',
  summary: 'Create a researcher or admin account.',
  options: {
    email: { type: 'string', description: 'the account email (required)', valueName: 'EMAIL' },
    name: { type: 'string', description: 'display name', valueName: 'NAME' },
    role: { type: 'string', description: 'admin or researcher (default researcher)', valueName: 'ROLE' },
    'password-stdin': { type: 'boolean', description: 'read the password from standard input (for scripts)' },
    json: { type: 'boolean', description: 'print the created user as JSON' },
  },
  details: 'Without --password-stdin the password is asked for on the terminal (not echoed). Passwords need 12+ characters.',
  async run({ values }) {
    const email = values.email as string | undefined;
    if (!email) throw new UsageError('--email is required');
    const role = (values.role as string | undefined) ?? 'researcher';
    if (role !== 'admin' && role !== 'researcher') throw new UsageError(`--role must be admin or researcher (got ${JSON.stringify(role)})`);
    let password: string;
    if (values['password-stdin']) password = await readStdin();
    else if (process.stdin.isTTY) password = await promptHidden(`Password for ${email}: `);
    else throw new UsageError('no terminal to ask for the password: pass it on standard input with --password-stdin');
    const user = await createUser({ email, password, role, name: values.name as string | undefined });
    if (values.json) console.log(JSON.stringify(user));
    else console.log(`Created ${user.role} ${user.email}. Sign in at /signin.`);
    return 0;
  },
};

export const userList: TCommand = {
  name: 'user list',
  summary: 'List accounts.',
  options: { json: { type: 'boolean', description: 'print JSON' } },
  async run({ values }) {
    const users = await listUserViews();
    if (values.json) console.log(JSON.stringify(users, null, 2));
    else for (const u of users) console.log(`${u.role.padEnd(10)} ${u.email}${u.disabled ? ' (disabled)' : ''}`);
    return 0;
  },
};
