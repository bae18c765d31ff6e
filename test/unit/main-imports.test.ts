/**
 * main/ (Electron's main process and preload) talks to the engine only through the contract: of
 * app/ it may import app/contract and app/platform, nothing else (the engine runs in its own
 * utilityProcess, reached by messages).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const MAIN = path.resolve(__dirname, '..', '..', 'main');

describe('main/ imports', () => {
  it('imports nothing of app/ but the contract and the platform helpers', () => {
    const bad: string[] = [];
    for (const f of fs.readdirSync(MAIN).filter((n) => n.endsWith('.ts'))) {
      const src = fs.readFileSync(path.join(MAIN, f), 'utf8');
      for (const m of src.matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1] ?? '';
        if (!spec.startsWith('.')) continue;
        const target = path.relative(path.resolve(MAIN, '..'), path.resolve(MAIN, spec));
        if (target.startsWith('main')) continue;
        if (!/^app\/(contract|platform)\//.test(target.split(path.sep).join('/'))) bad.push(`${f}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
