import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  escapeText
} from "./chunk-CTFZVZXF.mjs";
import "./chunk-LJTWE54T.mjs";
import {
  formatReference,
  parseRepository
} from "./chunk-T7E4FPN2.mjs";
import "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/commands/tags.ts
function tagsCommand(run) {
  return {
    builder: (y) => y.positional("repo", {
      type: "string",
      demandOption: true,
      describe: "host/path"
    }),
    handler: (args) => run(args, async (rt) => {
      const ref = parseRepository(args.repo);
      const repo = rt.client().repository(ref);
      if (args.json) {
        const tags = [];
        for await (const tag of repo.tags(rt.signal)) tags.push(tag);
        return { json: { repository: formatReference(ref), tags }, text: [] };
      }
      for await (const page of repo.tagPages(rt.signal)) {
        rt.io.stdout.write(`${page.map(escapeText).join("\n")}
`);
      }
      return { json: null, text: [] };
    })
  };
}
export {
  tagsCommand
};
