/**
 * Where a child process spends its CPU, by thread (Linux: /proc/<pid>/task). The engine's figure per table
 * is the sum over every thread; split, it says whether the overhead above the stages is the coordinator,
 * the V8 platform threads (concurrent and parallel garbage collection for every isolate) or LanceDB.
 *
 * Threads are told apart by name and by when they started: LanceDB's are named (`tokio-rt-*`, `lance-*`);
 * the V8 platform threads and the worker threads are both named after the executable, but the platform's
 * start with the process, before the store is opened (LanceDB's first thread), and the workers after it (a
 * command opens its store before it starts the pool). Threads that come and go are counted from their last
 * sample (every 250 ms).
 */
import fs from "node:fs";

export interface ThreadCpu {
  readonly coordinator: number;
  readonly workers: number;
  /** V8's platform threads: garbage collection in the background, for the coordinator and every worker. */
  readonly v8Platform: number;
  readonly lancedb: number;
  readonly other: number;
}

interface Seen {
  readonly name: string;
  readonly started: number;
  readonly ticks: number;
}

/** Samples `pid`'s threads until `stop` is called; returns their CPU seconds by kind, or undefined off Linux. */
export function sampleThreads(pid: number): () => ThreadCpu | undefined {
  const seen = new Map<string, Seen>();
  const read = (): void => {
    let tids: string[];
    try {
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      return;
    }
    for (const tid of tids) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        // the name is in parentheses and may hold spaces: the fields count from the closing one
        const close = stat.lastIndexOf(")");
        const name = stat.slice(stat.indexOf("(") + 1, close);
        const fields = stat.slice(close + 2).split(" ");
        const ticks = Number(fields[11]) + Number(fields[12]);
        const started = Number(fields[19]);
        // the name is read again each time: the first sample may see the process before its exec (`env`, the shebang's)
        seen.set(tid, { name, started, ticks });
      } catch {
        // the thread ended between the listing and the read
      }
    }
  };
  read();
  const timer = setInterval(read, 250);
  return () => {
    clearInterval(timer);
    read();
    const main = seen.get(String(pid));
    if (!main) return undefined;
    // /proc counts in USER_HZ, 100 on Linux
    const hz = 100;
    const isLance = (name: string): boolean => /^(tokio|lance)/.test(name);
    const storeOpened = Math.min(...[...seen.values()].filter((t) => isLance(t.name)).map((t) => t.started));
    const out = { coordinator: 0, workers: 0, v8Platform: 0, lancedb: 0, other: 0 };
    for (const [tid, t] of seen) {
      const seconds = t.ticks / hz;
      if (tid === String(pid)) out.coordinator += seconds;
      else if (isLance(t.name)) out.lancedb += seconds;
      else if (t.name !== main.name || !Number.isFinite(storeOpened)) out.other += seconds;
      else if (t.started < storeOpened) out.v8Platform += seconds;
      else out.workers += seconds;
    }
    return out;
  };
}
