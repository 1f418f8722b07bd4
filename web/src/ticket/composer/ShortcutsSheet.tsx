import { Group, Kbd, Modal, Table, Title } from '@mantine/core';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { keysOf, SHORTCUT_SECTIONS, SHORTCUTS } from './shortcuts.ts';

/** The `?` sheet: every keyboard shortcut of the workspace (loaded on first use). */
export default function ShortcutsSheet({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal
      opened
      onClose={onClose}
      title={t('composer.shortcuts.title')}
      size="lg"
      closeButtonProps={{ 'aria-label': t('composer.close') }}
    >
      {SHORTCUT_SECTIONS.map((section) => (
        <Fragment key={section.title}>
          <Title order={3} size="h5" mt="sm" mb={4} id={`shortcuts-${section.title}`}>
            {t(`composer.shortcuts.section.${section.title}`)}
          </Title>
          <Table aria-labelledby={`shortcuts-${section.title}`} withRowBorders={false}>
            <Table.Tbody>
              {section.names.map((name) => (
                <Table.Tr key={name}>
                  <Table.Td w="45%">
                    <Group gap={4} wrap="nowrap">
                      {keysOf(SHORTCUTS[name]).map((k, i) => (
                        <Fragment key={k}>
                          {i > 0 && <span aria-hidden="true">+</span>}
                          <Kbd>{k}</Kbd>
                        </Fragment>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>{t(`composer.shortcuts.does.${name}`)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Fragment>
      ))}
    </Modal>
  );
}
