import { test, expect, Page, Browser } from "@playwright/test";
import { collectErrors } from "./support";
import { spawn, execFileSync, ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

// A second server of the same binary on an empty database without demo data: the way a new
// user meets the product. The setup token comes from its log, as an operator would read it.
const bin = process.env.SERVER_BIN ?? "../target/debug/server";
let server: ChildProcess;
let base = "";
let setupUrl = "";
let dir = "";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test.beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "credit-meter-fresh-"));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const siteRoot = path.resolve("..", process.env.LEPTOS_SITE_ROOT ?? "target/site");
  server = spawn(bin, ["serve"], {
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${dir}/fresh.db`,
      SEED_DEMO: "0",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: siteRoot,
      LEPTOS_OUTPUT_NAME: "credit-meter",
      LEPTOS_SITE_PKG_DIR: "pkg",
      LOGIN_HINT: "",
      RUST_LOG: "info",
    },
  });
  let log = "";
  setupUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no setup link in the log:\n${log}`)), 60_000);
    const read = (chunk: Buffer) => {
      log += chunk.toString();
      const m = log.match(/(http:\/\/\S+\/setup\?token=\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\x1b\[[0-9;]*m/g, ""));
      }
    };
    server.stdout!.on("data", read);
    server.stderr!.on("data", read);
  });
});

test.afterAll(async () => {
  server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function fresh(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] }, baseURL: base });
  return context.newPage();
}

async function hydrated(page: Page, url: string) {
  await page.goto(url);
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

test("a new meter: setup with the logged token, first event from the page's own curl, catalog edits", async ({ browser }) => {
  const page = await fresh(browser);
  const errors = collectErrors(page);

  // The login page of an empty meter points to the setup link.
  await hydrated(page, `${base}/login`);
  await expect(page.getByTestId("setup-hint")).toBeVisible();

  // Without the token (or with a wrong one) nothing is created.
  await hydrated(page, `${base}/setup?token=wrong`);
  const form = page.getByTestId("setup");
  await form.locator("input[name=organization]").fill("Trial Co");
  await form.locator("input[name=slug]").fill("trial");
  await form.locator("input[name=name]").fill("Tess Owner");
  await form.locator("input[name=email]").fill("owner@trial.example");
  await form.locator("input[name=password]").fill("trial-password");
  await form.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByTestId("setup-error")).toContainText("token");
  // The refused attempt's 400 is logged by the browser; from here on nothing may be.
  errors.length = 0;

  await hydrated(page, setupUrl.replace(/^http:\/\/[^/]+/, base));
  await form.locator("input[name=organization]").fill("Trial Co");
  await form.locator("input[name=slug]").fill("trial");
  await form.locator("input[name=time_zone]").fill("Europe/Berlin");
  await form.locator("input[name=name]").fill("Tess Owner");
  await form.locator("input[name=email]").fill("owner@trial.example");
  await form.locator("input[name=password]").fill("trial-password");
  await form.getByRole("button", { name: "Create organization" }).click();
  await expect(page).toHaveURL((u) => u.pathname === "/usage");

  // The empty usage page explains the next step and shows the exact command.
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await expect(page.getByTestId("getting-started")).toContainText("No usage has arrived yet");
  const curl = await page.getByTestId("first-event").innerText();
  expect(curl).toContain(`${base}/api/v1/events`);
  await expect(page.getByTestId("remaining")).toHaveText("1,000");

  // A key from the settings page, then the snippet verbatim in a shell.
  await hydrated(page, `${base}/settings`);
  await page.locator("input[name=key-name]").fill("first");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("secret").innerText()).trim();
  const out = execFileSync("bash", ["-c", curl], { env: { ...process.env, KEY: key } }).toString();
  expect(JSON.parse(out)).toMatchObject({ accepted: 1, rejected: [] });

  await hydrated(page, `${base}/usage`);
  await expect(page.getByTestId("total-used")).toHaveText("1");
  await expect(page.getByTestId("getting-started")).toHaveCount(0);
  await expect(page.getByTestId("remaining")).toHaveText("999");

  // The owner adds a feature and a team; both show in the filter bar.
  await hydrated(page, `${base}/settings`);
  const add = page.getByTestId("add-feature");
  await add.locator("input[name=feature-key]").fill("meeting_notes");
  await add.locator("input[name=feature-name]").fill("Meeting notes");
  await add.getByRole("button", { name: "Add feature" }).click();
  await expect(page.getByTestId("outcome")).toContainText("added feature meeting_notes");
  const team = page.getByTestId("add-team");
  await team.locator("input[name=team-key]").fill("sales");
  await team.locator("input[name=team-name]").fill("Sales");
  await team.getByRole("button", { name: "Add team" }).click();
  await expect(page.getByTestId("outcome")).toContainText("added team sales");
  await hydrated(page, `${base}/usage`);
  await expect(page.locator("select[name=scope] option", { hasText: "Meeting notes" })).toHaveCount(1);
  await expect(page.locator("select[name=team] option", { hasText: "Sales" })).toHaveCount(1);

  // A member sees no catalog editor, and the server refuses the action anyway.
  await hydrated(page, `${base}/settings`);
  await page.locator("input[name=invite-email]").fill("member@trial.example");
  await page.locator("input[name=invite-name]").fill("Max Member");
  await page.getByRole("button", { name: "Invite" }).click();
  await expect(page.getByTestId("outcome")).toContainText("is invited");
  // The inviter gets a one-time link, never the member's password.
  const link = (await page.getByTestId("secret").innerText()).trim();
  expect(link).toContain("/set-password?token=");
  const member = await fresh(browser);
  await hydrated(member, link.startsWith("http") ? link : `${base}${link}`);
  await member.locator("input[name=password]").fill("member-password");
  await member.locator("input[name=confirm]").fill("member-password");
  await member.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(member).not.toHaveURL(/set-password/);
  await hydrated(member, `${base}/settings`);
  await expect(member).toHaveURL((u) => u.pathname === "/settings");
  await member.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await expect(member.getByTestId("catalog")).toHaveCount(0);
  const refused = await member.request.post(`${base}/api/admin`, {
    headers: { origin: base },
    data: { action: { ApplyCatalog: { catalog: { pools: [], categories: [], features: [], teams: [] } } } },
  });
  expect(refused.status()).toBe(403);

  // Set up once: the page is closed now.
  await hydrated(page, `${base}/setup`);
  await expect(page.getByTestId("setup-closed")).toBeVisible();
  expect(errors).toEqual([]);
});

test("an organization made on the command line, with no catalog and no usage, hydrates every page at both sizes", async ({ browser }) => {
  const env = { ...process.env, DATABASE_URL: `sqlite://${dir}/fresh.db` };
  execFileSync(bin, ["org", "create", "--slug", "bare", "--name", "Bare Co"], { env });
  for (const [email, role] of [["owner@bare.example", "owner"], ["member@bare.example", "member"]]) {
    execFileSync(bin, ["user", "create", "--org", "bare", "--email", email, "--name", role, "--role", role], {
      env,
      input: "bare-password\n",
    });
  }
  for (const email of ["owner@bare.example", "member@bare.example"]) {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      const context = await browser.newContext({ storageState: { cookies: [], origins: [] }, baseURL: base, viewport });
      const page = await context.newPage();
      const errors = collectErrors(page);
      await hydrated(page, `${base}/login`);
      await page.locator("input[name=email]").fill(email);
      await page.locator("input[name=password]").fill("bare-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page).toHaveURL((u) => u.pathname === "/usage");
      // Loaded again and again: the server's answer and the hydrating page must agree every time.
      for (const url of ["/usage", "/usage", "/usage", "/users", "/flows", "/activity", "/credits", "/settings"]) {
        await hydrated(page, `${base}${url}`);
        await expect(page.getByTestId("me")).toHaveText(email);
        await expect(page.getByText(/Could not load/)).toHaveCount(0);
        if (url === "/usage") {
          await expect(page.getByTestId("getting-started")).toContainText("Your catalog has no features yet");
        }
      }
      expect(errors, `${email} at ${viewport.width}px`).toEqual([]);
      await context.close();
    }
  }
});
