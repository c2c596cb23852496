// Screenshots of every page at desktop and phone width, for a human to look at:
//   node screenshots.mjs [base-url] [out-dir]
// and a drill-down path from the overview to one user's flows, followed inside the app.
// Uses Debian's Chromium through Playwright (no browser download).
import { chromium } from "@playwright/test";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const out = process.argv[3] ?? "test-results/screens";
const pages = ["usage", "users", "flows", "activity", "credits", "requests", "settings"];
const sizes = [[1280, 800], [390, 844]];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let problems = 0;
for (const [width, height] of sizes) {
  const page = await browser.newPage({ viewport: { width, height } });
  // Signed in as the demo owner (sees every page).
  await page.goto(`${base}/login`);
  await page.locator("input[name=email]").fill(process.env.SCREENSHOT_USER ?? "owner@acme.test");
  await page.locator("input[name=password]").fill(process.env.SCREENSHOT_PASSWORD ?? "demo-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/usage/);
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") { problems++; console.log(`${width} console ${m.type()}: ${m.text()}`); }
  });
  page.on("pageerror", (e) => { problems++; console.log(`${width} pageerror: ${e.message}`); });
  for (const p of pages) {
    await page.goto(`${base}/${p}`, { waitUntil: "networkidle" });
    await page.waitForTimeout(600);
    await page.screenshot({ path: `${out}/${p}-${width}.png`, fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) console.log(`${p} at ${width}px: page is ${overflow}px wider than the window`);
  }
  // A drill-down path inside the app: the overview → Users → one user's row → that user's flows.
  await page.goto(`${base}/usage?range=last_90`, { waitUntil: "networkidle" });
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.locator('header nav a[href^="/users"]').click();
  await page.waitForURL(/\/users/);
  await page.waitForTimeout(600);
  const rows = page.getByTestId("users").locator("tbody tr").filter({ has: page.getByTestId("drill") });
  // An organization without usage yet has no user to drill into.
  if ((await rows.count()) === 0) { console.log(`${width}: no user rows, no drill-down path`); await page.close(); continue; }
  await rows.first().getByTestId("drill").click();
  await page.waitForURL(/user=/);
  await page.waitForTimeout(600);
  await page.screenshot({ path: `${out}/drill-1-user-usage-${width}.png`, fullPage: true });
  await page.locator('header nav a[href^="/flows"]').click();
  await page.waitForURL(/\/flows\?.*user=/);
  await page.waitForTimeout(600);
  await page.screenshot({ path: `${out}/drill-2-user-flows-${width}.png`, fullPage: true });
  await page.close();
}
await browser.close();
console.log(`screenshots in ${out}; ${problems} console problems`);
