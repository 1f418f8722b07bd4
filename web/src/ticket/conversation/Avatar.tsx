import { useState } from 'react';
import classes from './conversation.module.css';

// Mantine's Avatar `color="initials"`: the same colours, picked by the same hash of the name.
const INITIALS_COLORS = [
  'blue',
  'cyan',
  'grape',
  'green',
  'indigo',
  'lime',
  'orange',
  'pink',
  'red',
  'teal',
  'violet',
];
// With the app's primary shade (8) only lime's filled colour is light enough for black text
// (Mantine's autoContrast).
const LIGHT = new Set(['lime']);

function hashCode(input: string): number {
  let hash = 0;
  for (let i = 0; i < input.length; i += 1) {
    hash = (hash << 5) - hash + input.charCodeAt(i);
    hash |= 0;
  }
  return hash;
}

function initials(name: string): string {
  const words = name.split(' ');
  if (words.length === 1) return name.slice(0, 2).toUpperCase();
  return words
    .map((w) => w[0] ?? '')
    .slice(0, 2)
    .join('')
    .toUpperCase();
}

/** A round 36 px avatar: the person's photo, else their initials on their colour. */
export function Avatar({ src, name }: { src: string | null; name: string }) {
  const [failed, setFailed] = useState(false);
  if (src && !failed) {
    return (
      <span className={classes.avatar}>
        <img src={src} alt={name} onError={() => setFailed(true)} />
      </span>
    );
  }
  const color = INITIALS_COLORS[Math.abs(hashCode(name)) % INITIALS_COLORS.length]!;
  return (
    <span
      className={classes.avatar}
      role="img"
      aria-label={name}
      style={{
        background: `var(--mantine-color-${color}-filled)`,
        color: LIGHT.has(color) ? 'var(--mantine-color-black)' : 'var(--mantine-color-white)',
      }}
    >
      <span aria-hidden="true">{initials(name)}</span>
    </span>
  );
}
