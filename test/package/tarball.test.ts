// Packaging: `npm pack` (which runs `prepare` = the build), install the tarball into an
// empty folder as a consumer does, with its runtime dependencies only (`--omit=dev`), then
// run the installed binary and import the installed library — what a user of the published
// package gets. The binary is an entry plus chunks it imports on demand
// (scripts/bundle/build.mjs) with yargs, pino and the library bundled in: a promotion
// between two real registries loads the chunks a command needs, so a chunk left out of the
// package, or a package the bundle still imports, fails here. The library's `dependencies`
// are exactly the packages dist/lib imports (statically or with import()).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import t from 'tap';
import { startRegistry } from '../helpers/registry.js';
import { BUSYBOX_LAYOUT, pushLayout, skopeoDigest } from '../helpers/seed.js';

const execFileAsync = promisify(execFile);
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
};

/** The CLI's own packages: bundled into the binary, never installed for a consumer. */
const CLI_ONLY = ['pino', 'yargs', 'yargs-parser', 'cliui', 'sonic-boom', 'thread-stream'];

/** jsFiles lists the .js/.mjs files under dir (absolute paths). */
async function jsFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true });
  return names.filter((f) => /\.m?js$/.test(f)).map((f) => join(dir, f));
}

/**
 * packagesImported names the packages (not node: builtins, not relative files) that these
 * modules and the modules they import import, statically or with import(): esbuild follows
 * the graph and reports what it would leave external.
 */
async function packagesImported(entryPoints: string[]): Promise<string[]> {
  const r = await build({
    entryPoints,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outdir: join(tmpdir(), 'unused'),
    logLevel: 'silent',
  });
  const names = new Set<string>();
  for (const input of Object.values(r.metafile.inputs)) {
    for (const i of input.imports) {
      if (!i.external || isBuiltin(i.path)) continue;
      names.add(
        i.path
          .split('/')
          .slice(0, i.path.startsWith('@') ? 2 : 1)
          .join('/'),
      );
    }
  }
  return [...names].sort();
}

async function run(cmd: string, args: string[], cwd: string) {
  try {
    return await execFileAsync(cmd, args, { cwd, maxBuffer: 32 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stderr || e.stdout || e.message}`,
    );
  }
}

t.test(
  'npm pack, install the tarball without dev dependencies, run the binary, import the library',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'oci-promote-package-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const packDir = join(dir, 'pack');
    const app = join(dir, 'app');
    await mkdir(packDir);
    await mkdir(app);

    const packed = await run('npm', ['pack', '--json', '--pack-destination', packDir], root);
    // `prepare` prints the build's output before the JSON document.
    const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const tarball = join(packDir, info[0]!.filename);
    t.ok((await stat(tarball)).size > 0, `packed ${info[0]!.filename}`);
    const files = info[0]!.files.map((f) => f.path);
    t.ok(files.includes('dist/oci-promote.mjs'), 'the bundled binary is packed');
    t.ok(
      files.some((f) => /^dist\/oci-promote\/main-\w+\.mjs$/.test(f)),
      'with the chunks it imports',
    );
    t.ok(files.includes('dist/lib/index.js'), 'the library is packed');
    t.ok(files.includes('dist/lib/index.d.ts'), 'with its types');
    t.same(
      files.filter((f) => /\.test\.|^test\/|^lib\/|^cli\/|\.map$/.test(f)),
      [],
      'no tests, sources or source maps',
    );

    await run(
      'npm',
      ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball],
      app,
    );
    const installedPkg = join(app, 'node_modules', pkg.name);

    // A consumer gets the library's dependencies and theirs, nothing of the CLI's.
    const lock = JSON.parse(await readFile(join(app, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    const installed = Object.keys(lock.packages)
      .filter((p) => p.startsWith('node_modules/') && p !== `node_modules/${pkg.name}`)
      .map((p) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length));
    t.comment(`a consumer install: ${installed.length} packages besides ${pkg.name}`);
    t.strictSame(
      installed.filter((p) => CLI_ONLY.includes(p)),
      [],
      'none of the CLI-only packages is installed',
    );
    t.ok(installed.length <= 10, `a small install (${installed.sort().join(', ')})`);
    t.strictSame(
      await packagesImported(await jsFiles(join(installedPkg, 'dist', 'lib'))),
      Object.keys(pkg.dependencies).sort(),
      "the library's dependencies are exactly the packages dist/lib imports",
    );
    const binFiles = [
      join(installedPkg, 'dist', 'oci-promote.mjs'),
      ...(await jsFiles(join(installedPkg, 'dist', 'oci-promote'))),
    ];
    t.strictSame(await packagesImported(binFiles), [], 'the binary imports no package');
    // Bundled CommonJS code calls require() (esbuild's __require), which esbuild does not follow.
    const required = new Set<string>();
    for (const f of binFiles) {
      const text = await readFile(f, 'utf8');
      for (const m of text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) required.add(m[1]!);
    }
    t.strictSame(
      [...required].filter((r) => !isBuiltin(r)),
      [],
      'nor requires one',
    );

    // Run through the .bin link directly: the shebang and the executable bit must be right.
    const version = await run(join(app, 'node_modules', '.bin', 'oci-promote'), ['--version'], app);
    t.equal(version.stdout, `${pkg.version}\n`, `--version prints ${pkg.version}`);

    const help = await run(join(app, 'node_modules', '.bin', 'oci-promote'), ['--help'], app);
    t.match(help.stdout, /oci-promote <command> \[options\]/);
    const promoteHelp = await run(
      join(app, 'node_modules', '.bin', 'oci-promote'),
      ['promote', '--help'],
      app,
    );
    t.match(promoteHelp.stdout, /--semver/, "a command's own flags load with it");

    const [src, dst] = await Promise.all([startRegistry(t), startRegistry(t)]);
    const digest = await pushLayout(src, BUSYBOX_LAYOUT, 'amd64', 'staging/busybox', '1.36.1');
    const promoted = await run(
      join(app, 'node_modules', '.bin', 'oci-promote'),
      [
        'promote',
        '--plain-http',
        '--semver',
        '--json',
        `${src.host}/staging/busybox:1.36.1`,
        '--to',
        `${dst.host}/prod/busybox`,
      ],
      app,
    );
    t.equal(JSON.parse(promoted.stdout).digest, digest, 'the installed binary promotes');
    t.equal(await skopeoDigest(dst, 'prod/busybox:1.36'), digest, 'and wrote the semver tags');

    const imported = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import('${pkg.name}').then(m => console.log(typeof m.copy, typeof m.createClient, typeof m.parseReference))`,
      ],
      app,
    );
    t.equal(imported.stdout, 'function function function\n', 'the library imports by name');
  },
);
