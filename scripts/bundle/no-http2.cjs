// The bundled CLI's `node:http2`: undici's HTTP/2 client (dispatcher/client-h2.js) loads
// it when undici loads, though only an Agent made with `allowH2` ever speaks HTTP/2, and
// the transport does not (lib/transport/agent.ts). Loading node:http2 took ~7 ms of every
// command's start-up. This is what undici itself falls back to where Node has no http2.
module.exports = { constants: {} };
