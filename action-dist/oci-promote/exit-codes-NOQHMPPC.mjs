import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import{EXIT,exitCodeOf,failureLine,failureText,hintFor}from"./chunk-OEJ7B4R2.mjs";import"./chunk-5OIAA5TK.mjs";import"./chunk-XU44T4YD.mjs";import"./chunk-UJLBJ7RA.mjs";import"./chunk-UKZXZRO3.mjs";import"./chunk-PI7UHDHL.mjs";import"./chunk-B5TVDYD3.mjs";import"./chunk-77IAH7AB.mjs";import"./chunk-SNTG6DFR.mjs";export{EXIT,exitCodeOf,failureLine,failureText,hintFor};
