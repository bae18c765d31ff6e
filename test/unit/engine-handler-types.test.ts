/**
 * The engine's handler table is typed by the contract: TypeScript rejects a handler whose result
 * or params do not match its method (test/helpers/handler-types.fixture.ts, compiled here).
 */
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');

describe('engine handler table types', () => {
  it('rejects handlers whose result or params do not match the contract', () => {
    const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), (f) => ts.sys.readFile(f));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    const program = ts.createProgram([path.join(ROOT, 'test', 'helpers', 'handler-types.fixture.ts')], { ...parsed.options, noEmit: true });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    // Unused @ts-expect-error directives are errors too: every wrong handler above was rejected.
    expect(diagnostics).toEqual([]);
  });
});
