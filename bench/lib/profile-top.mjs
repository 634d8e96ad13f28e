// Where a V8 CPU profile (node --cpu-prof) spent its time: the functions with the most self time,
// self time summed by package (node_modules/<name>, node: internals, the app's own bundle), and
// for each package the time it was anywhere on the stack ("inclusive": with everything it calls
// synchronously; work left to a later tick or promise is not counted there, and an Express
// middleware's figure includes whatever runs synchronously after its next()).
//
//   node bench/lib/profile-top.mjs <file.cpuprofile> [--top=25]
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";

/** Which package a script URL belongs to. */
function packageOf(url) {
  if (!url) return "(native/VM)";
  if (url.startsWith("node:")) return "node: internals";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (/\/build\/server\//.test(url)) return "app server bundle (build/server)";
  if (/\/build\/main\.js$/.test(url)) return "app entry (build/main.js)";
  return basename(url);
}

export function profileTop(file, top = 25) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totalUs = [...selfUs.values()].reduce((sum, us) => sum + us, 0);
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const packageOfNode = (node) =>
    node.callFrame.functionName.startsWith("(") ? node.callFrame.functionName : packageOf(node.callFrame.url);
  const stackPackages = new Map();
  const onStack = (id) => {
    let set = stackPackages.get(id);
    if (set) return set;
    const parent = parentOf.get(id);
    set = new Set(parent === undefined ? [] : onStack(parent));
    set.add(packageOfNode(byId.get(id)));
    stackPackages.set(id, set);
    return set;
  };
  const inclusive = new Map();
  const functions = new Map();
  const packages = new Map();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    if (functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    const where = url
      ? `${url.replace(/^file:\/\/.*?node_modules\//, "").replace(/^file:\/\/.*\/build\//, "build/")}:${lineNumber + 1}`
      : "";
    const key = `${functionName || "(anonymous)"} ${where}`.trim();
    functions.set(key, (functions.get(key) ?? 0) + us);
    const pkg = packageOfNode(byId.get(id));
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    for (const name of onStack(id)) if (name !== "(root)") inclusive.set(name, (inclusive.get(name) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const rows = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 1000),
        percentOfBusy: Number(((100 * us) / busyUs).toFixed(1)),
      }));
  return {
    file,
    sampledMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    functions: rows(functions),
    packages: rows(packages),
    inclusive: rows(inclusive),
  };
}

export function printProfileTop(summary, out = console.log) {
  out(`${summary.file}: ${summary.busyMs} ms busy of ${summary.sampledMs} ms sampled`);
  out("  self time by package:");
  for (const row of summary.packages)
    out(`    ${String(row.percentOfBusy).padStart(5)}%  ${String(row.ms).padStart(7)} ms  ${row.name}`);
  out("  time with the package anywhere on the stack (inclusive):");
  for (const row of summary.inclusive)
    out(`    ${String(row.percentOfBusy).padStart(5)}%  ${String(row.ms).padStart(7)} ms  ${row.name}`);
  out("  functions with the most self time:");
  for (const row of summary.functions)
    out(`    ${String(row.percentOfBusy).padStart(5)}%  ${String(row.ms).padStart(7)} ms  ${row.name}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  const top = Number(/^--top=(\d+)$/.exec(process.argv[3] ?? "")?.[1] ?? 25);
  if (!file) {
    console.error("usage: node bench/lib/profile-top.mjs <file.cpuprofile> [--top=25]");
    process.exit(2);
  }
  printProfileTop(profileTop(file, top));
}
