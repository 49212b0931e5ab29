/**
 * Small text formatting helpers for human output.
 */

/** formatBytes renders a byte count with a binary unit: 512 B, 1.5 KiB, 12.3 MiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** shortDigest shortens a digest for progress lines: `sha256:0123456789ab`. */
export function shortDigest(d: string): string {
  const colon = d.indexOf(':');
  return d.slice(0, colon + 13);
}
