import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
var DOCS_URL="https://github.com/oci-promote/oci-promote/blob/main/docs";function docsUrl(file){return`${DOCS_URL}/${file}`}export{docsUrl};
