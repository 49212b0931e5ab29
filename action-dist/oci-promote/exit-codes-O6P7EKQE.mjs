import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import{EXIT,exitCodeOf,failureLine,failureText,hintFor}from"./chunk-7VZNH7S6.mjs";import"./chunk-5OIAA5TK.mjs";import"./chunk-KADQLOLL.mjs";import"./chunk-QRJEKKU2.mjs";import"./chunk-77IAH7AB.mjs";import"./chunk-SNTG6DFR.mjs";export{EXIT,exitCodeOf,failureLine,failureText,hintFor};
