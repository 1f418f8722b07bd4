import { Select, type ComboboxItem, type SelectProps } from '@mantine/core';
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import classes from './fields.module.css';

export interface LazySelectProps extends Omit<SelectProps, 'data' | 'value' | 'label'> {
  label: string;
  data: ComboboxItem[];
  value: string | null;
}

/** Keys that open a select from the keyboard, as Mantine's Select opens on them. */
const OPENING_KEYS = new Set(['Enter', ' ', 'ArrowDown', 'ArrowUp']);

/**
 * A select that is a plain button with the field's label and its current value until the agent
 * opens it (click, or Enter / Space / arrows): then Mantine's Select takes its place, focused
 * and opened. A panel of closed selects renders in a fraction of the time of as many Selects
 * (each a combobox, a popover and its options). The button carries the shown value in its
 * `value` attribute, as the Select's input does.
 */
export function LazySelect(props: LazySelectProps) {
  const [live, setLive] = useState(false);
  const select = useRef<HTMLInputElement>(null);
  const id = useId();
  const descriptionId = `${id}-description`;
  useEffect(() => {
    if (live) select.current?.focus();
  }, [live]);

  if (live) {
    return <Select {...props} ref={select} defaultDropdownOpened />;
  }
  const { label, data, value, placeholder, description, disabled } = props;
  const shown = value === null ? null : (data.find((d) => d.value === value)?.label ?? value);
  const open = () => {
    if (!disabled) setLive(true);
  };
  return (
    <div className={classes.field}>
      <label htmlFor={id} className={classes.label}>
        {label}
      </label>
      {description && (
        <p id={descriptionId} className={classes.description}>
          {description}
        </p>
      )}
      <button
        type="button"
        id={id}
        className={classes.control}
        value={shown ?? ''}
        aria-haspopup="listbox"
        aria-describedby={description ? descriptionId : undefined}
        disabled={disabled}
        onClick={open}
        onKeyDown={(e: KeyboardEvent) => {
          if (!OPENING_KEYS.has(e.key)) return;
          e.preventDefault();
          open();
        }}
      >
        {shown ?? <span className={classes.placeholder}>{placeholder}</span>}
      </button>
    </div>
  );
}
