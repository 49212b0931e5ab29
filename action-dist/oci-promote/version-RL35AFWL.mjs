import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import{version}from"./chunk-U5YCGSH5.mjs";import"./chunk-SNTG6DFR.mjs";export{version};
