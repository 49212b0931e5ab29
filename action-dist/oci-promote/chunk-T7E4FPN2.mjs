import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  DigestMismatchError,
  InvalidDigestError,
  InvalidReferenceError,
  SizeMismatchError,
  UsageError
} from "./chunk-TTHS4RUE.mjs";

// lib/digest.ts
import { createHash } from "node:crypto";
import { Transform } from "node:stream";
var hexLength = { sha256: 64, sha512: 128 };
var digestPattern = /^(sha256|sha512):([a-f0-9]+)$/;
function parseDigest(value) {
  const m = digestPattern.exec(value);
  if (!m) {
    throw new InvalidDigestError(
      `invalid digest ${JSON.stringify(truncate(value))}: expected sha256:<64 lowercase hex> or sha512:<128 lowercase hex>`
    );
  }
  const alg = m[1];
  if (m[2].length !== hexLength[alg]) {
    throw new InvalidDigestError(
      `invalid digest ${JSON.stringify(truncate(value))}: ${alg} needs ${hexLength[alg]} hex characters, got ${m[2].length}`
    );
  }
  return value;
}
function isDigest(value) {
  const m = digestPattern.exec(value);
  return m !== null && m[2].length === hexLength[m[1]];
}
function algorithmOf(digest) {
  return digest.slice(0, digest.indexOf(":"));
}
function hexOf(digest) {
  return digest.slice(digest.indexOf(":") + 1);
}
function shortDigest(digest) {
  const colon = digest.indexOf(":");
  return colon > 0 ? digest.slice(0, colon + 13) : digest;
}
function digestOf(bytes, algorithm = "sha256") {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}
function verifyBytes(bytes, expected, what, size) {
  if (size !== void 0 && bytes.byteLength !== size) {
    throw new SizeMismatchError(size, bytes.byteLength, what);
  }
  const actual = digestOf(bytes, algorithmOf(expected));
  if (actual !== expected) throw new DigestMismatchError(expected, actual, what);
}
var SizedStream = class extends Transform {
  constructor(size, what, onProgress) {
    super();
    this.size = size;
    this.what = what;
    this.onProgress = onProgress;
  }
  #received = 0;
  /** Bytes that have passed through so far. */
  get received() {
    return this.#received;
  }
  _transform(chunk, _enc, done) {
    this.#received += chunk.length;
    if (this.#received > this.size) {
      done(new SizeMismatchError(this.size, this.#received, this.what));
      return;
    }
    this.onProgress?.(this.#received);
    this.pass(chunk, done);
  }
  _flush(done) {
    if (this.#received !== this.size) {
      done(new SizeMismatchError(this.size, this.#received, this.what));
      return;
    }
    this.finish(done);
  }
  /** pass hands on a chunk that is within the size. */
  pass(chunk, done) {
    done(null, chunk);
  }
  /** finish ends a stream that had exactly `size` bytes. */
  finish(done) {
    done();
  }
};
var VerifyingStream = class extends SizedStream {
  constructor(expected, size, what, onProgress) {
    super(size, what, onProgress);
    this.expected = expected;
    this.#hash = createHash(algorithmOf(expected));
  }
  #hash;
  #held;
  pass(chunk, done) {
    this.#hash.update(chunk);
    const previous = this.#held;
    this.#held = chunk;
    done(null, previous);
  }
  finish(done) {
    const actual = `${algorithmOf(this.expected)}:${this.#hash.digest("hex")}`;
    if (actual !== this.expected) {
      done(new DigestMismatchError(this.expected, actual, this.what));
      return;
    }
    done(null, this.#held);
  }
};
function truncate(s) {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

// lib/reference.ts
var DOCKER_HUB = "docker.io";
var domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
var domainPattern = new RegExp(
  `^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`
);
var pathComponent = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
var pathPattern = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
var tagPattern = /^[\w][\w.-]{0,127}$/;
var maxNameLength = 255;
function isValidTag(tag) {
  return tagPattern.test(tag);
}
function parseReference(input) {
  const fail = (why) => {
    throw new InvalidReferenceError(`invalid reference ${JSON.stringify(clip(input))}: ${why}`);
  };
  if (input.length === 0) fail("empty");
  const transport = transportHint(input);
  if (transport) fail(transport);
  if (input.length > 2 * maxNameLength + 256) fail("too long");
  let rest = input;
  let digest;
  const at = rest.indexOf("@");
  if (at >= 0) {
    try {
      digest = parseDigest(rest.slice(at + 1));
    } catch (e) {
      fail(e.message);
    }
    rest = rest.slice(0, at);
  }
  let tag;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) {
      fail(
        `tag ${JSON.stringify(clip(tag))} must be 1-128 characters of [A-Za-z0-9_.-], not starting with "." or "-"`
      );
    }
  }
  const { registry, repository } = splitName(rest, fail);
  const ref = { registry, repository };
  return {
    ...ref,
    ...tag !== void 0 && { tag },
    ...digest !== void 0 && { digest }
  };
}
function parseRepository(input) {
  const ref = parseReference(input);
  if (ref.tag !== void 0 || ref.digest !== void 0) {
    throw new InvalidReferenceError(
      `invalid repository ${JSON.stringify(clip(input))}: give a repository without tag or digest`
    );
  }
  return ref;
}
function manifestReference(ref) {
  const named = ref.digest ?? ref.tag;
  if (named === void 0) throw bareNameError(formatReference(ref));
  return named;
}
function bareNameError(name) {
  return new UsageError(
    `${name} names no tag or digest: add one, e.g. ${name}:latest or ${name}@sha256:<hex>`
  );
}
function formatReference(ref) {
  let s = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== void 0) s += `:${ref.tag}`;
  if (ref.digest !== void 0) s += `@${ref.digest}`;
  return s;
}
function repositoryOf(ref) {
  return { registry: ref.registry, repository: ref.repository };
}
function splitName(name, fail) {
  let registry = DOCKER_HUB;
  let repository = name;
  const slash = name.indexOf("/");
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") {
      registry = first;
      repository = name.slice(slash + 1);
      if (!domainPattern.test(registry))
        fail(`registry ${JSON.stringify(clip(registry))} is not a valid host[:port]`);
      const port = /:(\d+)$/.exec(registry)?.[1];
      if (port !== void 0 && Number(port) > 65535) fail(`port ${port} is out of range`);
    }
  }
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  if (repository.length === 0) fail("missing repository path");
  if (!pathPattern.test(repository)) {
    fail(
      'repository path must be lowercase components of [a-z0-9] separated by "/", ".", "_", "__" or "-"'
    );
  }
  if (registry.length + 1 + repository.length > maxNameLength) {
    fail(`name is longer than ${maxNameLength} characters`);
  }
  return { registry, repository };
}
var TRANSPORT = /^(docker:\/\/|https?:\/\/|oci:|oci-archive:|docker-archive:|docker-daemon:|containers-storage:|dir:)(?!\d+\/)/;
function transportHint(input) {
  const prefix = TRANSPORT.exec(input)?.[1];
  if (prefix === void 0) return void 0;
  const rest = clip(input.slice(prefix.length));
  if (prefix.endsWith("//")) {
    return `a ${prefix} prefix is not part of a reference \u2014 drop the "${prefix}" prefix: ${rest}`;
  }
  if (prefix === "oci:") {
    return `"oci:" is skopeo's name \u2014 OCI layouts are written as oci-layout:PATH[:tag]: oci-layout:${rest}`;
  }
  return `"${prefix}" is a skopeo transport oci-promote does not read \u2014 copy from a registry or an OCI layout (oci-layout:PATH)`;
}
function clip(s) {
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

// lib/promote/evidence-fields.ts
var STAGE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
var CHECK_NAME = /^[\w][\w .:/@+-]{0,127}$/;
var MAX_CHECKS = 100;
var MAX_TEXT = 1024;
var MAX_DETAILS = 64 * 1024;
function isStage(name) {
  return STAGE.test(name);
}
function parseStage(name) {
  if (!isStage(name)) {
    throw new UsageError(
      `stage names are lower-case letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit), got ${JSON.stringify(name)}`
    );
  }
  return name;
}
function parseResult(text, what = "--result") {
  if (text !== "passed" && text !== "failed") {
    throw new UsageError(`${what} is passed or failed, got ${JSON.stringify(text)}`);
  }
  return text;
}
function parseCheck(text) {
  const at = text.lastIndexOf("=");
  const name = at > 0 ? text.slice(0, at) : "";
  if (!CHECK_NAME.test(name)) {
    throw new UsageError(
      `--check is NAME=passed|failed with a name of letters, digits, spaces and . : / @ + - (at most 128), got ${JSON.stringify(text)}`
    );
  }
  return { name, result: parseResult(text.slice(at + 1), `--check ${name}`) };
}
function checksOf(json) {
  let value;
  try {
    value = JSON.parse(json ?? "[]");
  } catch {
    return void 0;
  }
  if (!Array.isArray(value) || value.length > MAX_CHECKS) return void 0;
  const ok = value.every((c) => {
    const { name, result } = c ?? {};
    return typeof name === "string" && CHECK_NAME.test(name) && (result === "passed" || result === "failed");
  });
  return ok ? value : void 0;
}
function parseText(text, what) {
  const t = (text ?? "").trim();
  if (t === "") throw new UsageError(`${what} is required: say why`);
  if (t.length > MAX_TEXT) throw new UsageError(`${what} is longer than ${MAX_TEXT} characters`);
  if (/[\u0000-\u001f\u007f]/.test(t)) {
    throw new UsageError(`${what} must be one line of text without control characters`);
  }
  return t;
}
var UNIT_MS = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 };
function parseDuration(text, what = "--max-age") {
  const parts = /^(?:\d+[smhd])+$/.test(text) ? text.match(/\d+[smhd]/g) : null;
  const ms = (parts ?? []).reduce(
    (sum, p) => sum + Number(p.slice(0, -1)) * UNIT_MS[p.at(-1)],
    0
  );
  if (!parts || ms <= 0 || !Number.isSafeInteger(ms)) {
    throw new UsageError(
      `${what} is a duration like 90s, 30m, 72h, 7d or 1h30m, got ${JSON.stringify(text)}`
    );
  }
  return ms;
}
function parseUntil(text, now = /* @__PURE__ */ new Date()) {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
  let at;
  if (iso.test(text)) at = new Date(text);
  else {
    try {
      at = new Date(now.getTime() + parseDuration(text, "--until"));
    } catch {
      throw new UsageError(
        `--until is an ISO 8601 time (2026-12-24T18:00:00Z) or a duration from now (4h), got ${JSON.stringify(text)}`
      );
    }
  }
  if (Number.isNaN(at.getTime()))
    throw new UsageError(`--until: ${JSON.stringify(text)} is not a time`);
  if (at.getTime() <= now.getTime()) {
    throw new UsageError(`--until ${text} is not in the future`);
  }
  return at;
}

// lib/platform.ts
var part = /^[a-z0-9_.-]+$/;
function parsePlatform(value) {
  const parts = value.split("/");
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => part.test(p))) {
    throw new UsageError(
      `invalid platform ${JSON.stringify(value)}: expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8`
    );
  }
  const [os, architecture, variant] = parts;
  return variant ? { os, architecture, variant } : { os, architecture };
}
function formatPlatform(p) {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}
function platformMatches(have, want) {
  if (!have) return false;
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  return want.variant === void 0 || have.variant === want.variant;
}

// lib/promote/promotion-entries.ts
var MAX_DEPTH = 32;
var TOO_DEEP = `nested deeper than ${MAX_DEPTH} levels of lists and mappings`;
function mapping(line, entries, problems) {
  const map = { kind: "map", line, entries: [] };
  const seen = /* @__PURE__ */ new Map();
  for (const e of entries) {
    const first = seen.get(e.key);
    if (first !== void 0) {
      problems.push({ line: e.line, message: `duplicate key "${e.key}" (first on line ${first})` });
    } else {
      seen.set(e.key, e.line);
      map.entries.push(e);
    }
  }
  return map;
}
function clip2(s, n = 60) {
  return s.length > n ? `${s.slice(0, n - 3)}...` : s;
}
var PROMOTION_KEYS = [
  "source",
  "to",
  "tags",
  "semver",
  "allow-overwrite",
  "require-referrer",
  "referrers",
  "platform",
  "require-verified",
  "max-age",
  "evidence-repo"
];
var DEFAULT_KEYS = PROMOTION_KEYS.filter(
  (k) => k !== "source" && k !== "to" && k !== "tags"
);
function describe(node) {
  if (node.kind === "map") return "a mapping";
  if (node.kind === "seq") return "a list";
  if (node.kind === "refused" || node.type === "null") return "empty";
  return node.type === "string" ? `the string ${JSON.stringify(clip2(node.text))}` : node.text;
}
function toEntries(root, problems) {
  const expected = 'expected a list of promotions: "promotions:" followed by "- source: \u2026" entries';
  if (root === void 0) {
    problems.push({ line: 1, message: `the file is empty: ${expected}` });
    return [];
  }
  let list = root;
  let defaults = { options: {}, gateLines: [] };
  if (root.kind === "map") {
    list = void 0;
    for (const e of root.entries) {
      if (e.key === "promotions") list = e.value;
      else if (e.key === "defaults") defaults = toDefaults(e.value, problems);
      else {
        problems.push({
          line: e.line,
          message: `unknown key "${e.key}" (expected promotions, defaults)`
        });
      }
    }
    if (list === void 0) {
      problems.push({ line: root.line, message: `missing key "promotions": ${expected}` });
      return [];
    }
  }
  if (list.kind === "refused") return [];
  if (list.kind !== "seq") {
    problems.push({ line: list.line, message: `${expected}, found ${describe(list)}` });
    return [];
  }
  if (list.items.length === 0) {
    problems.push({ line: list.line, message: "the list of promotions is empty" });
    return [];
  }
  const entries = [];
  const firstOf = /* @__PURE__ */ new Map();
  let staged = false;
  for (const item of list.items) {
    const entry = toEntry(item, defaults.options, problems);
    if (!entry) continue;
    staged ||= entry.requireVerified !== void 0;
    const key = `${formatReference(entry.source)} -> ${formatReference(entry.target)}`;
    const first = firstOf.get(key);
    if (first !== void 0) {
      problems.push({
        line: entry.line,
        message: `the same source and to as the entry on line ${first}`
      });
      continue;
    }
    firstOf.set(key, entry.line);
    entries.push(entry);
  }
  if (!staged && entries.length === list.items.length) {
    for (const [key, line] of defaults.gateLines) problems.push({ line, message: notStaged(key) });
  }
  return entries;
}
var notStaged = (key) => `${key} applies to require-verified: name a stage`;
function toDefaults(node, problems) {
  const none = { options: {}, gateLines: [] };
  if (node.kind === "refused") return none;
  if (node.kind !== "map") {
    problems.push({
      line: node.line,
      message: `defaults must be a mapping of entry keys, found ${describe(node)}`
    });
    return none;
  }
  const before = problems.length;
  const fields = readFields(node, DEFAULT_KEYS, " in defaults", problems);
  const options = readOptions(fields);
  if (problems.length > before) return none;
  const gateLines = options.requireVerified === void 0 ? ["max-age", "evidence-repo"].flatMap((k) => {
    const v = fields.values.get(k);
    return v ? [[k, v.line]] : [];
  }) : [];
  return { options, gateLines };
}
function toEntry(item, defaults, problems) {
  if (item.kind === "refused") return void 0;
  if (item.kind !== "map") {
    problems.push({
      line: item.line,
      message: `each promotion is a mapping with source and to, found ${describe(item)}`
    });
    return void 0;
  }
  const before = problems.length;
  const fields = readFields(item, PROMOTION_KEYS, "", problems);
  const { values, problem, str, list } = fields;
  const reference = (key, parse) => {
    const v = values.get(key);
    if (!v) {
      problem(item.line, `missing ${key}`);
      return void 0;
    }
    const s = str(key, v.value);
    if (s === void 0) return void 0;
    try {
      return parse(s);
    } catch (e) {
      problem(v.line, `${key}: ${e.message}`);
      return void 0;
    }
  };
  const source = reference("source", parseReference);
  const target = reference("to", parseRepository);
  if (source && source.tag === void 0 && source.digest === void 0) {
    problem(
      values.get("source")?.line ?? item.line,
      `source ${JSON.stringify(formatReference(source))} needs a tag or a digest`
    );
  }
  let tags;
  const tagItems = list("tags");
  if (tagItems) {
    tags = [];
    const node = values.get("tags")?.value;
    if (node?.kind === "seq" && node.items.length === 0) {
      problem(node.line, "tags is empty: leave it out to write the source tag");
    }
    for (const t of tagItems) {
      if (!isValidTag(t.value)) {
        problem(
          t.line,
          `invalid tag ${JSON.stringify(clip2(t.value))}: 1-128 characters of [A-Za-z0-9_.-], not starting with "." or "-"`
        );
      } else if (tags.includes(t.value)) {
        problem(t.line, `tag "${t.value}" is listed twice`);
      } else tags.push(t.value);
    }
  } else if (source && source.tag === void 0 && source.digest !== void 0) {
    problem(
      values.get("source")?.line ?? item.line,
      "source has a digest but no tag: give tags to name the tags to write"
    );
  }
  const own = readOptions(fields);
  const options = withDefaults(own, defaults);
  if (options.requireVerified === void 0) {
    const set = { "max-age": own.maxAge, "evidence-repo": own.evidenceRepository };
    for (const [key, value] of Object.entries(set)) {
      if (value !== void 0) problem(values.get(key)?.line ?? item.line, notStaged(key));
    }
  }
  if (problems.length > before || !source || !target) return void 0;
  return {
    line: item.line,
    source,
    target,
    ...tags !== void 0 && { tags },
    ...options
  };
}
function withDefaults(own, defaults) {
  const union = (a, b) => a || b ? [.../* @__PURE__ */ new Set([...a ?? [], ...b ?? []])] : void 0;
  const requireReferrers = union(own.requireReferrers, defaults.requireReferrers);
  const requireVerified = union(own.requireVerified, defaults.requireVerified);
  const merged = { ...defaults, ...own };
  delete merged.requireReferrers;
  delete merged.requireVerified;
  const ordered = {
    ...merged.semver !== void 0 && { semver: merged.semver },
    ...merged.allowOverwrite !== void 0 && { allowOverwrite: merged.allowOverwrite },
    ...requireReferrers !== void 0 && { requireReferrers },
    ...merged.referrers !== void 0 && { referrers: merged.referrers },
    ...merged.platforms !== void 0 && { platforms: merged.platforms },
    ...requireVerified !== void 0 && { requireVerified },
    ...merged.maxAge !== void 0 && { maxAge: merged.maxAge },
    ...merged.maxAgeMs !== void 0 && { maxAgeMs: merged.maxAgeMs },
    ...merged.evidenceRepository !== void 0 && {
      evidenceRepository: merged.evidenceRepository
    }
  };
  return ordered;
}
function readFields(map, keys, where, problems) {
  const problem = (line, message) => problems.push({ line, message });
  const values = /* @__PURE__ */ new Map();
  for (const e of map.entries) {
    if (keys.includes(e.key)) values.set(e.key, { line: e.line, value: e.value });
    else problem(e.line, `unknown key "${e.key}"${where} (expected ${keys.join(", ")})`);
  }
  const str = (key, node) => {
    if (node.kind === "refused") return void 0;
    if (node.kind === "scalar" && node.type === "null") {
      problem(node.line, `${key} needs a value`);
    } else if (node.kind === "scalar" && (node.type === "string" || node.plain && node.type === "number")) {
      if (node.text.trim() === "") problem(node.line, `${key} needs a value`);
      else return node.text;
    } else {
      problem(node.line, `${key} must be a string, found ${describe(node)}`);
    }
    return void 0;
  };
  const bool = (key) => {
    const v = values.get(key);
    if (!v) return void 0;
    const node = v.value;
    if (node.kind === "refused") return void 0;
    if (node.kind === "scalar" && node.type === "boolean") return /^t/i.test(node.text);
    problem(v.line, `${key} must be true or false, found ${describe(node)}`);
    return void 0;
  };
  const list = (key) => {
    const v = values.get(key);
    if (!v) return void 0;
    const node = v.value;
    if (node.kind === "refused") return void 0;
    if (node.kind === "scalar" && node.type === "null") {
      problem(v.line, `${key} needs a value`);
      return void 0;
    }
    if (node.kind === "map") {
      problem(v.line, `${key} must be a list, found a mapping`);
      return void 0;
    }
    const out = [];
    for (const item of node.kind === "seq" ? node.items : [node]) {
      const s = str(`${key} item`, item);
      if (s !== void 0) out.push({ value: s, line: item.line });
    }
    return out;
  };
  return { values, problem, str, bool, list };
}
function readOptions(fields) {
  const { values, problem, str, bool, list } = fields;
  const semver = bool("semver");
  const allowOverwrite = bool("allow-overwrite");
  const referrers = bool("referrers");
  let requireReferrers;
  const required = list("require-referrer");
  if (required) {
    requireReferrers = [];
    for (const r of required) {
      if (/\s/.test(r.value)) {
        problem(
          r.line,
          `require-referrer ${JSON.stringify(clip2(r.value))}: an artifact type has no spaces`
        );
      } else if (!requireReferrers.includes(r.value)) requireReferrers.push(r.value);
    }
  }
  let platforms;
  const platformItems = list("platform");
  if (platformItems) {
    platforms = [];
    for (const p of platformItems) {
      try {
        platforms.push(parsePlatform(p.value));
      } catch (e) {
        problem(p.line, `platform: ${e.message}`);
      }
    }
  }
  let requireVerified;
  const stages = list("require-verified");
  if (stages) {
    requireVerified = [];
    const node = values.get("require-verified")?.value;
    if (node?.kind === "seq" && node.items.length === 0) {
      problem(node.line, "require-verified is empty: leave it out, or name a stage");
    }
    for (const st of stages) {
      try {
        const stage = parseStage(st.value);
        if (!requireVerified.includes(stage)) requireVerified.push(stage);
      } catch (e) {
        problem(st.line, `require-verified: ${e.message}`);
      }
    }
  }
  const parsed = (key, parse) => {
    const v = values.get(key);
    const text = v && str(key, v.value);
    if (!v || text === void 0) return void 0;
    try {
      return [text, parse(text)];
    } catch (e) {
      problem(v.line, e.message);
      return void 0;
    }
  };
  const maxAge = parsed("max-age", (text) => parseDuration(text, "max-age"));
  const evidence = parsed("evidence-repo", (text) => {
    try {
      return parseRepository(text);
    } catch (e) {
      throw new Error(`evidence-repo: ${e.message}`);
    }
  });
  return {
    ...semver !== void 0 && { semver },
    ...allowOverwrite !== void 0 && { allowOverwrite },
    ...requireReferrers !== void 0 && { requireReferrers },
    ...referrers !== void 0 && { referrers },
    ...platforms !== void 0 && { platforms },
    ...requireVerified !== void 0 && { requireVerified },
    ...maxAge !== void 0 && { maxAge: maxAge[0], maxAgeMs: maxAge[1] },
    ...evidence !== void 0 && { evidenceRepository: evidence[1] }
  };
}

export {
  parseDigest,
  isDigest,
  algorithmOf,
  hexOf,
  shortDigest,
  digestOf,
  verifyBytes,
  SizedStream,
  VerifyingStream,
  DOCKER_HUB,
  isValidTag,
  parseReference,
  parseRepository,
  manifestReference,
  bareNameError,
  formatReference,
  repositoryOf,
  parsePlatform,
  formatPlatform,
  platformMatches,
  MAX_CHECKS,
  MAX_DETAILS,
  isStage,
  parseStage,
  parseResult,
  parseCheck,
  checksOf,
  parseText,
  parseDuration,
  parseUntil,
  MAX_DEPTH,
  TOO_DEEP,
  mapping,
  clip2 as clip,
  toEntries
};
