/**
 * Every ```mermaid block of README.md and docs/*.md renders with @mermaid-js/mermaid-cli
 * (the mermaid GitHub renders, run in a real browser): Debian's chromium at
 * /usr/bin/chromium (or $PUPPETEER_EXECUTABLE_PATH), started once with --no-sandbox, as
 * the tests may run as root. npm installs no browser (.puppeteerrc.json: skipDownload, the
 * same executablePath; or PUPPETEER_SKIP_DOWNLOAD=1). A broken
 * block fails with its file and line. Without chromium this test fails and says what to
 * install: a diagram nobody rendered is not checked.
 */
import { existsSync } from 'node:fs';
import { renderMermaid } from '@mermaid-js/mermaid-cli';
import puppeteer, { type Browser } from 'puppeteer';
import t from 'tap';
import { statusMermaid } from '../../cli/status-mermaid.js';
import type { Digest, LedgerEntry, StatusResult } from '../../lib/index.js';
import { docFiles, fencedBlocks, readDoc } from './markdown.js';

const chromium = process.env.PUPPETEER_EXECUTABLE_PATH || '/usr/bin/chromium';

interface Diagram {
  where: string;
  definition: string;
}

function diagrams(): Diagram[] {
  return docFiles().flatMap((file) =>
    fencedBlocks(readDoc(file))
      .filter((b) => b.info === 'mermaid')
      .map((b) => ({ where: `${file}:${b.line}`, definition: b.body })),
  );
}

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;

/** A tag change of `status` history; tags and times from a registry may be anything. */
const change = (tag: string, digest: Digest, previousDigest: Digest | null, time: string) =>
  ({
    time,
    action: previousDigest === D('a') && digest === D('b') ? 'rollback' : 'promote',
    tag,
    digest,
    previousDigest,
    source: null,
    actor: '"]]; click x "javascript:alert(1)"',
    runUrl: null,
    record: D('9'),
  }) as LedgerEntry;

/**
 * The diagram `status --format markdown` draws for a GitHub step summary (cli/status-mermaid.ts),
 * for a whole repository with hostile tags and times, a held digest and the current one.
 */
const statusDiagram: StatusResult = {
  repository: 'reg.example/prod/app',
  tag: null,
  digest: D('a'),
  tags: [],
  tagsTruncated: false,
  freeze: null,
  holds: [
    {
      digest: D('b'),
      reason: 'x',
      actor: null,
      time: '2026-12-01T09:00:00.000Z',
      runUrl: null,
      record: D('e'),
    },
  ],
  held: false,
  history: [
    change('latest', D('a'), D('b'), '2026-12-01T09:00:00.000Z'),
    change('la"]-->x; end', D('b'), D('a'), 'not a time"]'),
    change('latest', D('a'), null, '2026-12-01T07:00:00.000Z'),
  ],
  verifications: [],
  stages: {},
};

/** render returns undefined when the diagram rendered, else mermaid's message. */
async function render(browser: Browser, definition: string): Promise<string | undefined> {
  try {
    const { data } = await renderMermaid(browser, definition, 'svg');
    const svg = Buffer.from(data).toString('utf8');
    // mermaid draws some failures as an error picture instead of throwing.
    if (!svg.includes('<svg') || /Syntax error in text|aria-roledescription="error"/.test(svg)) {
      return 'rendered as mermaid’s error picture';
    }
    return undefined;
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 6).join('\n');
  }
}

t.test('every mermaid block in README.md and docs/ renders', async (t) => {
  if (!existsSync(chromium)) {
    t.fail(
      `chromium not found at ${chromium}: install Debian's chromium (apt-get install chromium) or set PUPPETEER_EXECUTABLE_PATH`,
    );
    return;
  }
  const browser = await puppeteer.launch({
    executablePath: chromium,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    headless: true,
  });
  t.teardown(() => browser.close());

  // The check can fail: a block with a syntax error must not render.
  t.ok(await render(browser, 'flowchart LR\n  a --> '), 'a broken diagram is reported');

  const status = statusMermaid(statusDiagram);
  t.ok(status, 'status draws a diagram');
  const problem = await render(browser, status ?? '');
  t.equal(
    problem,
    undefined,
    `the status --format markdown diagram renders${problem ? `: ${problem}` : ''}`,
  );

  const all = diagrams();
  t.ok(all.length >= 8, `${all.length} mermaid blocks found`);
  for (const d of all) {
    const problem = await render(browser, d.definition);
    t.equal(problem, undefined, `${d.where} renders${problem ? `: ${problem}` : ''}`);
  }
});
