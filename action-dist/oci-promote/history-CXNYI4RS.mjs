import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import{historyCommand,historyLines}from"./chunk-JO7OGN4G.mjs";import"./chunk-IIE37LHP.mjs";import"./chunk-KADQLOLL.mjs";import"./chunk-QRJEKKU2.mjs";import"./chunk-77IAH7AB.mjs";import"./chunk-SNTG6DFR.mjs";export{historyCommand,historyLines};
