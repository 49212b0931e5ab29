import t from 'tap';
import { UsageError } from '../errors.js';
import {
  formatPromotionEntry,
  MAX_PROMOTION_FILE_BYTES,
  MAX_PROMOTION_FILE_DEPTH,
  type PromotionEntry,
  PromotionFileError,
  parsePromotionFile,
  readPromotionSource,
} from './promotion-file.js';

const D = `sha256:${'a'.repeat(64)}`;

/** parse returns the entries in their file form (plus line), or the problems as strings. */
async function parse(
  text: string,
  name = 'promotions.yaml',
): Promise<Array<Record<string, unknown>> | string[]> {
  try {
    return (await parsePromotionFile(text, name)).map((e) => ({
      line: e.line,
      ...formatPromotionEntry(e),
    }));
  } catch (e) {
    if (!(e instanceof PromotionFileError)) throw e;
    return e.problems.map((p) => `${p.line}: ${p.message}`);
  }
}

const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

t.test('accepted: YAML and JSON, to the same entries', async (t) => {
  const cases: Array<[string, string, string, Array<Record<string, unknown>>]> = [
    [
      'top-level promotions mapping, every key',
      'promotions.yaml',
      yaml(
        '# nightly promotions',
        '',
        'promotions:',
        '  - source: ghcr.io/acme/staging/api:1.4.2   # the release candidate',
        '    to: ghcr.io/acme/prod/api',
        '    tags: [1.4.2, "stable", \'candidate\']',
        '    semver: true',
        '    allow-overwrite: false',
        '    require-referrer:',
        '      - application/vnd.dev.cosign.artifact.sig.v1+json',
        '      - "application/spdx+json"',
        '    referrers: True',
        '    platform: [linux/amd64, linux/arm64/v8]',
        '',
        `  - source: "ghcr.io/acme/staging/web@${D}"`,
        '    to: ghcr.io/acme/prod/web',
        '    tags:',
        '    - 2024.06.01',
        '    - latest',
      ),
      [
        {
          line: 4,
          source: 'ghcr.io/acme/staging/api:1.4.2',
          to: 'ghcr.io/acme/prod/api',
          tags: ['1.4.2', 'stable', 'candidate'],
          semver: true,
          'allow-overwrite': false,
          'require-referrer': [
            'application/vnd.dev.cosign.artifact.sig.v1+json',
            'application/spdx+json',
          ],
          referrers: true,
          platform: ['linux/amd64', 'linux/arm64/v8'],
        },
        {
          line: 15,
          source: `ghcr.io/acme/staging/web@${D}`,
          to: 'ghcr.io/acme/prod/web',
          tags: ['2024.06.01', 'latest'],
        },
      ],
    ],
    [
      'a top-level sequence, sequence items at the key indentation, "---" start',
      'list.yml',
      yaml(
        '---',
        '- source: reg.io/a:1',
        '  to: reg.io/b',
        '-',
        '  source: reg.io/c:2',
        '  to: reg.io/d',
      ),
      [
        { line: 2, source: 'reg.io/a:1', to: 'reg.io/b' },
        { line: 4, source: 'reg.io/c:2', to: 'reg.io/d' },
      ],
    ],
    [
      'plain scalars keep their text: 1.10 is a tag, not the number 1.1',
      'p.yaml',
      yaml('promotions:', '- source: reg.io/a:1.10', '  to: reg.io/b', '  tags: [1.10, 2]'),
      [{ line: 2, source: 'reg.io/a:1.10', to: 'reg.io/b', tags: ['1.10', '2'] }],
    ],
    [
      'one scalar where a list is expected is a list of one; quoted escapes; # inside quotes',
      'p.yaml',
      yaml(
        'promotions:',
        "  - source: 'reg.io/a:1'",
        '    to: "reg.io/\\x62"',
        '    tags: "x1"  # comment',
        "    require-referrer: 'it''s/a#b'   # it's",
        '    platform: linux/amd64',
      ),
      [
        {
          line: 2,
          source: 'reg.io/a:1',
          to: 'reg.io/b',
          tags: ['x1'],
          'require-referrer': ["it's/a#b"],
          platform: ['linux/amd64'],
        },
      ],
    ],
    [
      'Docker Hub names are normalised',
      'p.yaml',
      yaml('promotions:', '  - source: alpine:3.20', '    to: acme/alpine'),
      [{ line: 2, source: 'docker.io/library/alpine:3.20', to: 'docker.io/acme/alpine' }],
    ],
    [
      'JSON with a promotions key, lines of each entry',
      'promotions.json',
      JSON.stringify(
        {
          promotions: [
            { source: 'reg.io/a:1', to: 'reg.io/b', tags: ['1', 'latest'], semver: false },
            { source: `reg.io/c@${D}`, to: 'reg.io/d', tags: ['x'], platform: ['linux/arm64'] },
          ],
        },
        null,
        2,
      ),
      [
        { line: 3, source: 'reg.io/a:1', to: 'reg.io/b', tags: ['1', 'latest'], semver: false },
        {
          line: 12,
          source: `reg.io/c@${D}`,
          to: 'reg.io/d',
          tags: ['x'],
          platform: ['linux/arm64'],
        },
      ],
    ],
    [
      'JSON top-level list, detected by content without an extension',
      'promotions',
      '[{"source": "reg.io/a:1", "to": "reg.io/b", "referrers": true}]',
      [{ line: 1, source: 'reg.io/a:1', to: 'reg.io/b', referrers: true }],
    ],
    [
      'quoted keys, a value on the line below its key, escapes, "..." end',
      'p.yaml',
      yaml(
        '"promotions":',
        "  - 'source':",
        '      reg.io/a:1',
        '    "to" : "reg.io/\\u0062"',
        '    require-referrer: ["a\\u0062/c", x/y,]',
        '...',
      ),
      [{ line: 2, source: 'reg.io/a:1', to: 'reg.io/b', 'require-referrer': ['ab/c', 'x/y'] }],
    ],
    [
      'YAML beyond block style: a directive, flow mapping, flow list and quoted value over lines',
      'p.yaml',
      yaml(
        '%YAML 1.2',
        '---',
        'promotions:',
        '  - {source: reg.io/a:1, to: reg.io/b}',
        '  - source: reg.io/c:2',
        '    to: reg.io/d',
        '    tags: [a,',
        '      b]',
      ),
      [
        { line: 4, source: 'reg.io/a:1', to: 'reg.io/b' },
        { line: 5, source: 'reg.io/c:2', to: 'reg.io/d', tags: ['a', 'b'] },
      ],
    ],
    [
      'CRLF line ends and a byte order mark',
      'p.yaml',
      '\uFEFFpromotions:\r\n  - source: reg.io/a:1\r\n    to: reg.io/b\r\n',
      [{ line: 2, source: 'reg.io/a:1', to: 'reg.io/b' }],
    ],
  ];
  for (const [name, file, text, want] of cases) {
    t.same(await parse(text, file), want, name);
  }
});

t.test('refused, each problem with its line', async (t) => {
  const ok = ['  - source: reg.io/a:1', '    to: reg.io/b'];
  const cases: Array<[string, string, string[], string?]> = [
    // Keys and values.
    [
      'unknown key, with the expected keys',
      yaml('promotions:', ...ok, '    tgas: [1]'),
      [
        '4: unknown key "tgas" (expected source, to, tags, semver, allow-overwrite, require-referrer, referrers, platform, require-verified, max-age, evidence-repo)',
      ],
    ],
    ['missing source', yaml('promotions:', '  - to: reg.io/b'), ['2: missing source']],
    ['missing to', yaml('promotions:', '  - source: reg.io/a:1'), ['2: missing to']],
    [
      'source without tag or digest',
      yaml('promotions:', '  - source: reg.io/a', '    to: reg.io/b'),
      ['2: source "reg.io/a" needs a tag or a digest'],
    ],
    [
      'source by digest without tags',
      yaml('promotions:', `  - source: reg.io/a@${D}`, '    to: reg.io/b'),
      ['2: source has a digest but no tag: give tags to name the tags to write'],
    ],
    [
      'malformed source',
      yaml('promotions:', '  - source: reg.io/A:1', '    to: reg.io/b'),
      [
        '2: source: invalid reference "reg.io/A:1": repository path must be lowercase components of [a-z0-9] separated by "/", ".", "_", "__" or "-"',
      ],
    ],
    [
      'to with a tag',
      yaml('promotions:', '  - source: reg.io/a:1', '    to: reg.io/b:2'),
      ['3: to: invalid repository "reg.io/b:2": give a repository without tag or digest'],
    ],
    [
      'empty value',
      yaml('promotions:', '  - source:', '    to: reg.io/b'),
      ['2: source needs a value'],
    ],
    [
      'a list where a string is expected',
      yaml('promotions:', '  - source: [reg.io/a:1]', '    to: reg.io/b'),
      ['2: source must be a string, found a list'],
    ],
    [
      'a boolean that is not true or false',
      yaml(
        'promotions:',
        ...ok,
        '    semver: yes',
        '    referrers: "true"',
        '    allow-overwrite: 1',
      ),
      [
        '4: semver must be true or false, found the string "yes"',
        '5: referrers must be true or false, found the string "true"',
        '6: allow-overwrite must be true or false, found 1',
      ],
    ],
    [
      'invalid and repeated tags, empty tags list',
      yaml(
        'promotions:',
        ...ok,
        '    tags: [.x, ok, ok]',
        '  - source: reg.io/c:1',
        '    to: reg.io/d',
        '    tags: []',
      ),
      [
        '4: invalid tag ".x": 1-128 characters of [A-Za-z0-9_.-], not starting with "." or "-"',
        '4: tag "ok" is listed twice',
        '7: tags is empty: leave it out to write the source tag',
      ],
    ],
    [
      'a mapping where a list is expected; an empty list item',
      yaml(
        'promotions:',
        ...ok,
        '    platform:',
        '      os: linux',
        '    tags:',
        '      -',
        '      - a',
      ),
      ['4: platform must be a list, found a mapping', '7: tags item needs a value'],
    ],
    [
      'invalid platform',
      yaml('promotions:', ...ok, '    platform: [linux]'),
      [
        '4: platform: invalid platform "linux": expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8',
      ],
    ],
    [
      'require-referrer with a space',
      yaml('promotions:', ...ok, '    require-referrer: ["a b"]'),
      ['4: require-referrer "a b": an artifact type has no spaces'],
    ],
    [
      'the same source and to twice',
      yaml('promotions:', ...ok, ...ok),
      ['4: the same source and to as the entry on line 2'],
    ],
    [
      'an entry that is not a mapping',
      yaml('promotions:', '  - reg.io/a:1', ...ok),
      ['2: each promotion is a mapping with source and to, found the string "reg.io/a:1"'],
    ],
    // Document shape.
    [
      'empty file',
      '# nothing\n',
      [
        '1: the file is empty: expected a list of promotions: "promotions:" followed by "- source: …" entries',
      ],
    ],
    [
      'missing promotions key, unknown top-level key',
      yaml('promotion:', ...ok),
      [
        '1: unknown key "promotion" (expected promotions, defaults)',
        '1: missing key "promotions": expected a list of promotions: "promotions:" followed by "- source: …" entries',
      ],
    ],
    [
      'promotions is not a list',
      yaml('promotions: reg.io/a:1'),
      [
        '1: expected a list of promotions: "promotions:" followed by "- source: …" entries, found the string "reg.io/a:1"',
      ],
    ],
    ['empty promotions list', yaml('promotions: []'), ['1: the list of promotions is empty']],
    // YAML: anchors, aliases and tags are refused; syntax errors are the yaml package's.
    [
      'anchors and aliases',
      yaml('promotions:', '  - &first', '    source: reg.io/a:1', '  - *first'),
      ['2: anchors (&name) are not supported', '4: aliases (*name) are not supported'],
    ],
    [
      'anchor on a value',
      yaml('promotions:', '  - source: &s reg.io/a:1', '    to: reg.io/b'),
      ['2: anchors (&name) are not supported'],
    ],
    [
      'tags (!type), on a value and on a mapping',
      yaml(
        'promotions:',
        '  - source: !!str reg.io/a:1',
        '    to: reg.io/b',
        '  - !entry',
        '    source: reg.io/c:1',
        '    to: reg.io/d',
      ),
      ['2: tags (!type) are not supported', '4: tags (!type) are not supported'],
    ],
    [
      'an anchor on a key',
      yaml('promotions:', '  - &k source: reg.io/a:1', '    to: reg.io/b'),
      ['2: anchors (&name) are not supported'],
    ],
    [
      'block scalars are YAML: their final line break makes an invalid tag',
      yaml('promotions:', ...ok, '    tags: |', '      a'),
      ['4: invalid tag "a\\n": 1-128 characters of [A-Za-z0-9_.-], not starting with "." or "-"'],
    ],
    [
      'a plain value continued on the next line is folded into one',
      yaml('promotions:', '  - source: reg.io/a:1', '      -extra', '    to: reg.io/b'),
      [
        '2: source: invalid reference "reg.io/a:1 -extra": tag "1 -extra" must be 1-128 characters of [A-Za-z0-9_.-], not starting with "." or "-"',
      ],
    ],
    [
      'tab in indentation; the entry above is still checked',
      yaml('promotions:', '  - source: reg.io/a:1', '\tto: reg.io/b'),
      ['2: missing to', '3: invalid YAML: Tabs are not allowed as indentation'],
    ],
    [
      'duplicate keys',
      yaml('promotions:', ...ok, '    to: reg.io/c'),
      ['4: duplicate key "to" (first on line 3)'],
    ],
    [
      'a merge key is an unknown key',
      yaml('promotions:', ...ok, '    <<: x'),
      [
        '4: unknown key "<<" (expected source, to, tags, semver, allow-overwrite, require-referrer, referrers, platform, require-verified, max-age, evidence-repo)',
      ],
    ],
    [
      'two documents',
      yaml('promotions:', ...ok, '---', 'promotions: []'),
      ['4: a second document: put all promotions in one list'],
    ],
    [
      'content after "..." is a second document',
      yaml('promotions:', ...ok, '...', 'more: 1'),
      ['5: a second document: put all promotions in one list'],
    ],
    [
      'bad indentation: one problem for the line',
      yaml(
        'promotions:',
        '    - source: reg.io/a:1',
        '      to: reg.io/b',
        '  - source: reg.io/c:1',
      ),
      ['4: invalid YAML: A block sequence may not be used as an implicit map key'],
    ],
    [
      'a colon and space inside a plain value',
      yaml('promotions:', '  - source: reg.io/a:1 note: x', '    to: reg.io/b'),
      ['2: invalid YAML: Nested mappings are not allowed in compact mappings'],
    ],
    [
      'not a "key: value" line inside a mapping',
      yaml('promotions:', ...ok, '    just text'),
      ['4: invalid YAML: Implicit map keys need to be followed by map values'],
    ],
    [
      'unknown escape in a double-quoted value',
      yaml('promotions:', '  - source: "reg.io/a:\\q"', '    to: reg.io/b'),
      ['2: invalid YAML: Invalid escape sequence \\q'],
    ],
    [
      'reserved indicators; an explicit key is checked as any other',
      yaml('promotions:', '  - source: @x', '    to: `y`', '  - ? source', '    : x:1'),
      [
        '2: invalid YAML: Plain value cannot start with reserved character @',
        '3: invalid YAML: Plain value cannot start with reserved character `',
        '4: missing to',
      ],
    ],
    [
      'flow lists: missing comma, nested, empty item, text after, a pair, an anchor',
      yaml(
        'promotions:',
        ...ok,
        '    tags: ["a" b]',
        '    platform: [[linux/amd64]]',
        '    require-referrer: [a, , b]',
        '  - source: reg.io/c:1',
        '    to: reg.io/d',
        '    tags: [a] b',
        '    platform: [a: b]',
        '    require-referrer: [&x a]',
      ),
      [
        '4: invalid YAML: Missing , or : between flow sequence items',
        '5: platform item must be a string, found a list',
        '6: invalid YAML: Unexpected , in flow sequence',
        '9: invalid YAML: Unexpected scalar at node end',
        '10: platform item must be a string, found a mapping',
        '11: anchors (&name) are not supported',
      ],
    ],
    [
      'a key with no value for a list field; an empty key',
      yaml('promotions:', ...ok, '    tags:', '    : x'),
      ['4: tags needs a value', '5: a mapping entry without a key'],
    ],
    [
      'a list as a key',
      yaml('promotions:', ...ok, '    ? [a]', '    : x'),
      ['4: a list or mapping as a key is not supported'],
    ],
    [
      'a document that starts indented and goes back',
      yaml('  - source: reg.io/a:1', '    to: reg.io/b', 'promotions: []'),
      ['3: invalid YAML: Unexpected scalar at node end'],
    ],
    // JSON.
    [
      'JSON syntax error, with its line',
      '{\n  "promotions": [\n    {"source": "reg.io/a:1", "to": "reg.io/b"}\n    {"source": "x"}\n  ]\n}\n',
      ['4: invalid JSON: unexpected "{\\"source\\": \\"x\\"}" at column 5'],
      'p.json',
    ],
    [
      'JSON duplicate key and wrong types',
      '[\n  {\n    "source": "reg.io/a:1",\n    "to": "reg.io/b",\n    "to": "reg.io/c",\n    "tags": [1],\n    "semver": "true"\n  }\n]\n',
      [
        '5: duplicate key "to" (first on line 4)',
        '6: tags item must be a string, found 1',
        '7: semver must be true or false, found the string "true"',
      ],
      'p.json',
    ],
    [
      'JSON: empty object, then empty list',
      '{}',
      [
        '1: missing key "promotions": expected a list of promotions: "promotions:" followed by "- source: …" entries',
      ],
      'p.json',
    ],
    ['JSON: empty list', '{"promotions": []}', ['1: the list of promotions is empty'], 'p.json'],
    [
      'JSON: a trailing comma',
      '{"promotions": [],\n}',
      ['2: invalid JSON: unexpected "}" at column 1'],
      'p.json',
    ],
    [
      'JSON: missing colon, missing brace',
      '{"promotions" []}',
      ['1: invalid JSON: unexpected "[]}" at column 15'],
      'p.json',
    ],
    [
      'JSON: an unterminated string: the file ends inside it',
      '[\n  {"source": "reg.io/a:1\n}]',
      ['3: invalid JSON: unexpected end of the file'],
      'p.json',
    ],
    [
      'JSON: a raw line break inside a string',
      '[\n  {"source": "reg.io/a:1\n", "to": "reg.io/b"}]',
      ['2: invalid JSON: a control character (e.g. a line break) inside a string: escape it'],
      'p.json',
    ],
    [
      'JSON: a bad escape',
      '[{"source": "reg\\q"}]',
      ['1: invalid JSON: unexpected "\\\\q\\"}]" at column 17'],
      'p.json',
    ],
    [
      'JSON: text after the document',
      '[]\n[]',
      ['2: invalid JSON: unexpected "[]" at column 1'],
      'p.json',
    ],
    [
      'JSON: an object that does not close',
      '[{"source": "a" "to": "b"}]',
      ['1: invalid JSON: unexpected "\\"to\\": \\"b\\"}]" at column 17'],
      'p.json',
    ],
    [
      'empty JSON file',
      '  \n',
      [
        '1: the file is empty: expected a list of promotions: "promotions:" followed by "- source: …" entries',
      ],
      'p.json',
    ],
  ];
  for (const [name, text, want, file] of cases) {
    t.same(await parse(text, file), want, name);
  }
});

t.test(
  'stage-evidence gates: require-verified, max-age, evidence-repo, and defaults',
  async (t) => {
    const gated = yaml(
      'defaults:',
      '  require-verified: staging',
      '  max-age: 72h',
      '  evidence-repo: reg.io/evidence',
      'promotions:',
      '  - source: reg.io/a:1',
      '    to: reg.io/b',
      '  - source: reg.io/c:1',
      '    to: reg.io/d',
      '    require-verified: [qa, staging]',
      '    max-age: 1h30m',
      '    evidence-repo: reg.io/qa-evidence',
    );
    const want = [
      {
        line: 6,
        source: 'reg.io/a:1',
        to: 'reg.io/b',
        'require-verified': ['staging'],
        'max-age': '72h',
        'evidence-repo': 'reg.io/evidence',
      },
      {
        line: 8,
        source: 'reg.io/c:1',
        to: 'reg.io/d',
        'require-verified': ['qa', 'staging'],
        'max-age': '1h30m',
        'evidence-repo': 'reg.io/qa-evidence',
      },
    ];
    t.same(await parse(gated), want, 'YAML: an entry says more, the defaults fill in the rest');
    const json = JSON.stringify(
      {
        defaults: {
          'require-verified': ['staging'],
          'max-age': '72h',
          'evidence-repo': 'reg.io/evidence',
        },
        promotions: [
          { source: 'reg.io/a:1', to: 'reg.io/b' },
          {
            source: 'reg.io/c:1',
            to: 'reg.io/d',
            'require-verified': ['qa', 'staging'],
            'max-age': '1h30m',
            'evidence-repo': 'reg.io/qa-evidence',
          },
        ],
      },
      null,
      2,
    );
    t.same(
      await parse(json, 'p.json'),
      want.map((w, i) => ({ ...w, line: [10, 14][i] })),
      'JSON: the same entries',
    );

    const [first, second] = (await parsePromotionFile(gated, 'p.yaml')) as [
      PromotionEntry,
      PromotionEntry,
    ];
    t.same(first.maxAgeMs, 72 * 3_600_000, 'max-age in milliseconds');
    t.same(second.maxAgeMs, 90 * 60_000);
    t.same(second.evidenceRepository, { registry: 'reg.io', repository: 'qa-evidence' });

    t.same(
      await parse(
        yaml(
          'defaults:',
          '  semver: true',
          '  require-referrer: x/sig',
          'promotions:',
          '  - source: reg.io/a:1.2.3',
          '    to: reg.io/b',
          '    require-referrer: y/sbom',
          '    semver: false',
        ),
      ),
      [
        {
          line: 5,
          source: 'reg.io/a:1.2.3',
          to: 'reg.io/b',
          semver: false,
          'require-referrer': ['y/sbom', 'x/sig'],
        },
      ],
      'defaults take every entry key but source, to and tags; lists add up, an entry value wins',
    );

    const ok = ['  - source: reg.io/a:1', '    to: reg.io/b'];
    const refused: Array<[string, string, string[]]> = [
      [
        'a stage name that is not one',
        yaml('promotions:', ...ok, '    require-verified: [staging, Prod QA]'),
        [
          "4: require-verified: stage names are lower-case letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit), got \"Prod QA\"",
        ],
      ],
      [
        'a duration that is not one',
        yaml('promotions:', ...ok, '    require-verified: staging', '    max-age: 3 days'),
        ['5: max-age is a duration like 90s, 30m, 72h, 7d or 1h30m, got "3 days"'],
      ],
      [
        'a number is not a duration',
        yaml('promotions:', ...ok, '    require-verified: staging', '    max-age: 72'),
        ['5: max-age is a duration like 90s, 30m, 72h, 7d or 1h30m, got "72"'],
      ],
      [
        'an evidence repository with a tag',
        yaml(
          'promotions:',
          ...ok,
          '    require-verified: staging',
          '    evidence-repo: reg.io/e:1',
        ),
        [
          '5: evidence-repo: invalid repository "reg.io/e:1": give a repository without tag or digest',
        ],
      ],
      [
        'max-age and evidence-repo without a stage to apply to',
        yaml('promotions:', ...ok, '    max-age: 1h', '    evidence-repo: reg.io/e'),
        [
          '4: max-age applies to require-verified: name a stage',
          '5: evidence-repo applies to require-verified: name a stage',
        ],
      ],
      [
        'a default max-age no entry has a stage for',
        yaml('defaults:', '  max-age: 1h', 'promotions:', ...ok),
        ['2: max-age applies to require-verified: name a stage'],
      ],
      [
        'an empty stage list',
        yaml('promotions:', ...ok, '    require-verified: []'),
        ['4: require-verified is empty: leave it out, or name a stage'],
      ],
      [
        'defaults name no promotion',
        yaml(
          'defaults:',
          '  source: reg.io/x:1',
          '  tags: [a]',
          '  tgas: [b]',
          'promotions:',
          ...ok,
        ),
        [
          '2: unknown key "source" in defaults (expected semver, allow-overwrite, require-referrer, referrers, platform, require-verified, max-age, evidence-repo)',
          '3: unknown key "tags" in defaults (expected semver, allow-overwrite, require-referrer, referrers, platform, require-verified, max-age, evidence-repo)',
          '4: unknown key "tgas" in defaults (expected semver, allow-overwrite, require-referrer, referrers, platform, require-verified, max-age, evidence-repo)',
        ],
      ],
      [
        'defaults that are not a mapping',
        yaml('defaults: [semver]', 'promotions:', ...ok),
        ['1: defaults must be a mapping of entry keys, found a list'],
      ],
      [
        'defaults without promotions',
        yaml('defaults:', '  semver: true', 'promotion:', ...ok),
        [
          '1: missing key "promotions": expected a list of promotions: "promotions:" followed by "- source: …" entries',
          '3: unknown key "promotion" (expected promotions, defaults)',
        ],
      ],
    ];
    for (const [name, text, problems] of refused) {
      t.same(await parse(text), problems, name);
    }
    await t.rejects(
      parsePromotionFile(yaml('promotions:', ...ok, '    max-age: soon'), 'p.yaml'),
      { code: 'ERR_PROMOTION_FILE', message: /^p\.yaml:4: max-age / },
      'the promotion-file error: exit 2, file:line',
    );
  },
);

t.test('all problems are collected, across entries, in line order', async (t) => {
  const text = yaml(
    'promotions:',
    '  - source: reg.io/a:1',
    '    to: reg.io/b',
    '    tgas: [1]',
    '  - source: reg.io/C:1',
    '    to: reg.io/d',
    '    semver: maybe',
    '  - to: reg.io/e',
  );
  try {
    await parsePromotionFile(text, 'ci/promotions.yaml');
    t.fail('should throw');
  } catch (e) {
    t.ok(e instanceof PromotionFileError);
    t.ok(e instanceof UsageError, 'a usage error: exit 2');
    const err = e as PromotionFileError;
    t.equal(err.code, 'ERR_PROMOTION_FILE');
    t.equal(err.category, 'usage');
    t.equal(err.file, 'ci/promotions.yaml');
    t.same(
      err.problems.map((p) => p.line),
      [4, 5, 7, 8],
    );
    t.notMatch(err.message, /\n/, 'one line');
    t.match(
      err.message,
      /^ci\/promotions\.yaml has 4 problems: ci\/promotions\.yaml:4: unknown key "tgas" \(expected source, to, tags, semver, allow-overwrite, require-referrer, referrers, platform, require-verified, max-age, evidence-repo\); ci\/promotions\.yaml:5: source: invalid reference/,
    );
    t.match(err.message, /ci\/promotions\.yaml:8: missing source$/);
  }
});

t.test('one problem: the message is that problem', async (t) => {
  await t.rejects(parsePromotionFile(yaml('promotions:', '  - to: reg.io/b'), 'promotions.yaml'), {
    message: 'promotions.yaml:2: missing source',
    code: 'ERR_PROMOTION_FILE',
  });
});

t.test('many problems: the message lists 20, the error keeps all', async (t) => {
  const lines = ['promotions:'];
  for (let i = 0; i < 25; i++) lines.push(`  - to: reg.io/b${i}`);
  try {
    await parsePromotionFile(yaml(...lines), 'p.yaml');
    t.fail('should throw');
  } catch (e) {
    const err = e as PromotionFileError;
    t.equal(err.problems.length, 25);
    t.match(err.message, /^p\.yaml has 25 problems: /);
    t.match(err.message, /p\.yaml:21: missing source; … and 5 more$/);
  }
});

t.test('entries carry parsed references and request fields', async (t) => {
  const [e] = (await parsePromotionFile(
    yaml(
      'promotions:',
      '  - source: reg.io/a:1',
      '    to: reg.io/b',
      '    allow-overwrite: true',
      '    platform: linux/arm64/v8',
    ),
    'p.yaml',
  )) as [PromotionEntry];
  t.same(e, {
    line: 2,
    source: { registry: 'reg.io', repository: 'a', tag: '1' },
    target: { registry: 'reg.io', repository: 'b' },
    allowOverwrite: true,
    platforms: [{ os: 'linux', architecture: 'arm64', variant: 'v8' }],
  });
});

t.test('format can be forced', async (t) => {
  t.same(
    (
      await parsePromotionFile('- source: reg.io/a:1\n  to: reg.io/b\n', 'x.json', {
        format: 'yaml',
      })
    ).length,
    1,
  );
  await t.rejects(parsePromotionFile('promotions: []', 'x.yaml', { format: 'json' }), {
    message: 'x.yaml:1: invalid JSON: unexpected "promotions: []" at column 1',
  });
});

t.test('nesting past the limit is one problem by line, never a stack overflow', async (t) => {
  const deep = 10_000;
  const cases: Array<[string, string, string, number]> = [
    ['JSON arrays', 'p.json', `${'['.repeat(deep)}${']'.repeat(deep)}`, 1],
    ['JSON under promotions', 'p.json', `{"promotions":\n${'[{"a":'.repeat(deep)}1`, 2],
    ['YAML items on one line', 'p.yaml', `promotions:\n  ${'- '.repeat(deep)}x\n`, 2],
    [
      'YAML mappings, one per line',
      'p.yaml',
      Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'),
      MAX_PROMOTION_FILE_DEPTH + 1,
    ],
  ];
  for (const [what, name, text, line] of cases) {
    const problems = await parse(text, name);
    t.equal(problems.length, 1, `${what}: ${problems.join(' | ').slice(0, 300)}`);
    t.match(
      problems[0],
      new RegExp(`^${line}: .*nested deeper than ${MAX_PROMOTION_FILE_DEPTH} levels`),
      what,
    );
  }
  // What real files need is far below the limit.
  const ok = await parse(
    yaml('promotions:', '  - source: reg.io/a:1', '    to: reg.io/b', '    tags: [x, y]'),
  );
  t.same(ok, [{ line: 2, source: 'reg.io/a:1', to: 'reg.io/b', tags: ['x', 'y'] }]);
});

t.test('a file over the size limit is refused after reading just past the limit', async (t) => {
  let pulled = 0;
  const chunk = Buffer.alloc(64 * 1024, ' ');
  async function* endless() {
    for (;;) {
      pulled++;
      yield chunk;
    }
  }
  await t.rejects(readPromotionSource(endless(), 'big.yaml'), {
    code: 'ERR_PROMOTION_FILE',
    message: `big.yaml:1: the file is larger than ${MAX_PROMOTION_FILE_BYTES} bytes (${MAX_PROMOTION_FILE_BYTES / 1024 / 1024} MiB), the limit for promotions files; split it, e.g. one file per team`,
  });
  t.equal(pulled, MAX_PROMOTION_FILE_BYTES / chunk.length + 1, 'stopped at the limit');
  const small = async function* () {
    yield Buffer.from('promotions:\n');
    yield '  - source: reg.io/a:1\n';
  };
  t.equal(await readPromotionSource(small(), 's.yaml'), 'promotions:\n  - source: reg.io/a:1\n');
});
