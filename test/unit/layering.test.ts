// The layering rules, checked on the source text: lib/ never reaches into cli/, yargs or
// process state, each lib layer imports only the layers below it (listed below), and the
// storage seam (docs/oci-layout.md "Storage seam") depends on no backend.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

const rank: Record<string, number> = {
  pure: 0,
  transport: 1,
  content: 1,
  registry: 2,
  layout: 2,
  copy: 3,
  promote: 4,
};
/** code drops comments, so prose about process.env does not count. */
const code = (text: string): string =>
  text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

const layerOf = (file: string): string => {
  const m = /^lib\/(transport|content|registry|layout|copy|promote)\//.exec(file);
  return m ? m[1]! : file === 'lib/index.ts' ? 'index' : 'pure';
};

t.test('lib/ does not import cli/, yargs, or read process.env/argv', async (t) => {
  const files = sources('lib');
  t.ok(files.length > 10, 'found the library sources');
  for (const file of files) {
    const text = code(readFileSync(join(root, file), 'utf8'));
    t.notMatch(text, /from ['"](\.\.\/)+cli\//, `${file} imports cli/`);
    t.notMatch(text, /from ['"]yargs/, `${file} imports yargs`);
    t.notMatch(text, /process\.(env|argv)/, `${file} reads process state`);
  }
});

t.test('each lib layer imports only the layers below it', async (t) => {
  for (const file of sources('lib')) {
    const layer = layerOf(file);
    if (layer === 'index') continue;
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/from ['"](\.[^'"]+)['"]/g)) {
      const target = relative(root, join(root, file, '..', m[1]!)).replace(/\.js$/, '.ts');
      const targetLayer = layerOf(target);
      t.ok(
        targetLayer !== 'index' && rank[targetLayer]! <= rank[layer]!,
        `${file} (${layer}) -> ${target} (${targetLayer})`,
      );
    }
  }
});

/** layersImported lists the lib layers a file imports (relative imports only). */
const layersImported = (file: string): string[] =>
  [...readFileSync(join(root, file), 'utf8').matchAll(/from ['"](\.[^'"]+)['"]/g)].map((m) =>
    layerOf(relative(root, join(root, file, '..', m[1]!)).replace(/\.js$/, '.ts')),
  );

t.test(
  'the storage seam (lib/content) depends on no backend, and the backends not on each other',
  async (t) => {
    const content = sources('lib/content');
    t.ok(content.length > 0, 'found lib/content');
    for (const file of content) {
      for (const layer of layersImported(file)) {
        t.ok(layer === 'pure' || layer === 'content', `${file} imports ${layer}`);
      }
    }
    const layout = sources('lib/layout');
    t.ok(layout.length > 0, 'found lib/layout');
    for (const file of layout) {
      for (const layer of layersImported(file)) {
        t.ok(layer !== 'registry' && layer !== 'transport', `${file} imports ${layer}`);
      }
    }
    for (const file of sources('lib/registry')) {
      t.notOk(layersImported(file).includes('layout'), `${file} imports layout`);
    }
  },
);

t.test('the CLI uses the library only through its public API', async (t) => {
  for (const file of sources('cli')) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/from ['"]((\.\.\/)+lib\/[^'"]+)['"]/g)) {
      // lib/errors.js is public (lib/index.ts re-exports all of it); cli/main.ts takes it
      // directly so that parsing arguments does not load the whole library (start-up).
      const publicApi = /\/lib\/index\.js$/.test(m[1]!) || m[1] === '../lib/errors.js';
      t.ok(publicApi, `${file} imports ${m[1]}`);
    }
  }
});
