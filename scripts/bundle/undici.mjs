// The bundled CLI's `undici`: the library takes only `Agent` from it (lib/transport/agent.ts)
// and calls its request(). undici's index also loads fetch, WebSocket, EventSource, the
// cache, mock, proxy and retry agents, none of which the CLI uses: loading Agent alone
// takes about a third of the start-up time of the whole package (measured with require()).
// Same classes, from undici's own files; a new import from 'undici' in lib/ fails the build
// ("No matching export") until it is added here. Relative paths: the alias of `undici`
// would rewrite `undici/...` specifiers to this file.
import api from '../../node_modules/undici/lib/api/index.js';
import Agent from '../../node_modules/undici/lib/dispatcher/agent.js';
import Dispatcher from '../../node_modules/undici/lib/dispatcher/dispatcher.js';

// As undici's index.js does: request(), stream(), pipeline()… on every dispatcher.
Object.assign(Dispatcher.prototype, api);

export { Agent };
