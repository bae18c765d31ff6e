/**
 * app/store/schema.sql is the schema of a new library as the migrations build it, and can never
 * drift: a database built by the migrations must give exactly that file (regenerate it with
 * `node scripts/dump-schema.js`), and the file itself must build the same database.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../app/store/database';
import { LATEST_VERSION } from '../../app/store/migrations';
import { freshSchemaSql, schemaSql } from '../../app/store/schema';

const FILE = path.join(__dirname, '..', '..', 'app', 'store', 'schema.sql');

describe('app/store/schema.sql', () => {
  it('equals the schema of a database built by the migrations (run node scripts/dump-schema.js after a new migration)', () => {
    expect(fs.readFileSync(FILE, 'utf8')).toBe(freshSchemaSql());
  });

  it('builds the same database as the migrations', () => {
    const fromFile = new Database(':memory:');
    const migrated = openDatabase(':memory:');
    try {
      fromFile.exec(fs.readFileSync(FILE, 'utf8'));
      expect(fromFile.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      expect(schemaSql(fromFile)).toBe(schemaSql(migrated));
    } finally {
      fromFile.close();
      migrated.close();
    }
  });
});
