// Waits until the server answers (it migrates and seeds demo data before it listens).
export default async function globalSetup() {
  const deadline = Date.now() + 180_000;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const r = await fetch("http://127.0.0.1:3000/healthz");
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`server did not come up on 127.0.0.1:3000: ${last}`);
}
