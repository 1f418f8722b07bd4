// The view page (web/src/pages/ViewPage.tsx): its pagination and the bulk update's selects and
// tags (the table and its checkboxes are plain elements, ViewTable.module.css).
import '@mantine/core/styles/ScrollArea.css';
import '@mantine/core/styles/Pill.css';
import '@mantine/core/styles/PillsInput.css';
import '@mantine/core/styles/Pagination.css';
