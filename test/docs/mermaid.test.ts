/**
 * Every ```mermaid block of README.md and docs/*.md renders with @mermaid-js/mermaid-cli
 * (the mermaid GitHub renders, run in a real browser): Debian's chromium at
 * /usr/bin/chromium (or $PUPPETEER_EXECUTABLE_PATH), started once with --no-sandbox, as
 * the tests may run as root. npm installs no browser (PUPPETEER_SKIP_DOWNLOAD=1). A broken
 * block fails with its file and line. Without chromium this test fails and says what to
 * install: a diagram nobody rendered is not checked.
 */
import { existsSync } from 'node:fs';
import { renderMermaid } from '@mermaid-js/mermaid-cli';
import puppeteer, { type Browser } from 'puppeteer';
import t from 'tap';
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

  const all = diagrams();
  t.ok(all.length >= 8, `${all.length} mermaid blocks found`);
  for (const d of all) {
    const problem = await render(browser, d.definition);
    t.equal(problem, undefined, `${d.where} renders${problem ? `: ${problem}` : ''}`);
  }
});
