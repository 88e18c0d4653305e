/**
 * The typed boundary to the worker pool: each task by its name, with the argument and result types of the
 * function the worker module (workers/enrich-worker.ts) exports under that name. A task sent with the wrong
 * shape, or a result read as the wrong type, is a compile error instead of a cast.
 */
import type { Piscina } from "piscina";
import type * as Worker from "../../workers/enrich-worker.js";

/** The pool's tasks; `enrich` is the worker module's default export. */
interface Tasks {
  readonly enrich: typeof Worker.default;
  readonly summarize: typeof Worker.summarize;
  readonly infer: typeof Worker.infer;
  readonly embed: typeof Worker.embed;
  readonly statistics: typeof Worker.statistics;
  readonly checkRelationships: typeof Worker.checkRelationships;
  readonly coverage: typeof Worker.coverage;
}

export type TaskName = keyof Tasks;
export type TaskInput<N extends TaskName> = Parameters<Tasks[N]>[0];
export type TaskOutput<N extends TaskName> = Awaited<ReturnType<Tasks[N]>>;

/**
 * Runs task `name` in the pool; `signal` ends it (Piscina terminates its thread and starts another). The
 * buffers of `transfer` move to the worker (unusable here after), instead of being copied.
 */
export function runTask<N extends TaskName>(pool: Piscina, name: N, task: TaskInput<N>, signal?: AbortSignal, transfer?: readonly ArrayBuffer[]): Promise<TaskOutput<N>> {
  return pool.run(task, { name: name === "enrich" ? "default" : name, ...(signal === undefined ? {} : { signal }), ...(transfer === undefined ? {} : { transferList: [...transfer] }) });
}
