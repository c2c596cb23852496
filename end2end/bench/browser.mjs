// The browser part of scripts/bench: Debian's Chromium driven by Playwright against running
// servers (release builds, the same demo database), side by side in one run.
//   node bench/browser.mjs LABEL=URL [LABEL=URL …]   (BENCH_CHANGES changes of each kind, default 30)
// Prints Markdown: time from a filter change to the new numbers painted (p50 / p95 per kind),
// cold first load (first contentful paint, hydrated), and the first load's bytes by type as
// transferred (compressed as served).
import { chromium } from "playwright-core";

const CHANGES = Number(process.env.BENCH_CHANGES ?? 30);
const COLD_LOADS = Number(process.env.BENCH_COLD_LOADS ?? 10);
const USER = process.env.BENCH_USER ?? "owner@acme.test";
const PASSWORD = process.env.BENCH_PASSWORD ?? "demo-password";
const targets = process.argv.slice(2).map((a) => {
  const [label, url] = a.split("=");
  return { label, url };
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

async function signIn(base) {
  const ctx = await browser.newContext({ baseURL: base, extraHTTPHeaders: { origin: base } });
  const res = await ctx.request.post("/api/login", { form: { email: USER, password: PASSWORD }, maxRedirects: 0 });
  if (res.status() >= 400) throw new Error(`${base}: cannot sign in (HTTP ${res.status()})`);
  const state = await ctx.storageState();
  await ctx.close();
  return state;
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};

// Every user action (a menu's change, a click) notes when it happened, in absolute time so a
// document load in between (the islands build) keeps it.
const MARK_ACTIONS = () => {
  const note = (e) => sessionStorage.setItem("bench-action-at", String(performance.timeOrigin + e.timeStamp));
  addEventListener("change", note, true);
  addEventListener("click", note, true);
};

// Milliseconds from the last user action to the frame that shows the numbers for `search`:
// the answer for that query is on screen and nothing is loading (the single-page app), or the
// document for that URL has its numbers (a page load). Measured in the page, so Playwright's
// own round trips are not in it.
async function painted(page, path, search, selector) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const ms = await page.evaluate(([path, search, selector]) => new Promise((resolve) => {
        const ready = () => {
          if (location.pathname !== path || location.search !== search) return false;
          if (!document.querySelector(selector)) return false;
          const loaded = document.querySelector(".loaded");
          if (!loaded) return true;
          return !loaded.classList.contains("pending") && !!loaded.querySelector(`.answer[data-for="${search}"]`);
        };
        const started = performance.now();
        const look = () => {
          if (ready()) {
            // The frame being built now holds the new numbers: it is painted before the
            // task after this animation frame runs.
            requestAnimationFrame(() => setTimeout(() => {
              const at = Number(sessionStorage.getItem("bench-action-at")) - performance.timeOrigin;
              // When the server function's answer had arrived (the SPA; a page load has none).
              const fetched = performance.getEntriesByType("resource")
                .filter((r) => r.name.includes("/api/") && r.startTime >= at)
                .map((r) => r.responseEnd - at);
              resolve({ painted: performance.now() - at, answered: fetched.length ? Math.max(...fetched) : undefined });
            }, 0));
          } else if (performance.now() - started > 5_000) {
            resolve(null);
          } else {
            requestAnimationFrame(look);
          }
        };
        look();
      }), [path, search, selector]);
      if (ms !== null) return ms;
    } catch (e) {
      // A document load replaced the page while we looked: look again.
    }
    if (Date.now() > deadline) throw new Error(`never painted ${path}${search}`);
  }
}

async function hydrated(page) {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached", timeout: 30_000 });
}

/** Picks `value` in the menu `name` (as a user's choice does: a change event). */
const pick = (name, value) => async (page) => {
  await page.locator(`select[name=${name}]`).selectOption(value);
};

// Each kind alternates between two views; `act` moves to `to`, which must then be painted.
const KINDS = [
  { kind: "range", start: "/usage?range=last_30", steps: [
    { act: pick("range", "last_7"), to: "/usage?range=last_7" },
    { act: pick("range", "last_30"), to: "/usage" },
  ] },
  { kind: "team", start: "/usage", steps: [
    { act: pick("team", "Sales"), to: "/usage?team=Sales" },
    { act: pick("team", ""), to: "/usage" },
  ] },
  { kind: "compare", start: "/usage", steps: [
    { act: pick("compare", "previous_period"), to: "/usage?compare=previous_period" },
    { act: pick("compare", "none"), to: "/usage" },
  ] },
  { kind: "frequency", start: "/usage", steps: [
    { act: pick("frequency", "week"), to: "/usage?frequency=week" },
    { act: pick("frequency", "day"), to: "/usage" },
  ] },
  { kind: "drill-down", start: "/usage", steps: [
    { act: (p) => p.getByTestId("features").getByTestId("drill").first().click(), to: null },
    { act: (p) => p.getByTestId("chip-feature").click(), to: "/usage" },
  ] },
  { kind: "nav link", start: "/usage", steps: [
    { act: (p) => p.locator('header nav a[href^="/users"]').click(), to: "/users" },
    { act: (p) => p.locator('header nav a[href^="/usage"]').click(), to: "/usage" },
  ] },
];

const NUMBERS = { "/usage": "[data-testid=total-used]", "/users": "[data-testid=users]" };

async function changes(base, state) {
  const ctx = await browser.newContext({ baseURL: base, storageState: state, viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript(MARK_ACTIONS);
  const page = await ctx.newPage();
  const out = {};
  for (const { kind, start, steps } of KINDS) {
    await page.goto(start);
    await hydrated(page);
    const times = { first: [], back: [], answered: [] };
    for (let i = 0; i < CHANGES; i++) {
      for (const [n, step] of steps.entries()) {
        // A drill-down's target is the link's own (the feature at the top of the table).
        const to = step.to ?? (await page.getByTestId("features").getByTestId("drill").first().getAttribute("href"));
        const url = new URL(to, base);
        await step.act(page);
        const { painted: ms, answered } = await painted(page, url.pathname, url.search, NUMBERS[url.pathname]);
        (n === 0 ? times.first : times.back).push(ms);
        if (n === 0 && answered !== undefined) times.answered.push(answered);
        // A page load must finish hydrating before the next change can be made.
        await hydrated(page);
      }
    }
    out[kind] = times.first;
    out[`${kind} answered`] = times.answered;
  }
  await ctx.close();
  return out;
}

/** One cold load of /usage: first contentful paint, hydrated, and bytes by type. */
async function coldLoad(base, state) {
  const ctx = await browser.newContext({ baseURL: base, storageState: state, viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const kinds = new Map();
  const bytes = {};
  cdp.on("Network.responseReceived", (e) => kinds.set(e.requestId, typeOf(e.response.url, e.type)));
  cdp.on("Network.loadingFinished", (e) => {
    const k = kinds.get(e.requestId) ?? "other";
    bytes[k] = (bytes[k] ?? 0) + e.encodedDataLength;
  });
  await page.goto("/usage");
  await hydrated(page);
  await page.waitForLoadState("networkidle");
  const timing = await page.evaluate(() => ({
    fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
    // The app marks when hydration has run (a build without the mark shows "–").
    hydrated: performance.getEntriesByName("hydrated")[0]?.startTime,
  }));
  await ctx.close();
  return { ...timing, bytes };
}

function typeOf(url, type) {
  const path = new URL(url).pathname;
  if (path.endsWith(".wasm")) return "wasm";
  if (path.endsWith("echarts.min.js")) return "ECharts";
  if (path.endsWith(".js")) return "JS";
  if (path.endsWith(".css")) return "CSS";
  if (type === "Document") return "HTML";
  if (path.startsWith("/api/")) return "server functions";
  return "other";
}

const results = [];
for (const t of targets) {
  const state = await signIn(t.url);
  const cold = [];
  for (let i = 0; i < COLD_LOADS; i++) cold.push(await coldLoad(t.url, state));
  results.push({ ...t, changes: await changes(t.url, state), cold });
}
await browser.close();

const ms = (x) => (x === undefined ? "–" : `${Math.round(x)}`);
const first = results[0];
console.log(`\n### Browser: filter change → new numbers painted (ms, ${CHANGES} changes of each kind)\n`);
console.log(`| kind | ${results.map((r) => `${r.label} p50 | ${r.label} p95`).join(" | ")} |${results.length > 1 ? ` p95 ${results[1].label} ÷ ${first.label} |` : ""}`);
console.log(`|---|${results.map(() => "---:|---:").join("|")}|${results.length > 1 ? "---:|" : ""}`);
for (const { kind } of KINDS) {
  const cells = results.map((r) => `${ms(quantile(r.changes[kind], 0.5))} | ${ms(quantile(r.changes[kind], 0.95))}`);
  const ratio = results.length > 1 ? ` ${(quantile(results[1].changes[kind], 0.95) / quantile(first.changes[kind], 0.95)).toFixed(2)} |` : "";
  console.log(`| ${kind} | ${cells.join(" | ")} |${ratio}`);
}
console.log(`\nOf which the server function's answer had arrived after (ms; a page load has none):\n`);
console.log(`| kind | ${results.map((r) => `${r.label} p50 | ${r.label} p95`).join(" | ")} |`);
console.log(`|---|${results.map(() => "---:|---:").join("|")}|`);
for (const { kind } of KINDS) {
  const a = (r) => r.changes[`${kind} answered`];
  console.log(`| ${kind} | ${results.map((r) => `${ms(a(r).length ? quantile(a(r), 0.5) : undefined)} | ${ms(a(r).length ? quantile(a(r), 0.95) : undefined)}`).join(" | ")} |`);
}
console.log(`\n### Browser: cold first load of /usage (ms, ${COLD_LOADS} loads, cache disabled)\n`);
console.log(`| build | first contentful paint p50 | p95 | hydrated (interactive) p50 | p95 |\n|---|---:|---:|---:|---:|`);
for (const r of results) {
  const f = r.cold.map((c) => c.fcp), h = r.cold.map((c) => c.hydrated);
  console.log(`| ${r.label} | ${ms(quantile(f, 0.5))} | ${ms(quantile(f, 0.95))} | ${ms(quantile(h, 0.5))} | ${ms(quantile(h, 0.95))} |`);
}
const types = ["HTML", "CSS", "JS", "wasm", "ECharts", "server functions", "other"];
console.log(`\n### Browser: first load's bytes as transferred (compressed as served)\n`);
console.log(`| build | ${types.join(" | ")} | total |\n|---|${types.map(() => "---:").join("|")}|---:|`);
for (const r of results) {
  const b = r.cold[0].bytes;
  const total = Object.values(b).reduce((a, x) => a + x, 0);
  console.log(`| ${r.label} | ${types.map((t) => (b[t] ?? 0).toLocaleString("en-US")).join(" | ")} | ${total.toLocaleString("en-US")} |`);
}
