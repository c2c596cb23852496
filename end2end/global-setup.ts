import { request } from "@playwright/test";

export const OWNER_STATE = "playwright/.auth/owner.json";
const base = "http://127.0.0.1:3000";

// Waits until the server answers (it migrates and seeds demo data before it listens), then
// signs in once as the demo owner; the tests start from that session.
export default async function globalSetup() {
  const deadline = Date.now() + 180_000;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((res) => setTimeout(res, 500));
    if (Date.now() >= deadline) throw new Error(`server did not come up on ${base}: ${last}`);
  }
  const ctx = await request.newContext({ baseURL: base, extraHTTPHeaders: { origin: base } });
  const res = await ctx.post("/api/login", {
    form: { email: "owner@acme.test", password: "demo-password" },
    maxRedirects: 0,
  });
  if (res.status() >= 400) throw new Error(`demo owner cannot sign in: HTTP ${res.status()}`);
  await ctx.storageState({ path: OWNER_STATE });
  await ctx.dispose();
}
