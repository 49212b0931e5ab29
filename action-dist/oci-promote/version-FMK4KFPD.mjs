import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  version
} from "./chunk-HSIGPYPO.mjs";
import "./chunk-HGDOUQOA.mjs";
export {
  version
};
