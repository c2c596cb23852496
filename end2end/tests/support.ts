import { Page } from "@playwright/test";
import { execFileSync } from "node:child_process";

// Expected numbers come straight from the SQLite file the server uses (raw events), not
// through any of the app's code.
export function sql(query: string): string {
  const file = (process.env.DATABASE_URL ?? "").replace(/^sqlite:\/\//, "").split("?")[0];
  return execFileSync("sqlite3", [file, query]).toString().trim();
}

export const milli = (text: string) => Math.round(Number(text.replace(/[,$]/g, "")) * 1000);
export const acme = "(SELECT id FROM organizations WHERE slug = 'acme')";
export const salesMembers = `(SELECT tm.user_id FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.name = 'Sales' AND t.organization_id = ${acme})`;

/** Credits of acme's raw events matching `where` (SQL over usage_events). */
export function credits(where = "1 = 1"): number {
  return Number(sql(`SELECT COALESCE(SUM(credits_milli), 0) FROM usage_events WHERE organization_id = ${acme} AND ${where}`));
}

export async function totalUsed(page: Page): Promise<number> {
  return milli(await page.getByTestId("total-used").innerText());
}

/** Console errors and warnings (hydration warnings among them) and uncaught exceptions. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

export async function hydrated(page: Page) {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}
