/**
 * Progress on long work: a one-line bar on a terminal, periodic JSON lines with --log-format=json,
 * plain periodic lines otherwise (cron logs), and log messages in the same format.
 */
import { printable } from "../printable.js";
import { redactSecrets } from "../secrets.js";

export type LogFormat = "text" | "json";

export interface Progress {
  log(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  start(phase: string, total: number): void;
  advance(done: number): void;
  finish(): void;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Memory of this process in MiB: rss covers worker threads and native (LanceDB) memory; heap is the main JS heap. */
function memory(): { rss_mib: number; heap_mib: number; external_mib: number } {
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round(n / 2 ** 20);
  return { rss_mib: mib(m.rss), heap_mib: mib(m.heapUsed), external_mib: mib(m.external) };
}

export class ConsoleProgress implements Progress {
  private phase = "";
  private total = 0;
  private done = 0;
  private startedAt = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly format: LogFormat,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly jsonOut: NodeJS.WritableStream = process.stdout,
    private readonly intervalMs = format === "json" ? 2000 : 10000,
  ) {}

  private get tty(): boolean {
    return this.format === "text" && Boolean(this.out.isTTY);
  }

  /** One line per message: names from the store are escaped (printable.ts), secrets of the config redacted. */
  private emit(level: string, message: string, fields?: Record<string, unknown>): void {
    if (this.format === "json") {
      this.jsonOut.write(`${redactSecrets(JSON.stringify({ ts: new Date().toISOString(), level, msg: message, ...fields }))}\n`);
      return;
    }
    this.clearBar();
    const extra = fields && Object.keys(fields).length ? ` ${Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ")}` : "";
    this.out.write(`${level === "warn" ? "warning: " : ""}${printable(redactSecrets(`${message}${extra}`))}\n`);
  }

  log(message: string, fields?: Record<string, unknown>): void {
    this.emit("info", message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.emit("warn", message, fields);
  }

  start(phase: string, total: number): void {
    this.phase = phase;
    this.total = total;
    this.done = 0;
    this.startedAt = Date.now();
    this.lastDraw = 0;
    this.draw(true);
  }

  advance(done: number): void {
    this.done += done;
    this.draw(false);
  }

  finish(): void {
    this.draw(true);
    if (this.tty && this.drawn) this.out.write("\n");
    this.drawn = false;
  }

  private clearBar(): void {
    if (this.tty && this.drawn) {
      this.out.write("\r\x1b[2K");
      this.drawn = false;
    }
  }

  private draw(force: boolean): void {
    const now = Date.now();
    const minGap = this.tty ? 100 : this.intervalMs;
    if (!force && now - this.lastDraw < minGap) return;
    this.lastDraw = now;
    const elapsed = (now - this.startedAt) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const eta = rate > 0 ? (this.total - this.done) / rate : NaN;
    const pct = this.total > 0 ? (100 * this.done) / this.total : 100;
    if (this.format === "json") {
      this.jsonOut.write(
        `${JSON.stringify({ ts: new Date().toISOString(), level: "info", event: "progress", phase: this.phase, done: this.done, total: this.total, rate: Math.round(rate), eta_s: Number.isFinite(eta) ? Math.round(eta) : null, ...memory() })}\n`,
      );
      return;
    }
    const text = `${this.phase} ${this.done.toLocaleString("en-US")}/${this.total.toLocaleString("en-US")} tables (${pct.toFixed(1)}%) ${Math.round(rate).toLocaleString("en-US")} tables/s ETA ${duration(eta)}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.min(width, Math.round((pct / 100) * width));
      this.out.write(`\r\x1b[2K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${text}`);
      this.drawn = true;
    } else {
      this.out.write(`${text}\n`);
    }
  }
}

/** Progress that says nothing: library use and tests. */
export const silentProgress: Progress = {
  log() {},
  warn() {},
  start() {},
  advance() {},
  finish() {},
};
