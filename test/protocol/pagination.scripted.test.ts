/**
 * Pagination a registry controls, kept bounded: a `Link` next page that leads back to a
 * page already read is refused at once (it made `tags` send 91k requests in 30 s), pages
 * and entries have caps, and `tags` prints each page as it arrives instead of collecting
 * the listing. Each script counts the requests the client sent.
 */
import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import { main } from '../../cli/main.js';
import { createClient, digestOf, parseReference } from '../../lib/index.js';
import { OCI_INDEX } from '../../lib/media-types.js';
import { RepoContext } from '../../lib/registry/context.js';
import type { PageLimits } from '../../lib/registry/link.js';
import { RegistryManifests } from '../../lib/registry/manifests.js';
import { RegistryReferrers } from '../../lib/registry/referrers.js';
import { listTags } from '../../lib/registry/tags.js';
import { cliEnv } from '../helpers/cli.js';
import { type Reply, type ScriptStep, scriptedServer } from '../helpers/scripted-server.js';

const first = '/v2/app/tags/list?n=1000';
const page = (tags: unknown[], next?: string): Reply => ({
  status: 200,
  headers: next ? { link: `<${next}>; rel="next"` } : {},
  body: { name: 'app', tags },
});
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** endless answers every tags request with `perPage` new tags and a link to a new page. */
const endless = (times: number, perPage: number): ScriptStep => ({
  method: 'GET',
  path: (p) => p.startsWith('/v2/app/tags/list?'),
  times,
  reply: (req) => {
    const n = Number(/[?&]page=(\d+)/.exec(req.path)?.[1] ?? 0);
    return page(names(`p${n}-`, perPage), `/v2/app/tags/list?n=1000&page=${n + 1}`);
  },
});

function context(t: Test, host: string): RepoContext {
  const client = createClient({ plainHttp: true, retry: { retries: 0 } });
  t.teardown(() => client.close());
  return new RepoContext(client.transport, parseReference(`${host}/app`));
}

async function collect(it: AsyncIterable<string>, into: string[]): Promise<void> {
  for await (const x of it) into.push(x);
}

const small: PageLimits = { maxPages: 3, maxEntries: 100, maxPageBytes: 64 * 1024 };

t.test('tags: a next link back to a page already read is refused at once', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'GET', path: first, reply: page(['a', 'b'], '/v2/app/tags/list?n=1000&last=b') },
    { method: 'GET', path: `${first}&last=b`, reply: page(['c'], first) },
  ]);
  const cli = await cliEnv(t);
  const r = await cli.run(['tags', '--plain-http', `${reg.host}/app`]);
  t.equal(r.code, 1, r.stderr);
  t.match(r.stderr, /tag list of .*page already read.*loops.*\[ERR_PROTOCOL\]/);
  t.equal(r.stdout, 'a\nb\nc\n', 'the tags read before the loop are printed');
  t.equal(reg.requests.length, 2, 'two requests, not an endless loop');

  reg.add({ method: 'GET', path: first, reply: page(['a'], first) });
  const j = await cli.run(['tags', '--plain-http', '--json', `${reg.host}/app`]);
  t.equal(j.code, 1);
  t.match(j.json(), { error: { code: 'ERR_PROTOCOL', message: /loops/ } }, 'only the error');
  t.equal(reg.requests.length, 3, 'a page linking to itself: one request');
});

t.test('tags: pages beyond the page cap are refused', async (t) => {
  const reg = await scriptedServer(t, [endless(3, 2)]);
  const got: string[] = [];
  await t.rejects(collect(listTags(context(t, reg.host), undefined, small), got), {
    code: 'ERR_PROTOCOL',
    message: /more than 3 pages/,
  });
  t.equal(reg.requests.length, 3);
  t.equal(got.length, 6, 'the tags of the pages read were handed out');
});

t.test('tags: entries beyond the entry cap are refused before use', async (t) => {
  const reg = await scriptedServer(t, [endless(3, 40)]);
  const got: string[] = [];
  await t.rejects(collect(listTags(context(t, reg.host), undefined, small), got), {
    code: 'ERR_PROTOCOL',
    message: /more than 100 entries/,
  });
  t.equal(reg.requests.length, 3);
  t.equal(got.length, 80, 'nothing of the page that went over');
});

t.test('tags: a page over the byte cap is refused', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'GET', path: first, reply: page(names('a-long-tag-name-', 5000)) },
  ]);
  await t.rejects(collect(listTags(context(t, reg.host), undefined, small), []), {
    code: 'ERR_RESPONSE_TOO_LARGE',
  });
});

t.test('tags: entries that are not tags are skipped', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'GET', path: first, reply: page(['ok', '../../other/app', 'a\nb', 7, '-x', 'v1.0']) },
  ]);
  const cli = await cliEnv(t);
  const r = await cli.run(['tags', '--plain-http', `${reg.host}/app`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'ok\nv1.0\n');
  t.match(r.stderr, /skipped entries that are not valid tags/);
});

t.test('tags streams: the first page is printed before the last is asked for', async (t) => {
  const printed: string[] = [];
  let printedBeforeLast: string | undefined;
  const reg = await scriptedServer(t, [
    { method: 'GET', path: first, reply: page(['one', 'two'], `${first}&last=two`) },
    {
      method: 'GET',
      path: `${first}&last=two`,
      reply: () => {
        printedBeforeLast = printed.join('');
        return page(['three']);
      },
    },
  ]);
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        into.push(chunk.toString());
        done();
      },
    });
  const cli = await cliEnv(t);
  const code = await main(['tags', '--plain-http', `${reg.host}/app`], {
    env: cli.env,
    stdout: sink(printed),
    stderr: sink([]),
    stdin: process.stdin,
  });
  t.equal(code, 0);
  t.equal(printedBeforeLast, 'one\ntwo\n', 'page one was on stdout when page two was asked for');
  t.equal(printed.join(''), 'one\ntwo\nthree\n');
});

const subject = digestOf(Buffer.from('subject'));
const referrersPath = `/v2/app/referrers/${subject}`;
const referrersPage = (next?: string): Reply => ({
  status: 200,
  headers: { 'content-type': OCI_INDEX, ...(next && { link: `<${next}>; rel="next"` }) },
  body: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] },
});

t.test('referrers API: a looping next link is refused at once', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'GET', path: referrersPath, reply: referrersPage(`${referrersPath}?p=2`) },
    { method: 'GET', path: `${referrersPath}?p=2`, reply: referrersPage(referrersPath) },
  ]);
  const client = createClient({ plainHttp: true, retry: { retries: 0 } });
  t.teardown(() => client.close());
  await t.rejects(client.repository(parseReference(`${reg.host}/app`)).referrers.list(subject), {
    code: 'ERR_PROTOCOL',
    message: /referrers of .*page already read/,
  });
  t.equal(reg.requests.length, 2);
});

t.test('referrers API: pages beyond the page cap are refused', async (t) => {
  let n = 0;
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: (p) => p.startsWith(referrersPath),
      times: 3,
      reply: () => referrersPage(`${referrersPath}?p=${++n}`),
    },
  ]);
  const ctx = context(t, reg.host);
  const store = new RegistryReferrers(ctx, new RegistryManifests(ctx), small);
  await t.rejects(store.list(subject), { code: 'ERR_PROTOCOL', message: /more than 3 pages/ });
  t.equal(reg.requests.length, 3);
});
