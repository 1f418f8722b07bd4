/**
 * `npm test`: starts one embedded PostgreSQL for the whole run (each suite makes its own
 * database in it), then runs every *.test.ts under test/ with Node's test runner.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createMigratedTemplates } from './helpers/templates.ts';
import { startEmbeddedPostgres } from './helpers/postgres.ts';

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const only = process.argv.slice(2);
const files = only.length ? only : findTests('test');
const pg = await startEmbeddedPostgres({ forTests: true });
let code = 1;
try {
  const templates = await createMigratedTemplates(pg.url);
  code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
      {
        stdio: 'inherit',
        env: {
          ...process.env,
          PARLEY_TEST_PG_URL: pg.url,
          PARLEY_TEST_PG_TEMPLATE: templates.pgTemplate,
          PARLEY_TEST_SQLITE_TEMPLATE: templates.sqliteFile,
        },
      },
    );
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
} finally {
  await pg.stop();
}
process.exit(code);
