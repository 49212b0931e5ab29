import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  EXIT,
  exitCodeOf,
  failureLine,
  failureText,
  hintFor
} from "./chunk-CZ5OMZCG.mjs";
import "./chunk-MIN6OU75.mjs";
import "./chunk-LJTWE54T.mjs";
import "./chunk-T7E4FPN2.mjs";
import "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";
export {
  EXIT,
  exitCodeOf,
  failureLine,
  failureText,
  hintFor
};
