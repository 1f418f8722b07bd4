/**
 * `npm run lint` holds the direction of imports: these lint snippets as if they sat in the
 * folders named, with the project's own ESLint configuration.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint();

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('import direction', () => {
  it('refuses http, channels or web in the desk and the rules', async () => {
    for (const [file, from] of [
      ['src/desk/tickets/example.ts', '../../http/errors.ts'],
      ['src/desk/example.ts', '../channels/slack/ingest/via.ts'],
      ['src/rules/example.ts', '../web/src/main.ts'],
    ]) {
      const found = await problems(file!, `import { x } from '${from}';\nexport const y = x;\n`);
      assert.equal(found.length, 1, `${file} importing ${from}`);
      assert.match(found[0]!, /desk and rules never import http, channels or web/);
    }
  });

  it('refuses the desk in the database layer', async () => {
    const found = await problems(
      'src/db/example.ts',
      "import { isAgent } from '../desk/context.ts';\nexport const y = isAgent;\n",
    );
    assert.equal(found.length, 1);
    assert.match(found[0]!, /db never imports the layers above it/);
  });

  it('refuses a channel in http', async () => {
    for (const [file, from] of [
      ['src/http/app.ts', '../channels/slack/routes.ts'],
      ['src/http/routes/example.ts', '../../channels/channel.ts'],
    ]) {
      const found = await problems(file!, `import { x } from '${from}';\nexport const y = x;\n`);
      assert.equal(found.length, 1, `${file} importing ${from}`);
      assert.match(found[0]!, /http never imports a channel/);
    }
  });

  it('lets a channel import from http only what routes share', async () => {
    const found = await problems(
      'src/channels/slack/example.ts',
      "import { authenticate } from '../../http/auth.ts';\nexport const y = authenticate;\n",
    );
    assert.equal(found.length, 1);
    assert.match(found[0]!, /channels import from http only src\/http\/shared\//);
    const context = await problems(
      'src/channels/slack/example.ts',
      "import type { Services } from '../../http/context.ts';\nexport type S = Services;\n",
    );
    assert.equal(context.length, 1);
    assert.deepEqual(
      await problems(
        'src/channels/slack/example.ts',
        "import { x } from '../../http/shared/errors.ts';\nexport const y = x;\n",
      ),
      [],
    );
  });

  it('lets each layer import the ones below it', async () => {
    assert.deepEqual(
      await problems(
        'src/desk/example.ts',
        "import type { Db } from '../db/index.ts';\nexport type X = Db;\n",
      ),
      [],
    );
    assert.deepEqual(
      await problems(
        'src/http/example.ts',
        "import { isAgent } from '../desk/context.ts';\nexport const y = isAgent;\n",
      ),
      [],
    );
  });
});
