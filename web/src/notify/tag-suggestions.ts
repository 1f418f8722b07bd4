import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api.ts';

/** Suggestions start at two letters (as the API's); asked once typing pauses this long. */
const MIN_LETTERS = 2;
const DEBOUNCE_MS = 200;

/** The tag being typed: the text after the last separator the tags inputs split on. */
function typedTag(search: string): string {
  return (search.split(/[\s,]+/).pop() ?? '').trim().toLowerCase();
}

/**
 * Tag suggestions for a Mantine TagsInput, from GET /autocomplete/tags: spread the result on
 * the input (`<TagsInput {...useTagSuggestions()} …/>`). Asked when typing pauses, the request
 * aborted when a newer one supersedes it (TanStack Query's signal); the input's own combobox
 * makes them keyboard-selectable (↓/↑, Enter), and Enter without a highlighted suggestion
 * still adds the tag as typed, a brand-new one included.
 */
export function useTagSuggestions() {
  const [searchValue, setSearchValue] = useState('');
  const [debounced] = useDebouncedValue(typedTag(searchValue), DEBOUNCE_MS);
  const enabled = [...debounced].length >= MIN_LETTERS;
  const query = useQuery<string[]>({
    queryKey: ['tags', 'autocomplete', debounced],
    enabled,
    staleTime: 30_000,
    // While the next letters are asked for, the last answer stays (the input filters it).
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) =>
      api<{ tags: string[] }>(`/autocomplete/tags?name=${encodeURIComponent(debounced)}`, {
        signal,
      }).then((r) => r.tags),
  });
  const data: string[] = enabled && typedTag(searchValue) !== '' ? (query.data ?? []) : [];
  return { searchValue, onSearchChange: setSearchValue, data };
}
