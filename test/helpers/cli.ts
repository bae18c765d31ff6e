import { spawnSync } from 'node:child_process';
import { CLI, ROOT } from './paths';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON (eval commands print their result there). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the CLI's JSON field by field and assert on it
  lastJson: () => any;
}

export function runCli(args: string[], opts: { timeout?: number; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: opts.timeout ?? 300_000,
    env: { ...process.env, ...opts.env },
  });
  const stdout = r.stdout ?? '';
  return {
    code: r.status ?? -1,
    stdout,
    stderr: r.stderr ?? '',
    lastJson: () => {
      const lines = stdout.trim().split('\n');
      return JSON.parse(lines[lines.length - 1]!);
    },
  };
}
