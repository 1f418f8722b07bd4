import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pageLanguage, pageT, waitSeconds } from '../../src/http/shared/page-language.ts';

const keysOf = (value: unknown, prefix = ''): string[] =>
  value && typeof value === 'object'
    ? Object.entries(value).flatMap(([k, v]) => keysOf(v, prefix ? `${prefix}.${k}` : k))
    : [prefix];
const locale = (lang: string) =>
  JSON.parse(
    readFileSync(
      new URL(`../../src/http/shared/page-locales/${lang}.json`, import.meta.url),
      'utf8',
    ),
  ) as unknown;

/** The server's own pages (setup, Slack install, their 429s) in the browser's language. */
describe('server page language', () => {
  it('picks the supported language the browser weighs highest, else English', () => {
    assert.equal(pageLanguage(undefined), 'en');
    assert.equal(pageLanguage(''), 'en');
    assert.equal(pageLanguage('it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7'), 'it');
    assert.equal(pageLanguage('en-GB,en;q=0.9,it;q=0.8'), 'en');
    assert.equal(pageLanguage('fr-FR,fr;q=0.9,it;q=0.5'), 'it');
    assert.equal(pageLanguage('de, fr'), 'en');
    assert.equal(pageLanguage('en;q=0.3, IT;q=0.6'), 'it');
    assert.equal(pageLanguage('it;q=0, en;q=0.1'), 'en');
    assert.equal(pageLanguage('it;q=abc'), 'en');
  });

  it('has the same keys in English and Italian', () => {
    assert.deepEqual(keysOf(locale('it')).sort(), keysOf(locale('en')).sort());
  });

  it('says how long to wait with plurals, and escapes interpolated values', () => {
    assert.equal(waitSeconds('en', 1), '1 second');
    assert.equal(waitSeconds('en', 30), '30 seconds');
    assert.equal(waitSeconds('it', 1), '1 secondo');
    assert.equal(waitSeconds('it', 30), '30 secondi');
    assert.equal(
      pageT('en')('page.title', { title: '<b>x</b>' }),
      '&lt;b&gt;x&lt;&#x2F;b&gt; · Parley',
    );
  });
});
