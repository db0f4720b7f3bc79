// Where the SQL is in a notebook cell: the body of a `%%sql` cell, and what follows `%sql` (and its
// options) on a line. Everything else stays Python. Mirrors the option parsing of hpdp's magic.

export interface Range {
  from: number;
  to: number;
}

const FLAGS = new Set(['--polars', '--pandas', '--arrow', '--relation', '--explain', '--profile']);
const VALUED = new Set(['-o', '--out', '--as-of', '--save']);
const OPTION = /^(-{1,2}[A-Za-z][\w-]*)(=\S+)?(?:\s+|$)/;
const VALUE = /^\S+(?:\s+|$)/;
const CELL_MAGIC = /^\s*%%sql(?=\s|$)/;
const LINE_MAGIC = /^(\s*(?:[\w.,[\]\s]+=\s*)?)%sql(?=\s|$)/;

/** The length of the leading options in `rest` (as the magic reads them). */
export function optionsLength(rest: string): number {
  let at = 0;
  for (;;) {
    const tail = rest.slice(at);
    const space = tail.length - tail.trimStart().length;
    const match = OPTION.exec(tail.slice(space));
    if (!match) {
      return at + space;
    }
    const [whole, name, inline] = match;
    if (FLAGS.has(name) || (VALUED.has(name) && inline)) {
      at += space + whole.length;
    } else if (VALUED.has(name)) {
      const value = VALUE.exec(tail.slice(space + whole.length));
      if (!value) {
        return rest.length;
      }
      at += space + whole.length + value[0].length;
    } else {
      return at + space;
    }
  }
}

/** The SQL ranges of a cell's text. */
export function sqlRanges(text: string): Range[] {
  const start = text.length - text.replace(/^(\s*\n)+/, '').length;
  const first = text.indexOf('\n', start);
  if (CELL_MAGIC.test(text.slice(start, first < 0 ? text.length : first))) {
    return first < 0 || first + 1 >= text.length ? [] : [{ from: first + 1, to: text.length }];
  }
  const ranges: Range[] = [];
  let pos = 0;
  for (const line of text.split('\n')) {
    const match = LINE_MAGIC.exec(line);
    if (match) {
      const after = match[0].length;
      const from = pos + after + optionsLength(line.slice(after));
      if (from < pos + line.length) {
        ranges.push({ from, to: pos + line.length });
      }
    }
    pos += line.length + 1;
  }
  return ranges;
}
