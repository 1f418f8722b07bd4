import '../../styles/shortcuts.ts';
import { Group, Kbd, Modal, Table, Text, Title } from '@mantine/core';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { VIEW_SHORTCUTS } from '../../keys/view-keys.ts';
import { keysOf, SHORTCUT_SECTIONS, SHORTCUTS } from './shortcuts.ts';

interface SheetSection {
  id: string;
  title: string;
  /** Each row's keys: alternatives, each a combination. */
  rows: { id: string; keys: string[][]; does: string }[];
}

/** The `?` sheet: every keyboard shortcut of the workspace (loaded on first use). */
export default function ShortcutsSheet({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const sections: SheetSection[] = SHORTCUT_SECTIONS.map((section) => ({
    id: section.title,
    title: t(`composer.shortcuts.section.${section.title}`),
    rows: section.names.map((name) => ({
      id: name,
      keys: [keysOf(SHORTCUTS[name])],
      does: t(`composer.shortcuts.does.${name}`),
    })),
  }));
  // The view table's keys come second: after "anywhere", before the ticket's.
  sections.splice(1, 0, {
    id: 'views',
    title: t('keys.views.section'),
    rows: VIEW_SHORTCUTS.map((s) => ({
      id: s.action,
      keys: s.keys.map((k) => [k]),
      does: t(`keys.views.does.${s.action}`),
    })),
  });
  return (
    <Modal
      opened
      onClose={onClose}
      title={t('composer.shortcuts.title')}
      size="lg"
      closeButtonProps={{ 'aria-label': t('composer.close') }}
    >
      {sections.map((section) => (
        <Fragment key={section.id}>
          <Title order={3} size="h5" mt="sm" mb={4} id={`shortcuts-${section.id}`}>
            {section.title}
          </Title>
          <Table aria-labelledby={`shortcuts-${section.id}`} withRowBorders={false}>
            <Table.Tbody>
              {section.rows.map((row) => (
                <Table.Tr key={row.id}>
                  <Table.Td w="45%">
                    <Group gap={4} wrap="nowrap">
                      {row.keys.map((combo, i) => (
                        <Fragment key={combo.join('+')}>
                          {i > 0 && (
                            <Text span size="sm" c="gray.7" mx={2}>
                              {t('keys.or')}
                            </Text>
                          )}
                          {combo.map((k, j) => (
                            <Fragment key={k}>
                              {j > 0 && <span aria-hidden="true">+</span>}
                              <Kbd>{k}</Kbd>
                            </Fragment>
                          ))}
                        </Fragment>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>{row.does}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Fragment>
      ))}
    </Modal>
  );
}
