// The keyboard shortcuts sheet (web/src/ticket/composer/ShortcutsSheet.tsx).
import '@mantine/core/styles/ScrollArea.css';
import '@mantine/core/styles/ModalBase.css';
import '@mantine/core/styles/Kbd.css';
import '@mantine/core/styles/Modal.css';
import '@mantine/core/styles/Table.css';
