import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  historyCommand,
  historyLines
} from "./chunk-TC5MON4W.mjs";
import "./chunk-CTFZVZXF.mjs";
import "./chunk-LJTWE54T.mjs";
import "./chunk-T7E4FPN2.mjs";
import "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";
export {
  historyCommand,
  historyLines
};
