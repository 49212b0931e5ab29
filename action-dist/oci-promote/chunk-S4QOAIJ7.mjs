import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);

// cli/secrets.ts
var MASK = "***";
var MIN_SECRET_LENGTH = 4;
function variants(secret) {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const json = JSON.stringify(secret).slice(1, -1);
  const b64 = Buffer.from(secret, "utf8").toString("base64");
  const out = [
    secret,
    // JSON string content, also with the `\/` some serializers write.
    json,
    json.replace(/\//g, "\\/"),
    // URL forms: a path segment or query value, and a form body (space as `+`).
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    // What a Basic header or a Docker config `auth` holds, padded or not, and base64url.
    b64,
    b64.replace(/=+$/, ""),
    b64.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")
  ];
  return [...new Set(out)].filter((v) => v.length >= MIN_SECRET_LENGTH);
}
var escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
var SecretSet = class {
  #forms = /* @__PURE__ */ new Set();
  #pattern = null;
  /** add registers a secret (ignored when absent or too short to be one). */
  add(secret) {
    if (!secret) return;
    let added = false;
    for (const v of variants(secret)) {
      if (!this.#forms.has(v)) {
        this.#forms.add(v);
        added = true;
      }
    }
    if (added) this.#pattern = null;
  }
  /**
   * addUrl registers a URL that is itself a secret (a webhook): the URL, its path and
   * query together and apart. Its origin stays printable.
   */
  addUrl(url) {
    if (!url) return;
    this.add(url);
    try {
      const u = new URL(url);
      this.add(`${u.pathname}${u.search}`);
      if (u.pathname.length > 1) this.add(u.pathname);
      this.add(u.search.slice(1));
    } catch {
    }
  }
  /** size is the number of registered forms (for tests). */
  get size() {
    return this.#forms.size;
  }
  /**
   * redact masks every registered form in `text`, longest first. A match right after an
   * unpaired backslash takes the backslash with it, so a JSON document stays valid.
   */
  redact(text) {
    if (this.#forms.size === 0 || text === "") return text;
    this.#pattern ??= new RegExp(
      [...this.#forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join("|"),
      "g"
    );
    const pattern = this.#pattern;
    pattern.lastIndex = 0;
    let out = "";
    let from = 0;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      let start = m.index;
      let slashes = 0;
      while (start - slashes > from && text[start - slashes - 1] === "\\") slashes++;
      if (slashes % 2 === 1) start--;
      out += `${text.slice(from, start)}${MASK}`;
      from = m.index + m[0].length;
    }
    return out + text.slice(from);
  }
  /** redactValue copies a JSON-shaped value with every string in it redacted. */
  redactValue(value) {
    if (this.#forms.size === 0) return value;
    return this.#walk(value);
  }
  #walk(v) {
    if (typeof v === "string") return this.redact(v);
    if (Array.isArray(v)) return v.map((x) => this.#walk(x));
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.#walk(x)]));
    }
    return v;
  }
};

export {
  SecretSet
};
