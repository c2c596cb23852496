import { test, expect, Page } from "@playwright/test";
import { acme, collectErrors, milli, sql } from "./support";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const sales = `(SELECT tm.user_id FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.name = 'Sales' AND t.organization_id = ${acme})`;

/** The cells of the row with `key` in the table `id`. */
async function row(page: Page, id: string, key: string): Promise<string[]> {
  return page.getByTestId(id).locator(`tbody tr[data-key="${key}"] td`).allInnerTexts();
}

/** Parses CSV the simple way the exports need: quoted fields may hold commas and quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let field = "", rec: string[] = [], quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { rec.push(field); field = ""; }
    else if (c === "\n") { rec.push(field); rows.push(rec); rec = []; field = ""; }
    else if (c !== "\r") field += c;
  }
  if (field || rec.length) { rec.push(field); rows.push(rec); }
  return rows;
}

test("users: per-user totals, the team filter, sorting and the CSV download", async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto("/users?range=last_90");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const owner = await row(page, "users", "owner@acme.test");
  const ownerSql = Number(sql(`SELECT SUM(credits_milli) FROM usage_events WHERE organization_id = ${acme} AND user_id = (SELECT id FROM users WHERE email = 'owner@acme.test')`));
  expect(milli(owner[2])).toBe(ownerSql);

  // Sorting by a header reorders the rows (numbers biggest first, again for smallest).
  const header = page.getByTestId("users").getByRole("button", { name: "Events" });
  await header.click();
  const events = async () => (await page.getByTestId("users").locator("tbody tr td:nth-child(4)").allInnerTexts()).map((t) => Number(t.replace(/,/g, "")));
  const desc = await events();
  expect(desc).toEqual([...desc].sort((a, b) => b - a));
  await header.click();
  const asc = await events();
  expect(asc).toEqual([...asc].sort((a, b) => a - b));

  await page.locator("select[name=team]").selectOption("Sales");
  await expect(page).toHaveURL(/team=Sales/);
  const expected = sql(`SELECT u.email, SUM(e.credits_milli) FROM usage_events e JOIN users u ON u.id = e.user_id WHERE e.organization_id = ${acme} AND e.user_id IN ${sales} GROUP BY u.email`)
    .split("\n").map((l) => l.split("|"));
  // Only the team's members remain (no end users, nothing unattributed).
  await expect(page.getByTestId("users").locator("tbody tr")).toHaveCount(Math.min(expected.length, 25));
  for (const [email, total] of expected.slice(0, 3)) {
    const cells = await row(page, "users", email);
    if (cells.length) expect(milli(cells[2])).toBe(Number(total));
  }

  // The download holds exactly the team's members with their totals.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("export-users").click(),
  ]);
  const csv = parseCsv(readFileSync(await download.path()!, "utf8"));
  expect(csv[0].slice(0, 4)).toEqual(["User", "Kind", "Total", "Events"]);
  const got = new Map(csv.slice(1).map((r) => [r[0], milli(r[2])]));
  expect(got).toEqual(new Map(expected.map(([email, total]) => [email, Number(total)])));

  // Allocations: closest to running out first.
  const used = (await page.getByTestId("allocations").locator("tbody tr td:nth-child(7)").allInnerTexts()).map((t) => Number(t.replace("%", "")));
  expect(used.length).toBeGreaterThan(5);
  expect(used).toEqual([...used].sort((a, b) => b - a));
  expect(errors).toEqual([]);
});

test("flows & agents: credits and tokens per flow and action", async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto("/flows?range=last_90");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const lead = await row(page, "flows", "lead_nurture");
  const leadSql = sql(`SELECT SUM(credits_milli), SUM(COALESCE(input_tokens, 0)) FROM usage_events WHERE organization_id = ${acme} AND source_id = (SELECT id FROM sources WHERE organization_id = ${acme} AND kind = 'flow' AND key = 'lead_nurture')`).split("|");
  expect(lead[1]).toBe("active");
  expect(milli(lead[3])).toBe(Number(leadSql[0]));
  expect(Number(lead[6].replace(/,/g, ""))).toBe(Number(leadSql[1]));

  const actions = page.getByTestId("actions").locator("tbody tr");
  await expect(actions.first()).toBeVisible();
  const top = await actions.first().locator("td").allInnerTexts();
  const topSql = sql(`SELECT SUM(e.credits_milli), SUM(COALESCE(e.input_tokens, 0) + COALESCE(e.output_tokens, 0)) FROM usage_events e JOIN actions a ON a.id = e.action_id JOIN sources s ON s.id = a.source_id WHERE e.organization_id = ${acme} AND a.name = '${top[0]}' AND s.name = '${top[1]}'`).split("|");
  expect(milli(top[2])).toBe(Number(topSql[0]));
  expect(Number(top[6].replace(/,/g, ""))).toBe(Number(topSql[1]));
  await expect(page.getByTestId("pilots").locator("tbody tr")).toHaveCount(Number(sql(`SELECT COUNT(*) FROM sources WHERE organization_id = ${acme} AND kind = 'pilot'`)));
  expect(errors).toEqual([]);
});

test("API page: the request log shows calls made with an API key", async ({ page, request }) => {
  const errors = collectErrors(page);
  const bin = process.env.SERVER_BIN ?? "../target/debug/server";
  const out = execFileSync(bin, ["api-key", "create", "--org", "acme", "--name", "e2e"], { env: process.env }).toString();
  const key = out.split("\n").find((l) => l.startsWith("cm_"))!;
  for (const path of ["/api/v1/balance", "/api/v1/usage?group_by=feature", "/api/v1/usage?group_by=nonsense"]) {
    await request.get(path, { headers: { authorization: `Bearer ${key}` } });
  }
  await request.get("/api/v1/balance", { headers: { authorization: "Bearer cm_wrong_key" } });
  // The log is written off the request path; it lands within a moment.
  await expect.poll(() => Number(sql(`SELECT COUNT(*) FROM request_log WHERE organization_id = ${acme}`)), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);

  await page.goto("/requests?range=last_7");

  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const total = Number(sql(`SELECT COUNT(*) FROM request_log WHERE organization_id = ${acme}`));
  const failed = Number(sql(`SELECT COUNT(*) FROM request_log WHERE organization_id = ${acme} AND status >= 400`));
  await expect(page.getByTestId("requests-total")).toHaveText(String(total));
  await expect(page.getByTestId("requests-failed")).toHaveText(String(failed));
  const rows = page.getByTestId("requests").locator("tbody tr");
  // A page holds 50 rows (the default page size); Next has the rest.
  await expect(rows).toHaveCount(Math.min(total, 50));
  // The endpoint is the path (query strings may carry data that has no place in a log).
  const usage = rows.filter({ hasText: "/api/v1/usage" });
  expect((await usage.locator("td:nth-child(6)").allInnerTexts()).sort()).toEqual(["200", "400"]);
  await expect(rows.first().locator("td").nth(4)).toHaveText(key.slice(3, 11));

  // Burning past 80 %, then 100 %, of the period's included credits raises the in-app alert.
  await page.goto("/usage");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await expect(page.getByTestId("alert")).toHaveCount(0);
  const includedLeft = milli(await page.getByTestId("included-remaining").innerText());
  const includedUsed = milli(await page.getByTestId("included-used").innerText());
  const granted = includedLeft + includedUsed;
  const burn = async (id: string, credits: number) => {
    const res = await request.post("/api/v1/events", {
      headers: { authorization: `Bearer ${key}` },
      data: { events: [{ id, timestamp: new Date().toISOString(), feature: "personalized_email", credits: (credits / 1000).toFixed(3) }] },
    });
    expect(res.status()).toBe(200);
  };
  await burn("e2e-alert-80", Math.ceil(granted * 0.85) - includedUsed);
  await page.reload();
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await expect(page.getByTestId("alert")).toHaveClass(/warn/);
  await expect(page.getByTestId("alert")).toContainText("85% of the included");
  await burn("e2e-alert-100", granted - Math.ceil(granted * 0.85) + 1000);
  await page.reload();
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await expect(page.getByTestId("alert")).toHaveClass(/danger/);
  await expect(page.getByTestId("included-remaining")).toHaveText("0");
  expect(errors).toEqual([]);
});

test("activity: sorting by credits and the CSV of every filtered event", async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto("/activity?range=last_90&team=Sales&page_size=25");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.locator("select[name=sort]").selectOption({ label: "Most credits first" });
  await expect(page).toHaveURL(/sort=credits/);
  const topSql = sql(`SELECT event_id FROM usage_events WHERE organization_id = ${acme} AND user_id IN ${sales} ORDER BY credits_milli DESC, id DESC LIMIT 1`);
  await expect(page.getByTestId("activity").locator("tbody tr").first()).toHaveAttribute("data-key", topSql);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("export-activity").click(),
  ]);
  const csv = parseCsv(readFileSync(await download.path()!, "utf8"));
  const [count, sum] = sql(`SELECT COUNT(*), SUM(credits_milli) FROM usage_events WHERE organization_id = ${acme} AND user_id IN ${sales}`).split("|").map(Number);
  expect(csv.length - 1).toBe(count);
  expect(csv.slice(1).reduce((s, r) => s + milli(r[9]), 0)).toBe(sum);
  expect(errors).toEqual([]);
});
