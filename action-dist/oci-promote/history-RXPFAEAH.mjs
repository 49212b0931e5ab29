import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import{historyCommand,historyLines}from"./chunk-7KE4ZTT5.mjs";import"./chunk-IIE37LHP.mjs";import"./chunk-PHH2X4IK.mjs";import"./chunk-QRJEKKU2.mjs";import"./chunk-77IAH7AB.mjs";import"./chunk-SNTG6DFR.mjs";export{historyCommand,historyLines};
