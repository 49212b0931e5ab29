/**
 * Reading the repository's Markdown for the docs checks: which files, and their fenced
 * code blocks with the line each starts on (so a failure can name file:line).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root. */
export const root = join(import.meta.dirname, '..', '..');

/** docFiles lists README.md and every docs/*.md, relative to the root. */
export function docFiles(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** readDoc reads a file relative to the root. */
export const readDoc = (file: string): string => readFileSync(join(root, file), 'utf8');

/** A fenced code block: its info string, its text, and the 1-based line of its opening fence. */
export interface FencedBlock {
  info: string;
  body: string;
  line: number;
  /** The 1-based line of its closing fence (the last line when unclosed). */
  endLine: number;
}

/**
 * fencedBlocks finds the fenced blocks of a CommonMark document (``` or ~~~, three or more,
 * closed by a fence of the same character at least as long; an unclosed block runs to the
 * end, as CommonMark has it).
 */
export function fencedBlocks(text: string): FencedBlock[] {
  const lines = text.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length; i++) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[i]!);
      if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length) break;
      body.push(lines[i]!);
    }
    blocks.push({
      info: open[2]!.trim(),
      body: body.join('\n'),
      line: start + 1,
      endLine: Math.min(i, lines.length - 1) + 1,
    });
  }
  return blocks;
}

/** withoutCode blanks fenced blocks and inline code spans, keeping line numbers. */
export function withoutCode(text: string): string {
  const lines = text.split('\n');
  for (const b of fencedBlocks(text)) {
    for (let i = b.line - 1; i < b.endLine; i++) lines[i] = '';
  }
  return lines.map((l) => l.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '')).join('\n');
}
