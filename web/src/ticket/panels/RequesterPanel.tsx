import { Anchor, Avatar, Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useRequestedTickets, useSlackProfiles, useTicket, useUser } from './data.ts';
import { LocalTime } from './LocalTime.tsx';
import { MergeDialog } from './MergeDialog.tsx';
import type { SlackProfile } from './types.ts';

function SlackDetails({ profile }: { profile: SlackProfile }) {
  const { t } = useTranslation();
  return (
    <Stack gap={2} data-slack-user={profile.slack_user_id}>
      {profile.display_name && (
        <Text size="sm">
          {t('panels.requester.displayName')}: @{profile.display_name}
        </Text>
      )}
      {profile.real_name && (
        <Text size="sm">
          {t('panels.requester.realName')}: {profile.real_name}
        </Text>
      )}
      {profile.title && (
        <Text size="sm">
          {t('panels.requester.jobTitle')}: {profile.title}
        </Text>
      )}
      {profile.team && (
        <Group gap="xs">
          <Text size="sm">
            {t('panels.requester.team')}: {profile.team.name ?? profile.team.id}
          </Text>
          {profile.team.external && (
            <Badge color="violet.9" variant="filled" size="sm">
              {t('panels.requester.external')}
            </Badge>
          )}
        </Group>
      )}
    </Stack>
  );
}

/**
 * Who asked: their Slack profile as the Slack channel recorded it (names, title, email, their
 * local time, their Slack team), their other tickets, and merging this profile into the user
 * it really is.
 */
export function RequesterPanel({ ticketId }: { ticketId: number }) {
  const { t } = useTranslation();
  const ticket = useTicket(ticketId);
  const requesterId = ticket.data?.requester_id;
  const user = useUser(requesterId);
  const profiles = useSlackProfiles(requesterId);
  const requested = useRequestedTickets(requesterId);
  const [merging, setMerging] = useState(false);

  const person = user.data;
  if (!person) return null;
  const slack = profiles.data ?? [];
  const first = slack[0];
  const avatar = person.photo?.content_url ?? first?.avatar_url ?? undefined;
  const timeZone = first?.time_zone ?? person.time_zone;
  const email = person.email ?? first?.email;
  const others = (requested.data?.tickets ?? []).filter((tk) => tk.id !== ticketId);

  return (
    <Paper
      withBorder
      p="sm"
      component="section"
      aria-labelledby="requester-title"
      data-testid="requester-panel"
      data-user-id={person.id}
    >
      <Title order={2} size="h5" id="requester-title" mb="xs">
        {t('panels.requester.title')}
      </Title>
      <Group gap="sm" wrap="nowrap" mb="xs" align="flex-start">
        <Avatar src={avatar} alt={person.name} name={person.name} color="blue.9" variant="filled" />
        <Stack gap={0} style={{ minWidth: 0 }}>
          <Text fw={700} data-testid="requester-name">
            {person.name}
          </Text>
          {email && (
            <Text size="sm" c="gray.7" style={{ overflowWrap: 'anywhere' }}>
              {email}
            </Text>
          )}
        </Stack>
      </Group>
      <Stack gap={4}>
        {slack.map((p) => (
          <SlackDetails key={p.slack_user_id} profile={p} />
        ))}
        {timeZone && <LocalTime timeZone={timeZone} />}
      </Stack>
      <Button variant="default" size="compact-sm" mt="sm" onClick={() => setMerging(true)}>
        {t('panels.merge.open')}
      </Button>
      <Title order={3} size="h6" mt="md" mb={4}>
        {t('panels.requester.otherTickets')}
      </Title>
      {requested.isSuccess && others.length === 0 && (
        <Text size="sm" c="gray.7">
          {t('panels.requester.noOtherTickets')}
        </Text>
      )}
      <Stack component="ul" gap={4} p={0} m={0} style={{ listStyle: 'none' }}>
        {others.map((tk) => (
          <Group component="li" key={tk.id} gap="xs" wrap="nowrap" data-ticket-id={tk.id}>
            <StatusBadge status={tk.status} />
            <Anchor component={Link} to={`/tickets/${tk.id}`} size="sm" truncate>
              {tk.subject || `#${tk.id}`}
            </Anchor>
          </Group>
        ))}
      </Stack>
      {/* Mounted when asked for: nothing of the dialog is on the page's first frame. */}
      {merging && (
        <MergeDialog
          source={person}
          ticketId={ticketId}
          opened={merging}
          onClose={() => setMerging(false)}
        />
      )}
    </Paper>
  );
}
