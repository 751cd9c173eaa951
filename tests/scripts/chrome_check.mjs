// Reads a Trace Event Format file with Chrome DevTools' own trace engine
// (npm's @paulirish/trace_engine, the Performance panel's model, as
// Lighthouse uses it) and prints what it made of it: per process and
// thread, the names of its complete events in time order, and the process
// names.  Usage: node chrome_check.mjs TOOLS_DIR TRACE.json
import fs from 'node:fs';

const [tools, file] = process.argv.slice(2);
const {analyzeEvents} = await import(tools + '/node_modules/@paulirish/trace_engine/analyze-trace.mjs');
const json = JSON.parse(fs.readFileSync(file, 'utf8'));
const {parsedTrace} = await analyzeEvents(json.traceEvents);
const data = parsedTrace.data ?? parsedTrace;
const threads = {};
for (const [pid, p] of data.Renderer.processes)
  for (const [tid, t] of p.threads)
    threads[pid + '/' + tid] = t.entries.map((e) => e.name);
const names = {};
for (const [pid, e] of data.Meta.processNames) names[pid] = e.args?.name;
console.log(JSON.stringify({threads, names}));
