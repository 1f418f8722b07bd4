import type { TFunction } from 'i18next';
import type { View } from './types.ts';

const PLACEHOLDER = /^\{\{zd\.([a-z_]+)\}\}$/;

/**
 * A view's title in the workspace's language: a default view's raw title is Zendesk's
 * `{{zd.…}}` placeholder, translated here (the server renders it in the user's profile locale,
 * which need not be the language chosen in this browser); any other title is the admin's.
 */
export function viewTitle(view: View, t: TFunction): string {
  const key = PLACEHOLDER.exec(view.raw_title ?? '')?.[1];
  return key ? t(`defaultViews.${key}`, { defaultValue: view.title }) : view.title;
}
