/**
 * Every keyboard shortcut of the workspace, as Mantine's hotkeys spell them, and the
 * translation key that says what each does. The `?` sheet lists them all.
 */
export const SHORTCUTS = {
  sheet: 'shift+?',
  focusComposer: '/',
  submit: 'mod+Enter',
  submitSolved: 'mod+shift+Enter',
  toggleNote: 'mod+alt+N',
  macros: 'mod+alt+M',
  preview: 'mod+alt+P',
} as const;

export type ShortcutName = keyof typeof SHORTCUTS;

/** Sections of the sheet: where each shortcut works. */
export const SHORTCUT_SECTIONS: { title: string; names: ShortcutName[] }[] = [
  { title: 'anywhere', names: ['sheet'] },
  { title: 'ticket', names: ['focusComposer'] },
  { title: 'composer', names: ['submit', 'submitSolved', 'toggleNote', 'macros', 'preview'] },
];

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** The keys to press, as shown: "Ctrl", "Alt", "N" (⌘ and ⌥ on a Mac). */
export function keysOf(hotkey: string): string[] {
  if (hotkey === 'shift+?') return ['?'];
  return hotkey.split('+').map((k) => {
    switch (k.toLowerCase()) {
      case 'mod':
        return isMac ? '⌘' : 'Ctrl';
      case 'alt':
        return isMac ? '⌥' : 'Alt';
      case 'shift':
        return isMac ? '⇧' : 'Shift';
      case 'enter':
        return 'Enter';
      default:
        return k.toUpperCase();
    }
  });
}
