/**
 * What commands print. Results go to stdout (JSON with --json, readable text otherwise);
 * prompts, progress and errors go to stderr, so `keyward … --json | jq` always gets clean JSON.
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** A note for the person at the terminal; never part of a command's result. */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

export type Cell = string | number | boolean | null | undefined;

const show = (cell: Cell): string => (cell === null || cell === undefined || cell === '' ? '-' : String(cell));

/** Left-aligned columns under a header; `-` for empty cells so columns stay countable by awk. */
export function printTable(headers: string[], rows: Cell[][]): void {
  if (rows.length === 0) {
    printLine('(none)');
    return;
  }
  const cells = [headers, ...rows.map((r) => r.map(show))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  for (const row of cells)
    printLine(
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    );
}

/** `label: value` lines, labels aligned. */
export function printFields(pairs: [string, Cell][]): void {
  const width = Math.max(...pairs.map(([label]) => label.length));
  for (const [label, value] of pairs) printLine(`${`${label}:`.padEnd(width + 1)} ${show(value)}`);
}

/** A thumbprint short enough for a table; --json and `show` commands give it whole. */
export const shortHex = (hex: string): string => (hex.length > 16 ? `${hex.slice(0, 16)}…` : hex);
