// A headless Chromium driven over the Chrome DevTools Protocol (its WebSocket), enough for the
// dashboard test: evaluate an expression in the page and take a screenshot. No npm dependency.
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const chromiumPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((p) => existsSync(p));

export class Browser {
  private constructor(
    private readonly proc: ReturnType<typeof Bun.spawn>,
    private readonly ws: WebSocket,
    private readonly profile: string,
  ) {
    ws.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
      const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
      if (!p) return;
      this.pending.delete(msg.id!);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    };
  }

  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  /** Starts Chromium on `url` and connects to that page. */
  static async open(url: string, size = { width: 1400, height: 900 }): Promise<Browser> {
    if (!chromiumPath) throw new Error("no chromium");
    const profile = mkdtempSync(join(tmpdir(), "edgegate-chromium-"));
    const proc = Bun.spawn(
      [
        chromiumPath,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        `--window-size=${size.width},${size.height}`,
        "--remote-debugging-port=0",
        `--user-data-dir=${profile}`,
        url,
      ],
      { stdout: "ignore", stderr: "ignore" },
    );
    // Chromium writes the port it picked into DevToolsActivePort.
    const portFile = join(profile, "DevToolsActivePort");
    const deadline = Date.now() + 20_000;
    while (!existsSync(portFile) || readFileSync(portFile, "utf8").split("\n").length < 2) {
      if (Date.now() > deadline) throw new Error("chromium did not open its DevTools port in 20 s");
      await Bun.sleep(50);
    }
    const port = Number(readFileSync(portFile, "utf8").split("\n")[0]);
    let page: { type: string; url: string; webSocketDebuggerUrl: string } | undefined;
    while (!page) {
      if (Date.now() > deadline) throw new Error("chromium did not list the page in 20 s");
      const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ type: string; url: string; webSocketDebuggerUrl: string }>;
      page = list.find((t) => t.type === "page" && t.url.startsWith(url));
      if (!page) await Bun.sleep(50);
    }
    const ws = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("cannot connect to the page's DevTools socket"));
    });
    return new Browser(proc, ws, profile);
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** The value of a JavaScript expression in the page (JSON-serializable). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send<{ result: { value?: T }; exceptionDetails?: { text: string } }>("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** Waits until the expression is truthy; returns the milliseconds it took. */
  async waitFor(expression: string, ms = 10_000): Promise<number> {
    const started = performance.now();
    while (!(await this.evaluate<boolean>(`Boolean(${expression})`))) {
      if (performance.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${expression}`);
      await Bun.sleep(25);
    }
    return performance.now() - started;
  }

  async screenshot(): Promise<Uint8Array> {
    const r = await this.send<{ data: string }>("Page.captureScreenshot", { format: "png", captureBeyondViewport: true });
    return Uint8Array.from(Buffer.from(r.data, "base64"));
  }

  async close(): Promise<void> {
    this.ws.close();
    this.proc.kill("SIGKILL");
    await this.proc.exited;
    rmSync(this.profile, { recursive: true, force: true });
  }
}
