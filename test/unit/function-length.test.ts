/**
 * `npm run lint` keeps desk commands and ingest stages short: these lint functions as if they
 * sat in the folders named, with the project's own ESLint configuration.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint();

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'max-lines-per-function')
    .map((m) => m.message);
}

/** A function of exactly `lines` lines, its signature and closing brace included. */
function functionOf(lines: number): string {
  const body = Array.from({ length: lines - 4 }, (_, i) => `  total += ${i};`);
  const head = ['export function long(): number {', '  let total = 0;'];
  return [...head, ...body, '  return total;', '}'].join('\n') + '\n';
}

describe('function length', () => {
  it('counts the fixture as written', () => {
    assert.equal(functionOf(81).trimEnd().split('\n').length, 81);
  });

  it('refuses an 81-line function in the desk and in Slack ingest', async () => {
    for (const file of ['src/desk/example.ts', 'src/channels/slack/ingest/example.ts']) {
      const found = await problems(file, functionOf(81));
      assert.equal(found.length, 1, file);
      assert.match(found[0]!, /too many lines \(81\)\. Maximum allowed is 80/);
    }
  });

  it('lets an 80-line function through, and longer ones outside those folders', async () => {
    assert.deepEqual(await problems('src/desk/example.ts', functionOf(80)), []);
    assert.deepEqual(await problems('src/http/example.ts', functionOf(81)), []);
  });
});
