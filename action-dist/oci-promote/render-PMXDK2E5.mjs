import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import{EXIT,exitCodeOf,failureText}from"./chunk-7VZNH7S6.mjs";import"./chunk-5OIAA5TK.mjs";import"./chunk-KADQLOLL.mjs";import"./chunk-QRJEKKU2.mjs";import{errorSummary,isOciPromoteError}from"./chunk-77IAH7AB.mjs";import"./chunk-SNTG6DFR.mjs";function render({output,failure,json},io){let stop=interruption(io.signal);return failure!==void 0?fail(stop??failure,json,io):output?(json?io.stdout.write(`${JSON.stringify(output.json,null,2)}
`):output.raw?io.stdout.write(output.raw):output.text.length>0&&io.stdout.write(`${output.text.join(`
`)}
`),output.exitCode?(output.failure&&io.stderr.write(`oci-promote: ${output.failure}
`),stop?fail(stop,!1,io):output.exitCode):EXIT.ok):EXIT.ok}function interruption(signal){let reason=signal?.aborted?signal.reason:void 0;return isOciPromoteError(reason)&&reason.category==="interrupted"?reason:void 0}function errorDocument(code,message){return`${JSON.stringify({error:{code,message}},null,2)}
`}function fail(e,json,io){let failure=errorSummary(e);return io.stderr.write(`oci-promote: error: ${failureText(failure)}
`),json&&io.stdout.write(errorDocument(failure.code,failure.message)),!isOciPromoteError(e)&&e instanceof Error&&e.stack&&io.stderr.write(`${e.stack}
`),exitCodeOf(e)}export{errorDocument,render};
