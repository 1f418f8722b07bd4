import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type PlaceholderContext,
  type PlaceholderUser,
  placeholderSyntaxError,
  renderPlaceholders,
} from '../../src/rules/placeholders.ts';

// Zendesk's placeholders (the shared reference's §3.6) rendered with Liquid: what each names,
// how values are escaped for where the text lands, and what happens to what Liquid cannot render.

function person(id: number, name: string, extra: Partial<PlaceholderUser> = {}): PlaceholderUser {
  const [first = '', ...rest] = name.split(' ');
  return {
    id,
    name,
    first_name: first,
    last_name: rest.join(' '),
    email: `${first.toLowerCase()}@example.com`,
    language: 'it',
    phone: '',
    external_id: '',
    details: '',
    notes: '',
    time_zone: 'Europe/Rome',
    role: 'end-user',
    organization: null,
    ...extra,
  };
}

function context(overrides: Partial<PlaceholderContext['ticket']> = {}): PlaceholderContext {
  return {
    ticket: {
      id: 42,
      title: 'VPN non funziona',
      description: 'Da stamattina la VPN cade.',
      status: 'open',
      priority: 'high',
      ticket_type: 'incident',
      via: 'business_messaging_slack_connect',
      url: 'http://parley.test/tickets/42',
      link: 'http://parley.test/tickets/42',
      account: 'Acme',
      tags: 'vpn urgent',
      created_at: '2026-12-01T09:00:00.000Z',
      updated_at: '2026-12-01T10:00:00.000Z',
      due_date: '',
      brand: { id: 1, name: 'Acme' },
      group: { id: 3, name: 'IT' },
      organization: null,
      requester: person(5, 'Giulia Rossi'),
      submitter: person(5, 'Giulia Rossi'),
      assignee: null,
      latest_comment: 'Internal: check the concentrator',
      latest_public_comment: 'Da stamattina la VPN cade.',
      comments_formatted: 'Giulia Rossi, 2026-12-01\n\nDa stamattina la VPN cade.',
      public_comments_formatted: 'Giulia Rossi, 2026-12-01\n\nDa stamattina la VPN cade.',
      ...overrides,
    },
    current_user: person(9, 'Marco Bianchi', { role: 'agent' }),
  };
}

describe('placeholders', () => {
  it('fill the ticket, its people and the current user', () => {
    const out = renderPlaceholders(
      'Ticket #{{ticket.id}} "{{ticket.title}}" is {{ticket.status}} ({{ticket.priority}}), ' +
        'group {{ticket.group.name}}, tags {{ticket.tags}}, {{ticket.url}}. ' +
        'Ciao {{ticket.requester.first_name}} ({{ticket.requester.email}}), ' +
        '{{current_user.name}} answered: {{ticket.latest_public_comment}}',
      context(),
      'text',
    );
    assert.equal(
      out,
      'Ticket #42 "VPN non funziona" is open (high), group IT, tags vpn urgent, ' +
        'http://parley.test/tickets/42. Ciao Giulia (giulia@example.com), ' +
        'Marco Bianchi answered: Da stamattina la VPN cade.',
    );
  });

  it('render unknown placeholders, and fields of someone absent, as nothing', () => {
    const out = renderPlaceholders(
      '[{{ticket.nope}}][{{dc.greeting}}][{{ticket.assignee.name}}][{{satisfaction.rating_section}}]',
      context(),
      'text',
    );
    assert.equal(out, '[][][][]');
  });

  it('support Liquid markup: conditions, loops and filters', () => {
    const out = renderPlaceholders(
      '{% if ticket.assignee %}assigned{% else %}unassigned{% endif %} ' +
        '{{ ticket.title | upcase }} {% assign tags = ticket.tags | split: " " %}' +
        '{% for t in tags %}#{{t}} {% endfor %}',
      context(),
      'text',
    );
    assert.equal(out, 'unassigned VPN NON FUNZIONA #vpn #urgent ');
  });

  it("escape values for Slack but keep the author's mrkdwn", () => {
    const ctx = context({ title: '<!channel> & <https://evil.example|click>' });
    const out = renderPlaceholders(
      '*Received:* {{ticket.title}} <{{ticket.url}}|open>',
      ctx,
      'mrkdwn',
    );
    assert.equal(
      out,
      '*Received:* &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; ' +
        '<http://parley.test/tickets/42|open>',
    );
  });

  it('escape the whole text for an HTML email, keeping line breaks', () => {
    const ctx = context({ title: '<script>alert(1)</script>' });
    const out = renderPlaceholders(
      'Subject: {{ticket.title}}\nBy "{{current_user.name}}"',
      ctx,
      'html',
    );
    assert.equal(
      out,
      'Subject: &lt;script&gt;alert(1)&lt;/script&gt;<br>\nBy &quot;Marco Bianchi&quot;',
    );
  });

  it('escape values as JSON string content for a JSON webhook body', () => {
    const ctx = context({ title: 'Say "hi"\n", "admin": true, "x": "' });
    const out = renderPlaceholders(
      '{"id": {{ticket.id}}, "title": "{{ticket.title}}"}',
      ctx,
      'json',
    );
    assert.deepEqual(JSON.parse(out), { id: 42, title: 'Say "hi"\n", "admin": true, "x": "' });
  });

  it('send a template Liquid cannot parse as written, escaped for its target', () => {
    assert.equal(renderPlaceholders('Hi {{ticket.id', context(), 'text'), 'Hi {{ticket.id');
    assert.equal(renderPlaceholders('<b> {% if %}', context(), 'mrkdwn'), '&lt;b&gt; {% if %}');
    assert.match(placeholderSyntaxError('Hi {{ticket.id') ?? '', /./);
    assert.equal(placeholderSyntaxError('Hi {{ticket.id}} {% if x %}y{% endif %}'), null);
    assert.equal(placeholderSyntaxError('no placeholders'), null);
  });

  it('bound the work of a runaway template and never walk prototypes', () => {
    const loop = '{% for a in (1..100000) %}{% for b in (1..100000) %}x{% endfor %}{% endfor %}';
    const out = renderPlaceholders(loop, context(), 'text');
    assert.equal(out, loop, 'over its limits, the template is sent as written');
    const proto = renderPlaceholders(
      '[{{ticket.constructor}}][{{ticket.__proto__}}][{{ticket.id.constructor.name}}]',
      context(),
      'text',
    );
    assert.equal(proto, '[][][]');
  });
});
