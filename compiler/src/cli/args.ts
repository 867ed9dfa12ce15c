/**
 * The one argument parser every command uses: node's `util.parseArgs`, strict, with each
 * command's options declared once (their help text included), so `--help`, "did you mean" and
 * the one-line usage errors come from the same table that parses.
 */
import { parseArgs } from 'node:util';
import { didYouMean } from '../suggest';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in help (`--port <n>`). */
  value?: string;
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface Parsed {
  /** Option values by name; booleans are true or absent. */
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** A mistake in how a command was called: printed on one line, exit status 2. */
export class UsageError extends Error {}

/** The options every command takes besides its own. */
export const COMMON: OptionSpecs = {
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** Parses `argv` against `specs`; throws UsageError naming the option (and the closest one). */
export function parse(argv: readonly string[], specs: OptionSpecs): Parsed {
  const all = { ...specs, ...COMMON };
  const options = Object.fromEntries(Object.entries(all).map(([name, s]) => [name, s.short ? { type: s.type, short: s.short } : { type: s.type }]));
  try {
    const r = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { values: { ...r.values } as Parsed['values'], positionals: r.positionals };
  } catch (e) {
    throw new UsageError(parseErrorText(e, all));
  }
}

/** parseArgs' messages are several sentences; ours are one line with the fix. */
function parseErrorText(e: unknown, specs: OptionSpecs): string {
  const code = (e as { code?: string }).code;
  const message = e instanceof Error ? e.message : String(e);
  const option = /Option '(-[^' ]+)/.exec(message)?.[1] ?? /Unknown option '([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    const name = option.replace(/^-+/, '').split('=')[0];
    return `unknown option '${option}'${didYouMean(name, Object.keys(specs)).replace(/'([^']+)'\?$/, "'--$1'?")}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    const name = option.replace(/^-+/, '');
    const spec = specs[name] ?? Object.values(specs).find((s) => s.short === name);
    if (spec?.type === 'boolean') return `${option} takes no value`;
    if (/ambiguous/.test(message)) return `${option} needs a ${spec?.value ?? 'value'} (for one starting with '-', write ${option}=<value>)`;
    return `${option} needs a ${spec?.value ?? 'value'}`;
  }
  return message.split('\n')[0];
}

/** A string option's value as a whole number in [min, max], or undefined when absent. */
export function intOption(values: Parsed['values'], name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`--${name} needs a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got '${String(v)}'`);
  return n;
}

/** A string option that must be one of `allowed` (the first is the default). */
export function choice<T extends string>(values: Parsed['values'], name: string, allowed: readonly T[], what = `--${name}`): T {
  const v = values[name];
  if (v === undefined) return allowed[0];
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new UsageError(`${what} must be ${allowed.join(' or ')}, got '${String(v)}'${didYouMean(String(v), allowed)}`);
  return v as T;
}

/** Help text for a command's options, aligned. */
export function optionsHelp(specs: OptionSpecs): string {
  const rows = Object.entries({ ...specs, ...COMMON }).map(([name, s]) => [`${s.short ? `-${s.short}, ` : '    '}--${name}${s.type === 'string' ? ` <${s.value ?? 'value'}>` : ''}`, s.help]);
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return rows.map(([left, help]) => `  ${left.padEnd(width)}${help}`).join('\n');
}
