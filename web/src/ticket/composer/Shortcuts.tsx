import { useHotkeys } from '@mantine/hooks';
import { lazy, Suspense, useState } from 'react';
import { SHORTCUTS } from './shortcuts.ts';

const ShortcutsSheet = lazy(() => import('./ShortcutsSheet.tsx'));

/**
 * `?` opens the shortcuts sheet anywhere in the workspace except while typing in a field;
 * Escape closes it. Mounted once, in the shell; the sheet itself loads on first use.
 */
export function Shortcuts() {
  const [opened, setOpened] = useState(false);
  // With Shift on most keyboards; some layouts type `?` without it.
  useHotkeys([
    [SHORTCUTS.sheet, () => setOpened(true)],
    ['?', () => setOpened(true)],
  ]);
  if (!opened) return null;
  return (
    <Suspense fallback={null}>
      <ShortcutsSheet onClose={() => setOpened(false)} />
    </Suspense>
  );
}
