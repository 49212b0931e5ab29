import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import "./chunk-LJTWE54T.mjs";
import {
  formatReference,
  manifestReference,
  parseReference
} from "./chunk-T7E4FPN2.mjs";
import "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/commands/digest.ts
function digestCommand(run) {
  return {
    builder: (y) => y.positional("ref", {
      type: "string",
      demandOption: true,
      describe: "host/path:tag or host/path@digest"
    }),
    handler: (args) => run(args, async (rt) => {
      const ref = parseReference(args.ref);
      const { descriptor: desc } = await rt.client().repository(ref).manifests.get(manifestReference(ref), rt.signal);
      return {
        json: {
          reference: formatReference(ref),
          digest: desc.digest,
          mediaType: desc.mediaType,
          size: desc.size
        },
        text: [desc.digest]
      };
    })
  };
}
export {
  digestCommand
};
