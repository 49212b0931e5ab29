import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  login,
  logout
} from "./chunk-LJTWE54T.mjs";
import {
  parseRepository
} from "./chunk-T7E4FPN2.mjs";
import {
  UsageError
} from "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/commands/login.ts
function loginCommand(run) {
  return {
    builder: (y) => y.positional("registry", {
      type: "string",
      demandOption: true,
      describe: "registry host[:port], e.g. ghcr.io"
    }).option("username", { alias: "u", type: "string", describe: "user name" }).option("password-stdin", {
      type: "boolean",
      default: false,
      describe: "read the password or token from standard input"
    }).option("password", { alias: "p", type: "string", hidden: true }),
    handler: (args) => run(args, async (rt) => {
      if (args.password !== void 0) {
        throw new UsageError(
          'login takes no password on the command line (shell history, process lists) \u2014 pipe it in: printf %s "$TOKEN" | oci-promote login REGISTRY -u USER --password-stdin'
        );
      }
      if (!args.username || !args.passwordStdin) {
        throw new UsageError(
          "login needs -u USER and --password-stdin (the secret is read from standard input)"
        );
      }
      const registry = registryArg(args.registry);
      const password = (await readAll(rt.io.stdin)).replace(/\r?\n$/, "");
      if (!password) throw new UsageError("no password on standard input");
      const key = await login({
        ...rt.transportOptions(),
        registry,
        username: args.username,
        password,
        configPath: rt.dockerConfigPath
      });
      return {
        json: { registry, username: args.username, configPath: rt.dockerConfigPath, key },
        text: [
          `Login succeeded for ${args.username} at ${registry}; stored in ${rt.dockerConfigPath}`
        ]
      };
    })
  };
}
function logoutCommand(run) {
  return {
    builder: (y) => y.positional("registry", {
      type: "string",
      demandOption: true,
      describe: "registry host[:port], e.g. ghcr.io"
    }),
    handler: (args) => run(args, async (rt) => {
      const registry = registryArg(args.registry);
      const configPath = rt.dockerConfigPath;
      const removed = await logout({ registry, configPath });
      return {
        json: { registry, configPath, removed },
        text: [
          removed.length > 0 ? `Removed the credentials for ${registry} from ${configPath}` : `Not logged in to ${registry}: no entry in ${configPath}`
        ]
      };
    })
  };
}
function registryArg(text) {
  let registry;
  try {
    registry = parseRepository(`${text}/x`).registry;
  } catch {
  }
  if (registry !== text && !(registry === "docker.io" && text.includes("docker.io"))) {
    throw new UsageError(
      `invalid registry ${JSON.stringify(text)}: give host[:port], e.g. ghcr.io`
    );
  }
  return registry;
}
async function readAll(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString("utf8");
}
export {
  loginCommand,
  logoutCommand
};
