import Table from 'cli-table3';

/** Prints rows under a header as a plain table (numbers right-aligned). */
export function printTable(head: string[], rows: string[][]): void {
  const table = new Table({
    head,
    style: { head: [], border: [], compact: true },
    colAligns: head.map((_, i) => (i === 0 ? 'left' : 'right')),
  });
  table.push(...rows);
  console.log(table.toString());
}
