// The search page (web/src/search/SearchPage.tsx): tabs, result tables, highlighted matches,
// pagination.
import '@mantine/core/styles/ScrollArea.css';
import '@mantine/core/styles/Mark.css';
import '@mantine/core/styles/Pagination.css';
import '@mantine/core/styles/Table.css';
import '@mantine/core/styles/Tabs.css';
