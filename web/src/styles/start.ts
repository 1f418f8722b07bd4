// The New conversation dialog (web/src/start/StartDialog.tsx).
import '@mantine/core/styles/ScrollArea.css';
import '@mantine/core/styles/ModalBase.css';
import '@mantine/core/styles/Modal.css';
