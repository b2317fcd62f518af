/** `text` cut to at most `max` characters, the cut marked with "...". */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
