import { test, expect, Page } from "@playwright/test";
import { acme, collectErrors, credits, hydrated, salesMembers, sql, totalUsed } from "./support";

// The dashboard is a single-page app: after the first (server-rendered) document, filters,
// links, pagers and drill-downs fetch server-function data and repaint in place.

/** Records every document request and server-function call the page makes from now on. */
function watch(page: Page) {
  const seen = { documents: [] as string[], calls: [] as string[] };
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (r.resourceType() === "document") seen.documents.push(r.url());
    else if (path.startsWith("/api/") && !path.startsWith("/api/v1/")) seen.calls.push(path);
  });
  return seen;
}

/** Opens `url`, waits for hydration and leaves a marker that a document load would wipe. */
async function open(page: Page, url: string) {
  await page.goto(url);
  await hydrated(page);
  await page.evaluate(() => ((window as any).__spa = "same document"));
}

async function sameDocument(page: Page, seen: { documents: string[] }) {
  expect(seen.documents).toEqual([]);
  expect(await page.evaluate(() => (window as any).__spa)).toBe("same document");
}

/** Changes a filter menu the way a user's pick does, without scrolling to it. */
async function pick(page: Page, name: string, value: string) {
  await page.evaluate(([name, value]) => {
    const s = document.querySelector(`select[name=${name}]`) as HTMLSelectElement;
    s.value = value;
    s.dispatchEvent(new Event("change", { bubbles: true }));
  }, [name, value]);
}

const userOf = (email: string) => `user_id = (SELECT id FROM users WHERE email = '${email}' AND organization_id = ${acme})`;

test("a filter change, a nav link, a drill-down and a pager update in place through server functions", async ({ page }) => {
  const errors = collectErrors(page);
  await open(page, "/usage?range=last_90");
  const seen = watch(page);
  expect(await totalUsed(page)).toBe(credits());

  // A filter change.
  await page.locator("select[name=team]").selectOption("Sales");
  await expect(page).toHaveURL(/team=Sales/);
  await expect.poll(() => totalUsed(page)).toBe(credits(`user_id IN ${salesMembers}`));
  expect(seen.calls).toContain("/api/overview");

  // A nav link keeps the filters and loads the page's own data.
  await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Users" }).click();
  await expect(page).toHaveURL(/\/users\?.*team=Sales/);
  // The first row that names someone ("not attributed" usage has no row link).
  const first = page.getByTestId("users").locator("tbody tr").filter({ has: page.getByTestId("drill") }).first();
  const email = (await first.getAttribute("data-key"))!;
  expect(seen.calls).toContain("/api/users");

  // A drill-down: the user's row opens the dashboard narrowed to that user (and the team).
  await first.getByTestId("drill").click();
  await expect(page).toHaveURL(new RegExp(`/usage\\?.*user=${encodeURIComponent(email).replace(/\./g, "\\.")}`));
  await expect.poll(() => totalUsed(page)).toBe(credits(`${userOf(email)} AND user_id IN ${salesMembers}`));
  await expect(page.getByTestId("chip-user")).toContainText(email);

  // A pager click on the activity log.
  await page.goto("/activity?range=last_90");
  await hydrated(page);
  await page.evaluate(() => ((window as any).__spa = "same document"));
  seen.documents.length = 0;
  await page.getByTestId("next").click();
  await expect(page).toHaveURL(/before=/);
  const second = sql(`SELECT event_id FROM usage_events WHERE organization_id = ${acme} ORDER BY occurred_at DESC, id DESC LIMIT 1 OFFSET 50`);
  await expect(page.getByTestId("activity").locator("tbody tr").first()).toHaveAttribute("data-key", second);
  expect(seen.calls).toContain("/api/activity");
  await sameDocument(page, seen);
  expect(errors).toEqual([]);
});

test("a filter change keeps the scroll position and the chart; back restores the earlier numbers", async ({ page }) => {
  await open(page, "/usage?range=last_90");
  const seen = watch(page);
  const all = await totalUsed(page);
  await expect(page.locator("#feature-chart canvas")).toHaveCount(1);
  // The live chart is marked: a rebuilt one would not carry the mark.
  await page.evaluate(() => ((document.querySelector("#feature-chart .chart-canvas") as any).__mark = 1));
  await page.evaluate(() => window.scrollTo(0, 700));
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(700);

  await pick(page, "team", "Sales");
  await expect(page).toHaveURL(/team=Sales/);
  await expect.poll(() => totalUsed(page)).toBe(credits(`user_id IN ${salesMembers}`));
  // The reader stays where they were (a document load would start again at the top); the
  // browser may move the offset a little to keep what is in view in place.
  expect(Math.abs((await page.evaluate(() => window.scrollY)) - 700)).toBeLessThanOrEqual(60);
  expect(await page.evaluate(() => (document.querySelector("#feature-chart .chart-canvas") as any).__mark)).toBe(1);

  // Back restores the earlier view where the reader left it.
  await page.evaluate(() => window.scrollTo(0, 200));
  await page.goBack();
  await expect(page).not.toHaveURL(/team=/);
  await expect.poll(() => totalUsed(page)).toBe(all);
  await expect.poll(async () => Math.abs((await page.evaluate(() => window.scrollY)) - 700)).toBeLessThanOrEqual(60);
  await sameDocument(page, seen);
});

/** Clicks the middle of the slice `index` of the donut in `#id`. */
async function clickSlice(page: Page, id: string, index: number) {
  const at = await page.evaluate(([id, index]) => {
    const el = document.querySelector(`#${id} .chart-canvas`)!;
    el.scrollIntoView({ block: "center" });
    // @ts-ignore – the global from echarts.min.js
    const chart = echarts.getInstanceByDom(el);
    const data = chart.getModel().getSeriesByIndex(0).getData();
    const l = data.getItemLayout(index);
    const angle = (l.startAngle + l.endAngle) / 2, r = (l.r + l.r0) / 2;
    const box = el.getBoundingClientRect();
    return { x: box.left + l.cx + r * Math.cos(angle), y: box.top + l.cy + r * Math.sin(angle), name: data.getName(index) };
  }, [id, index] as [string, number]);
  await page.mouse.click(at.x, at.y);
  return at.name as string;
}

test("a user row then a chart slice narrow the view twice; removing a chip widens it again", async ({ page }) => {
  await open(page, "/users?range=last_90");
  const seen = watch(page);
  const first = page.getByTestId("users").locator("tbody tr").filter({ has: page.getByTestId("drill") }).first();
  const email = (await first.getAttribute("data-key"))!;
  await first.getByTestId("drill").click();
  await expect(page).toHaveURL(/\/usage\?.*user=/);
  const mine = credits(userOf(email));
  await expect.poll(() => totalUsed(page)).toBe(mine);

  await expect(page.locator("#category-chart canvas")).toHaveCount(1);
  // The donut grows in with an animation: click until its slice is where its layout says.
  let name = "";
  await expect(async () => {
    name = await clickSlice(page, "category-chart", 0);
    await expect(page).toHaveURL(/category=/, { timeout: 1_000 });
  }).toPass();
  const category = new URL(page.url()).searchParams.get("category")!;
  expect(sql(`SELECT name FROM categories WHERE organization_id = ${acme} AND key = '${category}'`)).toBe(name);
  const inCategory = `feature_id IN (SELECT f.id FROM features f JOIN categories c ON c.id = f.category_id WHERE c.key = '${category}' AND c.organization_id = ${acme})`;
  await expect.poll(() => totalUsed(page)).toBe(credits(`${userOf(email)} AND ${inCategory}`));

  await page.getByTestId("chip-user").click();
  await expect(page).not.toHaveURL(/user=/);
  await expect.poll(() => totalUsed(page)).toBe(credits(inCategory));
  await sameDocument(page, seen);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the filter form and a drill-down link render the right numbers", async ({ page }) => {
    await page.goto("/usage?range=last_90");
    await page.locator("select[name=team]").selectOption("Sales");
    await page.getByTestId("apply").click();
    await expect(page).toHaveURL(/team=Sales/);
    await expect.poll(() => totalUsed(page)).toBe(credits(`user_id IN ${salesMembers}`));

    const row = page.getByTestId("features").locator("tbody tr").first();
    const feature = (await row.getAttribute("data-key"))!;
    await row.getByTestId("drill").click();
    await expect(page).toHaveURL(new RegExp(`feature=${feature}`));
    const f = `feature_id = (SELECT id FROM features WHERE key = '${feature}' AND organization_id = ${acme})`;
    expect(await totalUsed(page)).toBe(credits(`user_id IN ${salesMembers} AND ${f}`));
  });
});

const PAGES = ["/usage", "/users", "/flows", "/activity", "/credits", "/settings", "/requests"];

for (const size of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
  test(`no console errors or hydration warnings on any page at ${size.width}×${size.height}`, async ({ page }) => {
    await page.setViewportSize(size);
    const errors = collectErrors(page);
    for (const path of PAGES) {
      await page.goto(path);
      await hydrated(page);
      await expect(page.locator("main h1").first()).toBeVisible();
    }
    // And moving between them inside the app.
    for (const path of PAGES.slice(1)) {
      await page.locator(`header nav a[href^="${path}"]`).click();
      await expect(page).toHaveURL(new RegExp(path));
      await expect(page.locator("main h1").first()).toBeVisible();
    }
    expect(errors).toEqual([]);
  });
}
