import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import{__commonJS,__require}from"./chunk-SNTG6DFR.mjs";var require_node_v8=__commonJS({"builtin:node:v8"(exports,module){"use strict";module.exports=__require("node:v8")}});export{require_node_v8};
