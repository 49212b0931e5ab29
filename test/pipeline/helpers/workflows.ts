// The workflows in .github/workflows, parsed with the `yaml` library, and small accessors for
// the structure tests.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { root } from './scripts.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is read field by field
export type Node = any;

export interface Workflow {
  file: string;
  text: string;
  doc: Node;
}

export const workflowDir = join(root, '.github', 'workflows');

export function loadWorkflows(): Map<string, Workflow> {
  const out = new Map<string, Workflow>();
  for (const file of readdirSync(workflowDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const text = readFileSync(join(workflowDir, file), 'utf8');
    out.set(file, { file, text, doc: parse(text) });
  }
  return out;
}

/** The `on:` map (a string or list of events becomes a map of empty entries). */
export function triggers(doc: Node): Record<string, Node> {
  const on = doc.on ?? doc.true; // YAML 1.1 readers turn `on` into true; `yaml` does not
  if (typeof on === 'string') return { [on]: {} };
  if (Array.isArray(on)) return Object.fromEntries(on.map((e: string) => [e, {}]));
  return Object.fromEntries(Object.entries(on ?? {}).map(([k, v]) => [k, v ?? {}]));
}

export const jobsOf = (w: Workflow): Array<[string, Node]> => Object.entries(w.doc.jobs ?? {});

export const needsOf = (job: Node): string[] =>
  job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];

/** The workflow file a job calls (`uses: ./.github/workflows/x.yml`), else undefined. */
export function calledFile(job: Node): string | undefined {
  const m = /^\.\/\.github\/workflows\/([^/]+\.ya?ml)$/.exec(String(job.uses ?? ''));
  return m?.[1];
}

/** Every step of every job, with where it is. */
export function allSteps(
  workflows: Map<string, Workflow>,
): Array<{ file: string; job: string; step: Node; index: number }> {
  const out: Array<{ file: string; job: string; step: Node; index: number }> = [];
  for (const w of workflows.values()) {
    for (const [name, job] of jobsOf(w)) {
      (job.steps ?? []).forEach((step: Node, index: number) => {
        out.push({ file: w.file, job: name, step, index });
      });
    }
  }
  return out;
}
