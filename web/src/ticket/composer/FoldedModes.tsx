import { useId } from 'react';
import classes from './folded.module.css';

export interface Mode {
  value: string;
  label: string;
}

/**
 * Reply / internal note on the folded composer: a radio group drawn as Mantine's
 * SegmentedControl (which the open composer shows), without its measured, animated indicator.
 */
export function FoldedModes({
  label,
  value,
  data,
  color,
  onChange,
}: {
  label: string;
  value: string;
  data: Mode[];
  /** The checked item's colour: [background, text], CSS values. */
  color: [string, string];
  onChange: (value: string) => void;
}) {
  const name = useId();
  return (
    <div
      className={classes.modes}
      role="radiogroup"
      aria-label={label}
      style={{ '--active-bg': color[0], '--active-color': color[1] } as React.CSSProperties}
    >
      {data.map((item) => (
        <div key={item.value} className={classes.mode}>
          <input
            className={classes.radio}
            type="radio"
            name={name}
            id={`${name}-${item.value}`}
            value={item.value}
            checked={item.value === value}
            onChange={() => onChange(item.value)}
          />
          <label className={classes.label} htmlFor={`${name}-${item.value}`}>
            {item.label}
          </label>
        </div>
      ))}
    </div>
  );
}
