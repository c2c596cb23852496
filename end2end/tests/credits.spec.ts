import { test, expect } from "@playwright/test";
import { acme, milli, sql } from "./support";


test("the credits page lists grants, purchases and pools as stored", async ({ page }) => {
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(m.text()); });
  await page.goto("/credits");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const purchases = page.getByTestId("purchases").locator("tbody tr");
  await expect(purchases).toHaveCount(Number(sql(`SELECT COUNT(*) FROM purchases WHERE organization_id = ${acme}`)));
  await expect(page.getByTestId("grants").locator("tbody tr")).toHaveCount(Number(sql(`SELECT COUNT(*) FROM grants WHERE organization_id = ${acme}`)));
  // Pool "purchased" = the sum of its purchases in the database.
  const cells = await page.getByTestId("pools").locator("tr[data-key=ai_credits] td").allInnerTexts();
  const expected = Number(sql(`SELECT SUM(amount_milli) FROM purchases p JOIN pools o ON o.id = p.pool_id WHERE p.organization_id = ${acme} AND o.key = 'ai_credits'`));
  expect(milli(cells[1])).toBe(expected);
  await expect(page.getByTestId("grants").locator(".status.expired").first()).toBeVisible();
  // The remaining shown here equals the balance card on the usage page.
  await page.getByRole("link", { name: "Usage" }).click();
  await expect(page.getByTestId("remaining")).toHaveText(cells[4]);
  expect(errors).toEqual([]);
});
