/**
 * Every relative link and #anchor in README.md and docs/*.md resolves: the file or folder
 * exists in the repository, and an anchor names a heading of the target Markdown file as
 * GitHub renders it (github-slugger's rules: lower case, punctuation but `-` and `_`
 * dropped, spaces to `-`, a repeated heading gets `-1`, `-2`, …). Links inside code are
 * not links. External links (http, https, mailto) are not fetched.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import t from 'tap';
import { docFiles, fencedBlocks, readDoc, root, withoutCode } from './markdown.js';

/** headingText renders a heading's inline Markdown to the text GitHub slugs. */
function headingText(raw: string): string {
  // Code spans are literal (`<repo>` is text there); the rest is inline Markdown and HTML.
  return raw
    .replace(/\s+#+\s*$/, '') // closing hashes
    .split(/(`[^`]*`)/)
    .map(
      (part) =>
        part.startsWith('`')
          ? part.slice(1, -1)
          : part
              .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
              .replace(/<[^>]+>/g, '') // inline HTML tags
              .replace(/(\*{1,3}|\b_{1,3})(\S(?:.*?\S)?)\1/g, '$2'), // emphasis
    )
    .join('')
    .trim();
}

/** slug is github-slugger's: lower case, drop what is not a letter, digit, space, - or _. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** anchorsOf lists the anchors of a Markdown file: its headings' slugs and HTML ids. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  const inCode = new Set<number>();
  for (const b of fencedBlocks(text)) for (let i = b.line; i <= b.endLine; i++) inCode.add(i);
  for (const [i, line] of lines.entries()) {
    if (inCode.has(i + 1)) continue;
    const h = /^ {0,3}#{1,6}\s+(.*)$/.exec(line);
    if (h) {
      const base = slug(headingText(h[1]!));
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  }
  return anchors;
}

interface Link {
  line: number;
  target: string;
}

/** linksOf finds inline links and images `[x](target "title")` and reference definitions. */
export function linksOf(text: string): Link[] {
  const links: Link[] = [];
  for (const [i, line] of withoutCode(text).split('\n').entries()) {
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ line: i + 1, target: m[1]! });
    }
    const def = /^ {0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s|$)/.exec(line);
    if (def) links.push({ line: i + 1, target: def[1]! });
  }
  return links;
}

t.test('slugs follow GitHub', async (t) => {
  t.equal(slug(headingText('`prune <repo> --keep N`')), 'prune-repo---keep-n');
  t.equal(
    slug(headingText('Versions and floating tags (`--semver`)')),
    'versions-and-floating-tags---semver',
  );
  t.equal(
    slug(headingText('Load: 512 MiB through 30 % faults')),
    'load-512-mib-through-30--faults',
  );
  t.equal(slug(headingText('**Bold** and [a link](x.md)')), 'bold-and-a-link');
  t.same([...anchorsOf('# A\n## A\n```\n# A\n```\n### A\n')], ['a', 'a-1', 'a-2']);
});

t.test('relative links and anchors in README.md and docs/ resolve', async (t) => {
  const anchorCache = new Map<string, Set<string>>();
  const anchors = (file: string) => {
    let a = anchorCache.get(file);
    if (!a) {
      a = anchorsOf(readDoc(file));
      anchorCache.set(file, a);
    }
    return a;
  };
  let files = 0;
  let links = 0;
  let withAnchor = 0;
  for (const file of docFiles()) {
    files++;
    for (const { line, target } of linksOf(readDoc(file))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      links++;
      const [path = '', anchor] = target.split('#', 2) as [string, string | undefined];
      const resolved = path === '' ? file : normalize(join(dirname(file), decodeURI(path)));
      const where = `${file}:${line} → ${target}`;
      if (relative(root, join(root, resolved)).startsWith('..')) {
        t.fail(`${where}: leaves the repository`);
        continue;
      }
      if (!existsSync(join(root, resolved))) {
        t.fail(`${where}: ${resolved} does not exist`);
        continue;
      }
      if (anchor === undefined) continue;
      withAnchor++;
      if (!resolved.endsWith('.md') || statSync(join(root, resolved)).isDirectory()) {
        t.fail(`${where}: an anchor into something that is not a Markdown file`);
        continue;
      }
      t.ok(anchors(resolved).has(decodeURIComponent(anchor)), `${where}`);
    }
  }
  t.ok(
    links > 50,
    `${links} relative links checked (${withAnchor} with an anchor) in ${files} files`,
  );
});

t.test('README.md links every page of docs/', async (t) => {
  const targets = new Set(linksOf(readDoc('README.md')).map((l) => l.target.split('#')[0]));
  for (const file of docFiles().filter((f) => f.startsWith('docs/'))) {
    t.ok(targets.has(file), `README.md links ${file}`);
  }
});
