// bench/RESULTS.md holds the cluster benchmark's figures in their own section, between two markers: `pnpm bench`
// rewrites the rest of the file and keeps that section; `pnpm bench:cluster` rewrites only that section.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../../RESULTS.md', import.meta.url);
const BEGIN = '<!-- cluster:begin (written by pnpm bench:cluster) -->';
const END = '<!-- cluster:end -->';
const pattern = /<!-- cluster:begin[^>]*-->[\s\S]*?<!-- cluster:end -->/;

const current = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');

/** `markdown` (the rest of RESULTS.md) followed by the cluster section already in the file, if any. */
export function withClusterSection(markdown) {
  const section = current().match(pattern)?.[0];
  return section ? `${markdown.trimEnd()}\n\n${section}\n` : markdown;
}

/** Replaces (or appends) the cluster section of RESULTS.md with `markdown`. */
export function writeClusterSection(markdown) {
  const block = `${BEGIN}\n\n${markdown.trim()}\n\n${END}`;
  const text = current();
  writeFileSync(
    file,
    pattern.test(text) ? text.replace(pattern, () => block) : `${text.trimEnd()}\n\n${block}\n`,
  );
}
