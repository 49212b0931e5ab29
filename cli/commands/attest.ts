/**
 * `attest <image> --stage NAME --result passed|failed`: record a stage's verdict on an
 * image (resolved once to its digest) in the image's repository, where
 * `promote --require-verified NAME` reads it.
 */
import type { Argv } from 'yargs';
import {
  attest,
  formatReference,
  manifestReference,
  parseCheck,
  parseReference,
  parseResult,
  parseStage,
  parseText,
  provenanceFromEnv,
  repositoryOf,
} from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import { type EvidenceFlags, readDetails, withEvidenceFlags } from '../evidence-flags.js';
import { evidenceOutput, reportedEvidence } from '../evidence-report.js';
import { version } from '../version.js';

type Args = EvidenceFlags & {
  image: string;
  stage: string;
  result: string;
  check?: string[];
  details?: string;
  summary?: string;
};

/** attestCommand defines `attest`. */
export function attestCommand(run: RunCommand): CommandParts<Args> {
  return {
    builder: (y) =>
      withEvidenceFlags(
        y
          .positional('image', {
            type: 'string',
            demandOption: true,
            describe: 'host/path:tag or host/path@digest (resolved once to its digest)',
          })
          .option('stage', {
            type: 'string',
            demandOption: true,
            describe: 'the stage that verified it: lower-case letters, digits, . _ - (staging)',
          })
          .option('result', {
            type: 'string',
            demandOption: true,
            describe: 'passed or failed',
          })
          .option('check', {
            type: 'string',
            array: true,
            nargs: 1,
            describe: 'one named check and its result, NAME=passed|failed (repeatable)',
          })
          .option('details', {
            type: 'string',
            describe: 'a file holding a JSON object (at most 64 KiB) kept in the record',
          })
          .option('summary', { type: 'string', describe: 'one line saying what was verified' }),
        'attestation',
      ) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        // Everything is checked before the image is resolved: bad input writes nothing.
        const image = parseReference(args.image);
        manifestReference(image);
        const stage = parseStage(args.stage);
        const result = parseResult(args.result);
        const checks = (args.check ?? []).map(parseCheck);
        const details = args.details === undefined ? undefined : await readDetails(args.details);
        const summary =
          args.summary === undefined ? undefined : parseText(args.summary, '--summary');
        const provenance = provenanceFromEnv(rt.io.env);
        const r = await reportedEvidence(
          rt,
          args,
          {
            action: 'attest',
            repository: formatReference(repositoryOf(image)),
            ...(image.tag !== undefined && { tag: image.tag }),
            ...(image.digest !== undefined && { digest: image.digest }),
            dryRun: args.dryRun,
          },
          provenance,
          () =>
            attest(
              rt.client(),
              {
                image,
                stage,
                result,
                ...(checks.length > 0 && { checks }),
                ...(details !== undefined && { details }),
                ...(summary !== undefined && { summary }),
                provenance,
                dryRun: args.dryRun,
                ...(rt.signal && { signal: rt.signal }),
              },
              { tool: `oci-promote/${version}` },
            ),
        );
        return evidenceOutput(r);
      }),
  };
}
