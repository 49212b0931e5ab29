/**
 * Where help texts and hints send people for the docs. A path like docs/cli.md means
 * nothing to someone who ran `npx oci-promote`, so they cite the docs as URLs of the
 * repository package.json names (`repository`); test/cli/docs-url.test.ts keeps the two in step.
 */

/** DOCS_URL is the docs folder of the repository, on its default branch. */
export const DOCS_URL = 'https://github.com/oci-promote/oci-promote/blob/main/docs';

/** docsUrl is the URL of one docs file, e.g. `docsUrl('cli.md')`. */
export function docsUrl(file: string): string {
  return `${DOCS_URL}/${file}`;
}
