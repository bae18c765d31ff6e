#!/usr/bin/env node
/**
 * The long soak of test/integration/faults-kill.test.ts: the same kill -9 checks (scan, re-cluster,
 * people import) with a new seed each round, so that many more kill points are tried.
 *   node scripts/soak-kill.js [ROUNDS=20] [FIRST_SEED=1]
 * Stops at the first failing round and prints its seed (rerun it with VISAGE_KILL_SEED=N).
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const rounds = Number(process.argv[2] ?? 20);
const first = Number(process.argv[3] ?? 1);
const root = path.resolve(__dirname, '..');
for (let seed = first; seed < first + rounds; seed++) {
  const t0 = Date.now();
  const r = spawnSync('npx', ['vitest', 'run', 'test/integration/faults-kill.test.ts'], {
    cwd: root,
    env: { ...process.env, VISAGE_KILL_SEED: String(seed) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.stdout.write(`seed ${seed}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  if (r.status !== 0) {
    process.stdout.write(`rerun: VISAGE_KILL_SEED=${seed} npx vitest run test/integration/faults-kill.test.ts\n`);
    process.exit(1);
  }
}
