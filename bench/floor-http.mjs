// What the Node floors (node-floor.mjs, promote-floor.mjs) share: undici's Agent as the CLI
// bundles it, with the CLI's V8 flag (cli/bin.ts), and one call that reads the whole answer.
import { setFlagsFromString } from 'node:v8';
import { Agent } from '../scripts/bundle/undici.mjs';

setFlagsFromString('--liftoff-only');

/**
 * floorAgent returns `call(host, method, path, headers, body)`, which resolves to the
 * response and its bytes, and fails on a status of 400 or more other than 404 (an absent
 * tag list or manifest is part of both floors' exchanges); `close` ends the agent.
 */
export function floorAgent(connections) {
  const agent = new Agent({ connections });
  const call = async (host, method, path, headers = {}, body = null) => {
    // Keep the connection after a HEAD, as the transport does (lib/transport/http.ts).
    const reset = method === 'HEAD' ? false : undefined;
    const origin = `http://${host}`;
    const res = await agent.request({ origin, method, path, headers, body, reset });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode >= 400 && res.statusCode !== 404) {
      throw new Error(`${method} ${path} ${res.statusCode}`);
    }
    return { res, bytes };
  };
  return { call, close: () => agent.close() };
}
