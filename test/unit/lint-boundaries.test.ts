/**
 * The import-boundary checks can fail: a probe file that breaks a rule is written into the tree,
 * the checker `npm run lint` runs is run on it through its Node API, and the violation must name
 * the rule. The probes are removed whatever happens.
 *
 * dependency-cruiser (.dependency-cruiser.cjs) holds the folder layers and the cycle rule; ESLint
 * (eslint.config.mjs) repeats the renderer's rule for `import type` in .svelte files, which
 * dependency-cruiser cannot see.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ICruiseResult, IViolation } from 'dependency-cruiser';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const configFile = path.join(root, '.dependency-cruiser.cjs');

/** Writes `files` (paths from the repository root), runs `check` on them, removes them. */
async function withProbes<T>(files: Record<string, string>, check: (paths: string[]) => Promise<T>): Promise<T> {
  const paths = Object.keys(files);
  try {
    for (const p of paths) {
      const at = path.join(root, p);
      if (fs.existsSync(at)) throw new Error(`${p} exists already`);
      fs.writeFileSync(at, files[p]!);
    }
    return await check(paths);
  } finally {
    for (const p of paths) fs.rmSync(path.join(root, p), { force: true });
  }
}

/** The violations dependency-cruiser finds from `paths`, with the repository's configuration. */
async function violations(paths: string[], maxDepth = 0): Promise<IViolation[]> {
  const { cruise } = await import('dependency-cruiser');
  const { default: extractDepcruiseOptions } = await import('dependency-cruiser/config-utl/extract-depcruise-options');
  const { default: extractTSConfig } = await import('dependency-cruiser/config-utl/extract-ts-config');
  const options = await extractDepcruiseOptions(configFile);
  const cwd = process.cwd();
  process.chdir(root); // the rules match paths relative to the repository root
  try {
    const result = await cruise(paths, { ...options, maxDepth, outputType: 'json' }, undefined, {
      tsConfig: extractTSConfig(path.join(root, 'tsconfig.json')),
    });
    const output = JSON.parse(result.output as string) as ICruiseResult;
    return output.summary.violations;
  } finally {
    process.chdir(cwd);
  }
}

const probe = `__lint_probe_${process.pid}__`;

describe('import boundaries (dependency-cruiser)', () => {
  it('the layers form a DAG', () => {
    const require = createRequire(__filename);
    const { layers } = require(configFile) as { layers: Record<string, { may: string[] }> };
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (folder: string, trail: string[]): void => {
      if (state.get(folder) === 'done') return;
      if (state.get(folder) === 'visiting') throw new Error(`layer cycle: ${[...trail, folder].join(' -> ')}`);
      state.set(folder, 'visiting');
      for (const below of layers[folder]?.may ?? []) {
        expect(Object.keys(layers)).toContain(below);
        visit(below, [...trail, folder]);
      }
      state.set(folder, 'done');
    };
    for (const folder of Object.keys(layers)) visit(folder, []);
  });

  it('faces may not import people, store, learning, engine, library, interop, server, cli or eval', async () => {
    const above = ['people/vector', 'store/store', 'learning/head', 'engine/host', 'library/scanner', 'interop/people-file', 'server/http-server', 'cli/main', 'eval/lfw-eval'];
    const file = `app/faces/${probe}.ts`;
    const found = await withProbes({ [file]: above.map((m) => `import '../${m}';\n`).join('') }, (paths) => violations(paths, 1));
    const ours = found.filter((v) => v.from === file);
    expect(ours.map((v) => v.rule.name)).toEqual(above.map(() => 'layer-faces'));
    expect(ours.map((v) => v.to).sort()).toEqual(above.map((m) => `app/${m}.ts`).sort());
  });

  it('faces may import the contract and the platform', async () => {
    const file = `app/faces/${probe}.ts`;
    const found = await withProbes({ [file]: "import '../contract/contract';\nimport '../platform/paths';\n" }, (paths) => violations(paths, 1));
    expect(found.filter((v) => v.from === file)).toEqual([]);
  });

  it('store may not import what stands on it', async () => {
    const file = `app/store/${probe}.ts`;
    const found = await withProbes({ [file]: "import '../people/vector';\nimport '../cli/command';\n" }, (paths) => violations(paths, 1));
    expect(found.filter((v) => v.from === file).map((v) => [v.rule.name, v.to]).sort()).toEqual([
      ['layer-store', 'app/cli/command.ts'],
      ['layer-store', 'app/people/vector.ts'],
    ]);
  });

  it('the renderer may not import app/store (a type import included)', async () => {
    const file = `renderer/src/lib/${probe}.ts`;
    const found = await withProbes(
      { [file]: "import type { Store } from '../../../app/store/store';\nexport type S = Store;\n" },
      (paths) => violations(paths, 1),
    );
    expect(found.filter((v) => v.from === file).map((v) => [v.rule.name, v.to])).toEqual([['layer-renderer', 'app/store/store.ts']]);
  });

  it('main may not import the engine', async () => {
    const file = `main/${probe}.ts`;
    const found = await withProbes({ [file]: "import '../app/engine/client';\n" }, (paths) => violations(paths, 1));
    expect(found.filter((v) => v.from === file).map((v) => v.rule.name)).toEqual(['layer-main']);
  });

  it('two files that import each other are a cycle', async () => {
    const a = `app/faces/${probe}a.ts`;
    const b = `app/faces/${probe}b.ts`;
    const found = await withProbes(
      { [a]: `import { b } from './${probe}b';\nexport const a = () => b;\n`, [b]: `import { a } from './${probe}a';\nexport const b = () => a;\n` },
      (paths) => violations(paths),
    );
    // One violation per cycle, listing its modules.
    const cycles = found.filter((v) => v.rule.name === 'no-circular');
    expect(cycles).toHaveLength(1);
    expect([a, b]).toContain(cycles[0]!.from);
    expect(cycles[0]!.cycle?.map((d) => d.name).sort()).toEqual([a, b]);
  });
});

describe('import boundaries (ESLint, for .svelte files)', () => {
  it('a component may not import a type from app/store', async () => {
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintText(
      '<script lang="ts">\n  import type { Store } from \'../../../app/store/store\';\n  let s: Store | null = null;\n</script>\n<p>{s}</p>\n',
      { filePath: path.join(root, `renderer/src/components/${probe}.svelte`) },
    );
    expect(result?.messages.map((m) => m.ruleId)).toEqual(['no-restricted-imports']);
  });
});

describe('SQL only in app/store (ESLint)', () => {
  // The probes are written to disk and linted in one call: the type-aware rules lint only files of
  // the tsconfig program, which typescript-eslint builds once per process.
  const dirs = ['app/people', 'app/cli/commands', 'app/store'] as const;
  const counts = new Map<string, number>();

  beforeAll(async () => {
    const files = dirs.map((d) => path.join(root, d, `${probe}.ts`));
    for (const file of files) {
      fs.writeFileSync(
        file,
        "import type Database from 'better-sqlite3';\nexport const n = (db: Database.Database) => db.prepare('SELECT 1').get();\nexport const m = (store: { db: Database.Database }) => store.db.exec('DELETE FROM persons');\n",
      );
    }
    try {
      const results = await new ESLint({ cwd: root }).lintFiles(files);
      for (const r of results) {
        expect(r.messages.filter((m) => m.fatal), r.filePath).toEqual([]);
        counts.set(path.relative(root, path.dirname(r.filePath)).split(path.sep).join('/'), r.messages.filter((m) => m.ruleId === 'no-restricted-syntax').length);
      }
    } finally {
      for (const file of files) fs.rmSync(file, { force: true });
    }
  }, 180_000);

  it('a prepared statement or db.exec() outside app/store is an error', () => {
    expect(counts.get('app/people')).toBe(2);
    expect(counts.get('app/cli/commands')).toBe(2);
  });

  it('inside app/store it is what a repository does', () => {
    expect(counts.get('app/store')).toBe(0);
  });
});
