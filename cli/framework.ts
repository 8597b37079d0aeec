import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * A tiny command framework: each verb declares its flags once; `--help` text, strict parsing and
 * the error message for a bad flag all come from that declaration.
 */
export type TOption = { type: 'string' | 'boolean'; short?: string; description: string; valueName?: string; multiple?: boolean };

export type TCommand = {
  /** e.g. "user create" */
  name: string;
  summary: string;
  /** positional arguments, e.g. "MODEL_DIR" */
  args?: string;
  options: Record<string, TOption>;
  details?: string;
  run(input: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }): Promise<number>;
};

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function helpText(cmd: TCommand): string {
  const lines = [`Usage: arena ${cmd.name}${cmd.args ? ' ' + cmd.args : ''}${Object.keys(cmd.options).length ? ' [options]' : ''}`, '', cmd.summary];
  if (cmd.details) lines.push('', cmd.details);
  const opts = Object.entries({ ...cmd.options, help: { type: 'boolean', description: 'show this help' } as TOption });
  lines.push('', 'Options:');
  for (const [name, o] of opts) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`;
    lines.push(`  ${flag.padEnd(30)} ${o.description}`);
  }
  return lines.join('\n');
}

export function parseCommandArgs(cmd: TCommand, argv: string[]) {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(cmd.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, '.'));
  }
}

/** Reads a whole-number flag, or throws a usage error naming the flag. */
export function intFlag(values: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const s = String(raw);
  if (!/^-?\d+$/.test(s)) throw new UsageError(`--${name} must be a whole number (got ${JSON.stringify(s)})`);
  const n = Number(s);
  if (n < min || n > max) throw new UsageError(`--${name} must be from ${min} to ${max} (got ${n})`);
  return n;
}

/** Reads a decimal flag, or throws a usage error naming the flag. */
export function numberFlag(values: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const s = String(raw).trim();
  const n = s === '' ? NaN : Number(s);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number (got ${JSON.stringify(String(raw))})`);
  if (n < min || n > max) throw new UsageError(`--${name} must be from ${min} to ${max} (got ${n})`);
  return n;
}
