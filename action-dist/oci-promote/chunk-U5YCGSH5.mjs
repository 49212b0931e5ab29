import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import{readFileSync}from"node:fs";import{dirname,join}from"node:path";import{fileURLToPath}from"node:url";function findVersion(){let dir=dirname(fileURLToPath(import.meta.url));for(let i=0;i<5;i++){try{let pkg=JSON.parse(readFileSync(join(dir,"package.json"),"utf8"));if(pkg.name==="oci-promote"&&pkg.version)return pkg.version}catch{}dir=dirname(dir)}return"0.0.0"}var version=findVersion();export{version};
