import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { startTestDesk, type TestDesk } from '../helpers/harness.ts';
import { sandboxOf, settle, ticketsOf, userIdForSlack } from './helpers.ts';

/** PARLEY_DEFAULT_LOCALE: the desk's language for what no person's language decides. */
describe('the desk default language (PARLEY_DEFAULT_LOCALE)', () => {
  let desk: TestDesk & { stop(): Promise<void> };
  before(async () => {
    desk = await startTestDesk('sqlite', { env: { PARLEY_DEFAULT_LOCALE: 'it' } });
  });
  after(() => desk?.stop());

  it('names an inbound Slack DM’s ticket in the desk’s language', async () => {
    const sb = sandboxOf(desk);
    sb.addUser({ id: 'U0LINGUA', name: 'Marta Bianchi', email: 'marta@sandbox.example' });
    const sent = await sb.sendMessage({ user: 'U0LINGUA', text: 'La stampante non stampa' });
    assert.equal(sent.delivery.status, 'acked');
    await settle(desk);
    const requester = (await userIdForSlack(desk, 'U0LINGUA'))!;
    const [ticket] = await ticketsOf(desk, requester);
    assert.equal(ticket.subject, 'Conversazione con Marta Bianchi');
  });

  it('refuses a language Parley does not speak, naming the variable', () => {
    assert.throws(
      () => loadConfig({ PARLEY_DEFAULT_LOCALE: 'fr-FR', PARLEY_DATA_DIR: '/tmp' }),
      /PARLEY_DEFAULT_LOCALE/,
    );
    assert.equal(loadConfig({ PARLEY_DATA_DIR: '/tmp' }).defaultLocale, 'en-US');
  });
});
