// A stand-in for the `string-width` package inside the bundled CLI. The real one builds
// a very large emoji regular expression when loaded (≈ 17 ms of every start-up, twice:
// yargs and cliui each pull a copy) to measure terminal width for --help wrapping. Our
// help text has no emoji or wide characters, so code points are columns.
const ansi = /\u001b\[[0-9;]*m/g;

export default function stringWidth(text) {
  let width = 0;
  for (const ch of String(text).replace(ansi, '')) {
    const c = ch.codePointAt(0);
    // Control characters and combining marks take no column.
    if (c >= 0x20 && !(c >= 0x7f && c < 0xa0) && !(c >= 0x300 && c < 0x370)) width++;
  }
  return width;
}
