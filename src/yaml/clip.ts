// Messages quote input values; a hostile value must not turn one problem line into a megabyte.

/** `s`, cut to `max` characters with a note of how much was left out. */
export function clip(s: string, max = 100): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more characters)`;
}
