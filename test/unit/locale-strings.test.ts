import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conversationSubject, languageOf } from '../../src/desk/locale-strings.ts';

describe('the server-side words in English and Italian', () => {
  it('reads the language from a locale, English when it is not Italian', () => {
    for (const l of ['it', 'it-IT', 'IT-it', 'it_CH']) assert.equal(languageOf(l), 'it', l);
    for (const l of ['en-US', 'en', 'de-DE', '', null, undefined])
      assert.equal(languageOf(l), 'en');
  });

  it('names a Slack conversation in the language, the name as written', () => {
    assert.equal(conversationSubject('Marco Rossi', 'it-IT'), 'Conversazione con Marco Rossi');
    assert.equal(conversationSubject('Marco Rossi', 'en-US'), 'Conversation with Marco Rossi');
    // A name is never read as a replacement pattern.
    assert.equal(conversationSubject("$& {name} $'", 'en'), "Conversation with $& {name} $'");
  });
});
