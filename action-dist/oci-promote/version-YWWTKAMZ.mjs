import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import{version}from"./chunk-D2B46JNY.mjs";import"./chunk-UKZXZRO3.mjs";import"./chunk-PI7UHDHL.mjs";import"./chunk-SNTG6DFR.mjs";export{version};
