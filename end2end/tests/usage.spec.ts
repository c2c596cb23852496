import { test, expect, Page } from "@playwright/test";
import { acme, collectErrors, credits, hydrated, totalUsed } from "./support";

test("the server-rendered balance card carries the numbers before any script runs", async ({ request }) => {
  const res = await request.get("/usage");
  expect(res.status()).toBe(200);
  const html = await res.text();
  const remaining = html.match(/data-testid="remaining"[^>]*>([^<]+)</)?.[1];
  expect(remaining).toMatch(/^\d{1,3}(,\d{3})*(\.\d{1,3})?$/);
  expect(html).toContain("Acme Outreach");
});

test("/ opens the usage dashboard, hydrates and draws the daily chart", async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto("/");
  await expect(page).toHaveURL(/\/usage$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Acme Outreach");

  // Numbers agree with each other: remaining = included + purchased + promotional + allowance.
  const num = async (id: string) =>
    Number((await page.getByTestId(id).innerText()).replace(/,/g, ""));
  const remaining = await num("remaining");
  const parts = (await num("included")) + (await num("purchased")) + (await num("promotional")) + (await num("allowance"));
  expect(Math.abs(remaining - parts)).toBeLessThan(0.0005);
  expect(remaining).toBeGreaterThanOrEqual(5000);

  // ECharts draws into a canvas only in the browser, i.e. after hydration.
  await expect(page.locator("#daily-chart canvas")).toHaveCount(1);
  const box = await page.locator("#daily-chart canvas").boundingBox();
  expect(box!.width).toBeGreaterThan(300);

  // The table behind the chart adds up to the total in the heading.
  await page.getByText("Show as table").click();
  const cells = await page.locator("details table tbody td.num").allInnerTexts();
  expect(cells.length).toBe(30);
  const sum = cells.reduce((s, c) => s + Number(c.replace(/,/g, "")), 0);
  expect(Math.abs(sum - (await num("daily-total")))).toBeLessThan(0.001);

  await page.screenshot({ path: "test-results/usage-1280.png", fullPage: true });
  expect(errors).toEqual([]);
});

test("usage by model: the table lists the demo's models and the model filter narrows the total", async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto("/usage?range=last_90");
  await hydrated(page);
  const models = page.getByTestId("models");
  await expect(models.locator("tbody tr")).toHaveCount(2);
  await expect(models).toContainText("gpt-4o-mini");
  await expect(page.getByTestId("rated")).toBeVisible();
  await page.locator("select[name=model]").selectOption("gpt-4o-mini");
  await expect(page).toHaveURL(/model=gpt-4o-mini/);
  await expect(page.getByTestId("chip-model")).toContainText("Model: gpt-4o-mini");
  const want = credits(`model_id = (SELECT id FROM models WHERE name = 'gpt-4o-mini' AND organization_id = ${acme})`);
  await expect.poll(() => totalUsed(page)).toBe(want);
  expect(errors).toEqual([]);
});
