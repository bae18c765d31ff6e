/**
 * The CLI's command shape. Each command lives in app/cli/commands/<name>.ts and is listed in
 * app/cli/commands/index.ts. Results go to stdout (JSON with --json, the LAST line being one JSON
 * object for eval commands); progress goes to stderr.
 */
export interface CliCommand {
  name: string;
  /** One line for `visage help`. */
  summary: string;
  /** Usage text shown on errors and by `visage help NAME`. */
  usage: string;
  run(args: string[]): Promise<number>;
}

/** A user error: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** Flags that take a value, e.g. { data: 'string', faces: 'number' }. */
  values?: Record<string, 'string' | 'number' | 'strings'>;
  /** Boolean flags, e.g. ['json']. */
  booleans?: string[];
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | number | string[] | undefined>;
  flags: Set<string>;
}

/** Strict flag parser: unknown flags and missing values are UsageErrors. */
export function parseArgs(args: string[], spec: FlagSpec): ParsedArgs {
  const values: ParsedArgs['values'] = {};
  const flags = new Set<string>();
  const positionals: string[] = [];
  const valueKinds = spec.values ?? {};
  const booleans = new Set(spec.booleans ?? []);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      let name = a.slice(2);
      let inline: string | undefined;
      const eq = name.indexOf('=');
      if (eq >= 0) {
        inline = name.slice(eq + 1);
        name = name.slice(0, eq);
      }
      if (booleans.has(name)) {
        if (inline !== undefined) throw new UsageError(`flag --${name} takes no value`);
        flags.add(name);
        continue;
      }
      const kind = valueKinds[name];
      if (!kind) throw new UsageError(`unknown flag --${name}`);
      const raw = inline ?? args[++i];
      if (raw === undefined || (inline === undefined && raw.startsWith('--'))) {
        throw new UsageError(`flag --${name} needs a value`);
      }
      if (kind === 'number') {
        const n = Number(raw);
        if (!Number.isFinite(n)) throw new UsageError(`flag --${name} needs a number, got "${raw}"`);
        values[name] = n;
      } else if (kind === 'strings') {
        const prev = values[name];
        values[name] = [...(Array.isArray(prev) ? prev : []), raw];
      } else {
        values[name] = raw;
      }
      continue;
    }
    positionals.push(a);
  }
  return { positionals, values, flags };
}

export function stringFlag(p: ParsedArgs, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function numberFlag(p: ParsedArgs, name: string): number | undefined {
  const v = p.values[name];
  return typeof v === 'number' ? v : undefined;
}

/** Progress to stderr (never stdout, which carries results). */
export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}
