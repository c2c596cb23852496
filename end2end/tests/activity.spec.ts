import { test, expect } from "@playwright/test";
import { sql } from "./support";

test("the activity log pages forward and back through the events", async ({ page }) => {
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(m.text()); });
  await page.goto("/activity?range=last_7&page_size=25");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const rows = page.getByTestId("activity").locator("tbody tr");
  await expect(rows).toHaveCount(25);
  const first = await rows.evaluateAll((trs) => trs.map((t) => t.getAttribute("data-key")));
  // The newest event in the database is the first row (independent query on the file).
  const newest = sql("SELECT event_id FROM usage_events WHERE organization_id = (SELECT id FROM organizations WHERE slug = 'acme') ORDER BY occurred_at DESC, id DESC LIMIT 1");
  expect(first[0]).toBe(newest);

  await page.getByTestId("next").click();
  await expect(page).toHaveURL(/before=/);
  await expect(rows.first()).not.toHaveAttribute("data-key", first[0]!);
  const second = await rows.evaluateAll((trs) => trs.map((t) => t.getAttribute("data-key")));
  expect(second.filter((id) => first.includes(id))).toEqual([]);

  await page.getByTestId("prev").click();
  await expect(page).toHaveURL(/after=/);
  await expect(rows.first()).toHaveAttribute("data-key", first[0]!);
  expect(errors).toEqual([]);
});
