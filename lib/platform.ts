/**
 * Platforms (`os/arch[/variant]`) as used by `--platform` and index entries.
 * Reference: OCI image-spec v1.1.0 image-index.md "platform".
 */
import { UsageError } from './errors.js';

/** Platform describes what an index entry runs on. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
}

const part = /^[a-z0-9_.-]+$/;

/** parsePlatform parses `os/arch[/variant]`. */
export function parsePlatform(value: string): Platform {
  const parts = value.split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => part.test(p))) {
    throw new UsageError(
      `invalid platform ${JSON.stringify(value)}: expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8`,
    );
  }
  const [os, architecture, variant] = parts as [string, string, string?];
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** formatPlatform renders `os/arch[/variant]`. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * platformMatches tells whether an index entry's platform satisfies a wanted one.
 * A wanted platform without variant matches every variant of that architecture.
 */
export function platformMatches(have: Platform | undefined, want: Platform): boolean {
  if (!have) return false;
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  return want.variant === undefined || have.variant === want.variant;
}
