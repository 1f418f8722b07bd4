import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

/** Every string the app shows comes from web/src/locales/<lang>/*.json: English and Italian
 * must name the same keys, or an Italian agent sees English (or a raw key) somewhere. */
const root = path.resolve('web/src/locales');

function keysOf(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix];
  assert.ok(value && typeof value === 'object', `${prefix}: neither a string nor an object`);
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    keysOf(v, prefix ? `${prefix}.${k}` : k),
  );
}

/** i18next's plural suffixes differ by language only in which ones exist; English and Italian
 * both use _one/_other, so the sets can be compared directly. */
function load(lang: string): Map<string, string> {
  const owner = new Map<string, string>();
  for (const file of readdirSync(path.join(root, lang)).sort()) {
    const strings = JSON.parse(readFileSync(path.join(root, lang, file), 'utf8')) as unknown;
    for (const key of keysOf(strings)) {
      assert.ok(!owner.has(key), `${lang}/${file}: ${key} is also in ${lang}/${owner.get(key)}`);
      owner.set(key, file);
    }
  }
  return owner;
}

describe('web translations', () => {
  it('English and Italian have the same files and the same keys, none defined twice', () => {
    assert.deepEqual(
      readdirSync(path.join(root, 'it')).sort(),
      readdirSync(path.join(root, 'en')).sort(),
    );
    const en = load('en');
    const it = load('it');
    assert.deepEqual(
      [...it.keys()].filter((k) => !en.has(k)),
      [],
      'in Italian only',
    );
    assert.deepEqual(
      [...en.keys()].filter((k) => !it.has(k)),
      [],
      'in English only',
    );
  });
});
