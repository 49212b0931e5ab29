/**
 * Turning a command-line location into something to copy from or to: a registry
 * reference (`host/path[:tag][@digest]`) becomes a repository of the command's client;
 * `oci-layout:PATH[:tag][@digest]` an OCI image layout directory (docs/oci-layout.md).
 */
import { type Location, openLayout, parseLocation, type StoreRef } from '../lib/index.js';
import type { Runtime } from './runtime.js';

/** Role says whether a location is read (source) or written (destination). */
export type Role = 'source' | 'destination';

/**
 * parseLocations checks both arguments before anything is opened or sent, so a malformed
 * second argument fails (exit 2) without touching the first.
 */
export function parseLocations(...inputs: string[]): Location[] {
  return inputs.map(parseLocation);
}

/**
 * openLocation opens a parsed location. A destination layout that does not exist yet is
 * created on the first write (never in a dry run); a source layout must exist.
 */
export async function openLocation(loc: Location, role: Role, rt: Runtime): Promise<StoreRef> {
  if (loc.kind === 'registry') {
    const { reference } = loc;
    return {
      store: rt.client().repository(reference),
      ...(reference.tag !== undefined && { tag: reference.tag }),
      ...(reference.digest !== undefined && { digest: reference.digest }),
    };
  }
  return {
    store: await openLayout(loc.path, { create: role === 'destination' }),
    ...(loc.tag !== undefined && { tag: loc.tag }),
    ...(loc.digest !== undefined && { digest: loc.digest }),
  };
}
