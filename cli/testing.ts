import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import { parseCommandArgs, type TCommand } from './framework';

/**
 * For tests of one `arena` command run in-process: a fresh scratch folder per test, and what the
 * command prints through console.log / console.error collected (the same arrays, emptied before
 * each test, so tests can destructure them once).
 */
export function cliHarness(command: TCommand, prefix: string, o: { quietStderr?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    out.length = 0;
    err.length = 0;
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    // progress lines a command writes to stderr
    if (o.quietStderr) vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    out,
    err,
    /** This test's scratch folder, or a path in it. */
    at: (name = '') => path.join(dir, name),
    /** Writes a file in the scratch folder (objects as JSON) and returns its path. */
    write: (name: string, content: unknown) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return file;
    },
    /** Runs the command with these arguments the way cli/main.ts does, minus the process around it. */
    run: (...argv: string[]): Promise<number> => command.run(parseCommandArgs(command, argv) as never),
  };
}
