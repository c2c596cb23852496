import { test, expect, Page } from "@playwright/test";
import { collectErrors } from "./support";

// A refused login answers 401 by design; the browser logs that response.
const unexpected = (errors: string[]) => errors.filter((e) => !e.includes("401"));

async function signIn(page: Page, email: string, password = "demo-password") {
  await page.locator("input[name=email]").fill(email);
  await page.locator("input[name=password]").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test.describe("signed out", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("login: a wrong password is refused, the right one returns to the page asked for", async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto("/flows?range=last_7");
    await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
    await expect(page).toHaveURL(/\/login\?next=%2Fflows%3Frange%3Dlast_7/);
    await expect(page.getByTestId("login-hint")).toContainText("demo-password");
    await signIn(page, "admin@acme.test", "not-the-password");
    await expect(page.getByTestId("login-error")).toHaveText("wrong email or password");
    await signIn(page, "admin@acme.test");
    await expect(page).toHaveURL(/\/flows\?range=last_7$/);
    await expect(page.getByTestId("me")).toHaveText("admin@acme.test");
    await expect(page.getByTestId("flows")).toBeVisible();

    await page.getByTestId("logout").click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/usage");
    await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
    await expect(page).toHaveURL(/\/login\?next=%2Fusage/);
    expect(unexpected(errors)).toEqual([]);
  });

  test("a member sees usage but an explanation in place of billing detail", async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto("/login?next=/credits");
    await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
    await signIn(page, "member@acme.test");
    await expect(page).toHaveURL((u) => u.pathname === "/credits");
    await expect(page.getByTestId("restricted")).toContainText("owners and billing admins");
    await expect(page.getByTestId("pools")).toBeVisible();
    await expect(page.getByTestId("grants")).toHaveCount(0);
    await expect(page.getByRole("link", { name: "API" })).toHaveCount(0);
    // The export of restricted detail is refused too, not just hidden.
    const res = await page.request.get("/export/grants.csv");
    expect(res.status()).toBe(403);
    await page.getByRole("link", { name: "Usage" }).click();
    await expect(page.getByTestId("total-used")).toBeVisible();
    expect(unexpected(errors)).toEqual([]);
  });
});
