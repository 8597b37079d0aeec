import { describe, expect, it } from 'vitest';
import { helpText, intFlag, parseCommandArgs, type TCommand, UsageError } from './framework';

const cmd: TCommand = {
  name: 'jobs list',
  summary: 'List jobs.',
  options: { limit: { type: 'string', description: 'how many', valueName: 'N' }, json: { type: 'boolean', description: 'JSON' } },
  run: async () => 0,
};

describe('CLI framework', () => {
  it('parses declared flags', () => {
    const parsed = parseCommandArgs(cmd, ['--limit', '5', '--json']);
    expect(parsed.values).toMatchObject({ limit: '5', json: true });
  });

  it('rejects unknown flags with a usage error', () => {
    expect(() => parseCommandArgs(cmd, ['--limt', '5'])).toThrowError(UsageError);
    expect(() => parseCommandArgs(cmd, ['--limt', '5'])).toThrowError(/--limt/);
  });

  it('checks whole-number flags and names them', () => {
    expect(intFlag({ limit: '7' }, 'limit', 50, 1, 500)).toBe(7);
    expect(intFlag({}, 'limit', 50, 1, 500)).toBe(50);
    expect(() => intFlag({ limit: 'many' }, 'limit', 50, 1, 500)).toThrowError(/--limit must be a whole number/);
    expect(() => intFlag({ limit: '0' }, 'limit', 50, 1, 500)).toThrowError(/--limit must be from 1 to 500/);
  });

  it('documents every option in --help', () => {
    const text = helpText(cmd);
    expect(text).toContain('Usage: arena jobs list [options]');
    expect(text).toContain('--limit N');
    expect(text).toContain('--help');
  });
});
