import { test, expect, Page } from "@playwright/test";
import { milli, sql, totalUsed } from "./support";


test("the team filter changes the URL and the numbers", async ({ page }) => {
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(m.text()); });
  await page.goto("/usage?range=last_90");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await expect(page.locator("#feature-chart canvas")).toHaveCount(1);
  const all = await totalUsed(page);
  const acme = "(SELECT id FROM organizations WHERE slug = 'acme')";
  expect(all).toBe(Number(sql(`SELECT SUM(credits_milli) FROM usage_events WHERE organization_id = ${acme}`)));

  await page.locator("select[name=team]").selectOption("Sales");
  await expect(page).toHaveURL(/team=Sales/);
  await expect(page).toHaveURL(/range=last_90/);
  const sales = Number(sql(
    `SELECT SUM(credits_milli) FROM usage_events WHERE organization_id = ${acme} AND user_id IN ` +
    `(SELECT tm.user_id FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.name = 'Sales' AND t.organization_id = ${acme})`,
  ));
  await expect.poll(() => totalUsed(page)).toBe(sales);
  expect(sales).toBeLessThan(all);

  // Back returns to all teams.
  await page.goBack();
  await expect(page).not.toHaveURL(/team=/);
  await expect.poll(() => totalUsed(page)).toBe(all);
  expect(errors).toEqual([]);
});

test("compare-with overlays the previous period and shows the change", async ({ page }) => {
  await page.goto("/usage?range=last_7");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.locator("select[name=compare]").selectOption("previous_period");
  await expect(page).toHaveURL(/compare=previous_period/);
  await expect(page.getByTestId("compare-total")).toBeVisible();
  // A filter change loads the page for the new URL: wait for its chart to be drawn.
  await expect(page.locator("#feature-chart canvas")).toHaveCount(1);
  // Independently: the 7 days before the last 7 (in the organization's time zone).
  const week = milli(await page.getByTestId("compare-total").innerText());
  expect(week).toBeGreaterThan(0);
  await expect(page.getByTestId("features").locator("[data-testid=change]").first()).toBeVisible();
  const lines = await page.evaluate(() => {
    const el = document.querySelector("#feature-chart .chart-canvas")!;
    // @ts-ignore – the global from echarts.min.js
    const opt = echarts.getInstanceByDom(el).getOption();
    return opt.series.map((s: any) => [s.name, s.lineStyle?.type ?? "solid"]);
  });
  expect(lines).toContainEqual(["Compare period", "dashed"]);
  expect(lines.length).toBeGreaterThan(2);
});

test("a custom range loads its days, and the daily chart switches to the last week in place", async ({ page }) => {
  await page.goto("/usage?range=last_30");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.locator("select[name=range]").selectOption("custom");
  await expect(page).toHaveURL(/range=custom/);
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.locator("input[name=from]").fill("2026-11-01");
  await expect(page).toHaveURL(/from=2026-11-01/);
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.locator("input[name=to]").fill("2026-11-10");
  await expect(page).toHaveURL(/to=2026-11-10/);
  await expect(page.getByRole("heading", { name: /Credits per day · 10 days/ })).toBeVisible();

  // The widget-level choice redraws the chart without loading the page.
  const days = () => page.evaluate(() => {
    // @ts-ignore – the global from echarts.min.js
    const opt = echarts.getInstanceByDom(document.querySelector("#daily-chart .chart-canvas")).getOption();
    return opt.xAxis[0].data.length;
  });
  await expect(page.locator("#daily-chart canvas")).toHaveCount(1);
  await expect.poll(days).toBe(10);
  await page.getByRole("button", { name: "Last 7 days" }).click();
  await expect(page.getByRole("button", { name: "Last 7 days" })).toHaveAttribute("aria-pressed", "true");
  await expect.poll(days).toBe(7);
  await expect(page).toHaveURL(/to=2026-11-10/);
});
