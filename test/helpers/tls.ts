/**
 * Certificates for the TLS and token-auth tiers, made with the system `openssl` at test
 * time (EC P-256 keys: fast to generate, and what Go's TLS stack and distribution's
 * libtrust both accept). Nothing is committed: every run gets its own authorities.
 *
 * ```ts
 * const pki = await createPki(t);                         // temp folder, removed in teardown
 * const ca = await pki.ca('test CA');                     // self-signed root
 * const srv = await pki.issue(ca, 'registry', { ip: ['127.0.0.1'], dns: ['localhost'] });
 * const reg = await startTlsRegistry(t, srv);             // docker-registry over https
 * ```
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type Registry,
  type RegistryOptions,
  startRegistry,
  type TeardownHost,
} from './registry.js';

const execFileAsync = promisify(execFile);

/** A certificate and its private key, as files and as PEM text. */
export interface CertKey {
  name: string;
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
  /** The certificate in DER, base64 (standard alphabet): what a JWT `x5c` entry holds. */
  derBase64: string;
  /** True for a self-signed root authority. */
  root: boolean;
  /** The intermediates above this certificate, nearest first (the root is not included). */
  chain: CertKey[];
}

/** SubjectAltNames of a leaf certificate. */
export interface AltNames {
  ip?: string[];
  dns?: string[];
}

/** Pki makes certificates in one temporary folder. */
export interface Pki {
  dir: string;
  /** A self-signed root authority. */
  ca(name: string): Promise<CertKey>;
  /** An intermediate authority signed by `issuer`. */
  intermediate(issuer: CertKey, name: string): Promise<CertKey>;
  /** A leaf certificate signed by `issuer` (a server certificate when names are given). */
  issue(issuer: CertKey, name: string, names?: AltNames): Promise<CertKey>;
}

let serial = 0;

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd: dir });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

async function load(
  dir: string,
  name: string,
  file: string,
  root: boolean,
  chain: CertKey[],
): Promise<CertKey> {
  const certPath = join(dir, `${file}.crt`);
  const keyPath = join(dir, `${file}.key`);
  const certPem = await readFile(certPath, 'utf8');
  const keyPem = await readFile(keyPath, 'utf8');
  const b64 = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(certPem)?.[1];
  if (!b64) throw new Error(`${certPath} holds no certificate`);
  return {
    name,
    certPath,
    keyPath,
    certPem,
    keyPem,
    derBase64: b64.replace(/\s+/g, ''),
    root,
    chain,
  };
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** createPki makes a temporary folder for certificates, removed in `t.teardown`. */
export async function createPki(t: TeardownHost): Promise<Pki> {
  const dir = await mkdtemp(join(tmpdir(), 'oci-promote-pki-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));

  const sign = async (issuer: CertKey, name: string, extensions: string): Promise<CertKey> => {
    const file = `c${++serial}`;
    await writeFile(join(dir, `${file}.ext`), extensions);
    await openssl(dir, [
      'req',
      ...EC,
      '-keyout',
      `${file}.key`,
      '-out',
      `${file}.csr`,
      '-subj',
      `/CN=${name}`,
    ]);
    await openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${file}.csr`,
      '-CA',
      issuer.certPath,
      '-CAkey',
      issuer.keyPath,
      '-set_serial',
      String(Date.now() * 1000 + serial),
      '-days',
      '2',
      '-sha256',
      '-extfile',
      `${file}.ext`,
      '-out',
      `${file}.crt`,
    ]);
    return load(dir, name, file, false, issuer.root ? [] : [issuer, ...issuer.chain]);
  };

  return {
    dir,
    async ca(name) {
      const file = `c${++serial}`;
      await openssl(dir, [
        'req',
        '-x509',
        ...EC,
        '-keyout',
        `${file}.key`,
        '-out',
        `${file}.crt`,
        '-days',
        '2',
        '-sha256',
        '-subj',
        `/CN=${name}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ]);
      return load(dir, name, file, true, []);
    },
    intermediate(issuer, name) {
      return sign(
        issuer,
        name,
        'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n',
      );
    },
    issue(issuer, name, names = {}) {
      const alt = [
        ...(names.ip ?? []).map((ip) => `IP:${ip}`),
        ...(names.dns ?? []).map((d) => `DNS:${d}`),
      ];
      const ext = [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        ...(alt.length > 0
          ? ['extendedKeyUsage=serverAuth', `subjectAltName=${alt.join(',')}`]
          : []),
      ].join('\n');
      return sign(issuer, name, `${ext}\n`);
    },
  };
}

/** TlsFixture is a CA, a server certificate for 127.0.0.1/localhost, and an unrelated CA. */
export interface TlsFixture {
  pki: Pki;
  ca: CertKey;
  server: CertKey;
  /** A CA that did not sign the server certificate (a "wrong --ca-file"). */
  otherCa: CertKey;
}

/** tlsFixture makes the certificates a TLS test needs. */
export async function tlsFixture(t: TeardownHost): Promise<TlsFixture> {
  const pki = await createPki(t);
  const [ca, otherCa] = await Promise.all([
    pki.ca('oci-promote test CA'),
    pki.ca('oci-promote unrelated CA'),
  ]);
  const server = await pki.issue(ca, 'oci-promote test registry', {
    ip: ['127.0.0.1'],
    dns: ['localhost'],
  });
  return { pki, ca, server, otherCa };
}

/**
 * withTls adds `http.tls` (certificate and key files) to a registry configuration; the
 * harness then talks https to it and `url` starts with `https://`.
 */
export function withTls(
  server: CertKey,
  configure?: (config: Record<string, unknown>) => void,
): (config: Record<string, unknown>) => void {
  return (config) => {
    const http = (config.http ?? {}) as Record<string, unknown>;
    http.tls = { certificate: server.certPath, key: server.keyPath };
    config.http = http;
    configure?.(config);
  };
}

/** startTlsRegistry starts docker-registry serving https with `server`'s certificate. */
export function startTlsRegistry(
  t: TeardownHost,
  server: CertKey,
  opts: RegistryOptions = {},
): Promise<Registry> {
  return startRegistry(t, { ...opts, configure: withTls(server, opts.configure) });
}
