import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadPlaceholderContext } from '../../src/rules/placeholder-context.ts';
import { renderPlaceholders } from '../../src/rules/placeholders.ts';
import { forEachDatabase } from '../helpers/harness.ts';

// The values placeholders name, read from the database for a ticket as it is now.

forEachDatabase('placeholder context', (ctx) => {
  it('reads the ticket, its people, group, brand and comments', async () => {
    const { api, parley } = ctx.desk;
    const agent = await ctx.desk.createAgent('Marco Bianchi');
    const group = await api('POST', '/api/v2/groups', { group: { name: 'IT' } });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const member = await api('POST', '/api/v2/group_memberships', {
      group_membership: { user_id: agent.id, group_id: group.body.group.id },
    });
    assert.equal(member.status, 201, JSON.stringify(member.body));
    const created = await api('POST', '/api/v2/tickets', {
      ticket: {
        subject: 'VPN down',
        comment: { body: 'It drops every hour.' },
        requester: { name: 'Giulia Maria Rossi', email: 'giulia@example.com' },
        assignee_id: agent.id,
        group_id: group.body.group.id,
        tags: ['vpn', 'remote'],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.ticket.id;
    await api('PUT', `/api/v2/tickets/${id}`, {
      ticket: { comment: { body: 'Checking the concentrator', public: false } },
    });

    const c = await loadPlaceholderContext(parley.db, id, agent.id, {
      publicUrl: 'https://help.example.com',
    });
    assert.equal(c.ticket.id, id);
    assert.equal(c.ticket.title, 'VPN down');
    assert.equal(c.ticket.url, `https://help.example.com/tickets/${id}`);
    assert.equal(c.ticket.tags, 'vpn remote');
    assert.equal(c.ticket.group?.name, 'IT');
    assert.equal(c.ticket.requester.first_name, 'Giulia');
    assert.equal(c.ticket.requester.last_name, 'Maria Rossi');
    assert.equal(c.ticket.requester.email, 'giulia@example.com');
    assert.equal(c.ticket.assignee?.name, 'Marco Bianchi');
    assert.equal(c.current_user?.id, agent.id);
    assert.equal(c.ticket.latest_comment, 'Checking the concentrator');
    assert.equal(c.ticket.latest_public_comment, 'It drops every hour.');
    assert.ok(!c.ticket.public_comments_formatted.includes('concentrator'));
    assert.ok(c.ticket.comments_formatted.includes('concentrator'));
    assert.equal(
      renderPlaceholders('{{ticket.assignee.first_name}} → {{ticket.requester.name}}', c, 'text'),
      'Marco → Giulia Maria Rossi',
    );
  });
});
