import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
var LOG_LEVELS=["trace","debug","info","warn","error","silent"];export{LOG_LEVELS};
