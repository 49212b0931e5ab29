import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import{historyCommand,historyLines}from"./chunk-3LBZ6J4X.mjs";import"./chunk-IIE37LHP.mjs";import"./chunk-UJLBJ7RA.mjs";import"./chunk-UKZXZRO3.mjs";import"./chunk-PI7UHDHL.mjs";import"./chunk-B5TVDYD3.mjs";import"./chunk-77IAH7AB.mjs";import"./chunk-SNTG6DFR.mjs";export{historyCommand,historyLines};
