import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../app/cli/command';

describe('CLI flag parser', () => {
  const spec = { values: { data: 'string' as const, n: 'number' as const, d: 'strings' as const }, booleans: ['json'] };

  it('parses values, numbers, repeated flags, booleans and positionals', () => {
    const p = parseArgs(['a.jpg', '--data', 'x', '--n=3', '--json', '--d', 'p', '--d', 'q', 'b.jpg'], spec);
    expect(p.positionals).toEqual(['a.jpg', 'b.jpg']);
    expect(p.values).toEqual({ data: 'x', n: 3, d: ['p', 'q'] });
    expect(p.flags.has('json')).toBe(true);
  });

  it('rejects unknown flags, missing values and bad numbers', () => {
    expect(() => parseArgs(['--nope'], spec)).toThrow(UsageError);
    expect(() => parseArgs(['--data'], spec)).toThrow(/needs a value/);
    expect(() => parseArgs(['--data', '--json'], spec)).toThrow(/needs a value/);
    expect(() => parseArgs(['--n', 'many'], spec)).toThrow(/number/);
    expect(() => parseArgs(['--json=1'], spec)).toThrow(/no value/);
  });
});
