import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import{__commonJS,__require}from"./chunk-SNTG6DFR.mjs";var require_node_module=__commonJS({"builtin:node:module"(exports,module){"use strict";module.exports=__require("node:module")}});export{require_node_module};
