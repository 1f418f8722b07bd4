import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { WEB_DIST } from '../../src/http/web-app.ts';

/** The built web app's index.html; fails the suite with what to run when there is none. */
export function requireWebBuild(): string {
  const index = path.join(WEB_DIST, 'index.html');
  assert.ok(
    existsSync(index),
    `the web app is not built (${index} is missing): run \`npm run build:web\` (npm ci does)`,
  );
  return index;
}
