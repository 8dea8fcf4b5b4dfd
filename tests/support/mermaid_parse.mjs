// Parse Mermaid diagrams with mermaid's own parser (the npm package, no browser).
//   node tests/mermaid_parse.mjs < diagrams.json
// stdin: a JSON list of diagram texts; stdout: a JSON list with, per
// diagram, null when it parses, else the parser's message.
import DOMPurify from 'dompurify';
// Parsing needs no DOM. mermaid registers sanitizer hooks when it is
// imported; without a window DOMPurify has none, so give it no-ops.
for (const name of ['addHook', 'removeHook', 'removeHooks', 'removeAllHooks']) DOMPurify[name] = () => {};
DOMPurify.sanitize = (text) => text;
const { default: mermaid } = await import('mermaid');

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    results.push(parsed && parsed.diagramType ? null : 'not recognised as a diagram');
  } catch (error) {
    results.push(String(error && error.message ? error.message : error));
  }
}
process.stdout.write(JSON.stringify(results));
