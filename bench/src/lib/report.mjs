// Tables: one shape for the terminal and for RESULTS.md (GitHub markdown).

/**
 * @typedef {{ title: string, intro?: string, columns: string[], rows: string[][], notes?: string[] }} Table
 * @typedef {{ id: string, title: string, intro?: string, tables: Table[], notes?: string[] }} Section
 */

const cellText = (cell) => String(cell).replaceAll('|', '\\|').replaceAll('\n', ' ');

/** A markdown table. */
export function markdownTable({ columns, rows }) {
  const lines = [`| ${columns.map(cellText).join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.map(cellText).join(' | ')} |`);
  return lines.join('\n');
}

/** A section as markdown: heading, intro, tables with their notes. */
export function markdownSection(section) {
  const out = [`## ${section.title}`, ''];
  if (section.intro) out.push(section.intro, '');
  for (const table of section.tables) {
    out.push(`### ${table.title}`, '');
    if (table.intro) out.push(table.intro, '');
    out.push(markdownTable(table), '');
    for (const note of table.notes ?? []) out.push(`- ${note}`);
    if (table.notes?.length) out.push('');
  }
  for (const note of section.notes ?? []) out.push(`- ${note}`);
  if (section.notes?.length) out.push('');
  return out.join('\n');
}

/** Prints a section to the terminal as aligned plain-text tables. */
export function printSection(section) {
  console.log(`\n== ${section.title} ==`);
  for (const table of section.tables) {
    console.log(`\n-- ${table.title}`);
    const widths = table.columns.map((c, i) =>
      Math.max(String(c).length, ...table.rows.map((r) => String(r[i] ?? '').length)),
    );
    const line = (cells) => cells.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ');
    console.log(line(table.columns));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of table.rows) console.log(line(row));
    for (const note of table.notes ?? []) console.log(`  * ${note}`);
  }
  for (const note of section.notes ?? []) console.log(`* ${note}`);
}
