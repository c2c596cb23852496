import { test, expect, Page, Browser } from "@playwright/test";
import { collectErrors, milli } from "./support";


async function signedIn(browser: Browser, email: string): Promise<Page> {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto("/login?next=/settings");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.locator("input[name=email]").fill(email);
  await page.locator("input[name=password]").fill("demo-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL((u) => u.pathname === "/settings");
  return page;
}

async function remaining(page: Page): Promise<number> {
  await page.goto("/usage");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  return milli(await page.getByTestId("remaining").innerText());
}

test("buying credits raises the balance by exactly that amount", async ({ page }) => {
  const errors = collectErrors(page);
  const before = await remaining(page);
  await page.goto("/settings");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const buy = page.getByTestId("buy-credits");
  await buy.locator("input[name=credits]").fill("1234.5");
  await expect(buy.getByTestId("price")).toContainText("Price $123.45");
  await buy.getByRole("button", { name: "Buy" }).click();
  await expect(page.getByTestId("outcome")).toContainText("Bought 1,234.5 credits");
  expect(await remaining(page)).toBe(before + 1_234_500);
  // The purchase is in the history, billed on invoice.
  await page.goto("/credits");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await expect(page.getByTestId("purchases").locator("tbody tr").filter({ hasText: "invoiced" }).filter({ hasText: "1,234.5" })).toHaveCount(1);
  expect(errors).toEqual([]);
});

test("a member requests credits, a billing admin approves, the member sees it", async ({ browser }) => {
  const member = await signedIn(browser, "member@acme.test");
  const errors = collectErrors(member);
  // Members see no billing or admin sections, only the request form and their requests.
  await expect(member.getByTestId("buy-credits")).toHaveCount(0);
  await expect(member.getByTestId("members")).toHaveCount(0);
  const form = member.getByTestId("credit-requests");
  await form.locator("input[name=request-credits]").fill("321");
  await form.locator("input[name=note]").fill("webinar campaign");
  await member.getByTestId("request-credits").click();
  await expect(member.getByTestId("outcome")).toContainText("Requested 321 credits");
  const row = form.locator("tbody tr").filter({ hasText: "webinar campaign" });
  await expect(row).toContainText("pending");
  const id = await row.getAttribute("data-key");

  const billing = await signedIn(browser, "billing@acme.test");
  const before = await remaining(billing);
  await billing.goto("/settings");
  await billing.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await billing.getByTestId(`approve-${id}`).click();
  await expect(billing.getByTestId("outcome")).toContainText("Approved");
  expect(await remaining(billing)).toBe(before + 321_000);

  await member.reload();

  await member.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await expect(member.getByTestId("credit-requests").locator(`tr[data-key="${id}"]`)).toContainText("approved by billing@acme.test");
  expect(errors).toEqual([]);
});

test("auto-recharge shows 'not enabled' with an Enable action, and enabling sticks", async ({ page }) => {
  await page.goto("/settings");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const pool = page.getByTestId("recharge-inbox_preview");
  await expect(pool.getByTestId("recharge-off")).toHaveText("Auto-recharge is not enabled.");
  await pool.getByRole("button", { name: "Enable" }).click();
  await expect(page.getByTestId("outcome")).toHaveText("Auto-recharge is on.");
  await page.reload();
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await expect(page.getByTestId("recharge-inbox_preview").getByRole("button", { name: "Disable" })).toBeVisible();
  // The audit log names who did it.
  await expect(page.getByTestId("audit").locator("tbody tr").first()).toContainText("set_auto_recharge");
  await expect(page.getByTestId("audit").locator("tbody tr").first()).toContainText("owner@acme.test");
});

test("an owner closes the dashboard to members; a member gets the reason and can still ask for credits", async ({ page, browser }) => {
  await page.goto("/settings");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const governance = page.getByTestId("governance");
  await governance.locator("input[name=role-member]").uncheck();
  await governance.getByRole("button", { name: "Save access" }).click();
  await expect(page.getByTestId("outcome")).toHaveText("Dashboard access saved.");
  try {
    const member = await signedIn(browser, "member@acme.test");
    await member.goto("/usage");
    await member.locator("html[data-hydrated]").waitFor({ state: "attached" });
    await expect(member.getByTestId("dashboard-closed")).toContainText("not opened the usage dashboard to the member role");
    await expect(member.getByTestId("total-used")).toHaveCount(0);
    await member.getByRole("link", { name: "Request credits" }).click();
    await expect(member.getByTestId("credit-requests")).toBeVisible();
  } finally {
    await page.reload();
    await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
    await page.getByTestId("governance").locator("input[name=role-member]").check();
    await page.getByTestId("governance").getByRole("button", { name: "Save access" }).click();
    await expect(page.getByTestId("outcome")).toHaveText("Dashboard access saved.");
  }
});

test("a billing admin adds a rate version; a member reads the rates and cannot change them", async ({ browser }) => {
  const billing = await signedIn(browser, "billing@acme.test");
  const errors = collectErrors(billing);
  await billing.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const rates = billing.getByTestId("rates");
  // The demo's AI features are rated by their cards, with one price cut in the history.
  await expect(rates.locator("tbody tr[data-status='replaced']").first()).toBeVisible();
  const form = rates.getByTestId("rate-form");
  await form.locator("select[name=rate-feature]").selectOption("voice_call");
  await form.locator("input[name=rate-per-unit]").fill("0.75");
  await form.locator("input[name=rate-minimum]").fill("1");
  await form.getByRole("button", { name: "Add version" }).click();
  await expect(billing.getByTestId("outcome")).toContainText("New price of voice_call (any model) saved.");
  const row = rates.locator("tbody tr").filter({ hasText: "Voice call" });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("0.75");
  await expect(row).toHaveAttribute("data-status", "in effect");
  expect(errors).toEqual([]);
  // A bad part is refused, naming it (the browser logs the 400 answer).
  await form.locator("input[name=rate-per-unit]").fill("-1");
  await form.getByRole("button", { name: "Add version" }).click();
  await expect(billing.getByTestId("outcome")).toContainText("per unit: must not be negative");

  const member = await signedIn(browser, "member@acme.test");
  await member.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const seen = member.getByTestId("rates");
  await expect(seen.locator("tbody tr").filter({ hasText: "Voice call" })).toContainText("0.75");
  await expect(seen.getByTestId("rate-form")).toHaveCount(0);
  // The server refuses the action itself, not only the page.
  const answer = await member.request.post("/api/admin", {
    headers: { origin: new URL(member.url()).origin },
    data: { action: { SetRate: { rate: { feature: "voice_call", model: null, effective_from: null, per_unit: "0",
      per_1k_input_tokens: "0", per_1k_output_tokens: "0", per_1k_cached_input_tokens: "0", minimum: "0" } } } },
  });
  expect(answer.ok()).toBe(false);
  expect(await answer.text()).toContain("not open to the member role");
});
