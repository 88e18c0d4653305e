/**
 * How the coordinator keeps its work bounded: every pass that reads a store and sends batches to the pool
 * (the catalog pass, the pipeline, `embed`) starts them through one of these. At most `limit` batches are
 * in flight, so the rows read ahead, the tasks queued to Piscina and the results waiting for the writer
 * stay flat however large the store is. The first failure is kept (a batch's rejection never goes
 * unhandled) and stops the reading: `stopped` tells the caller to take no more batches.
 */
export class BoundedScheduler {
  private readonly running = new Set<Promise<void>>();
  private failure: { readonly error: unknown } | undefined;

  /** `limit`: batches in flight at once (at least 1). */
  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`a scheduler needs room for one batch at least (got ${limit})`);
  }

  /** The bound every pass uses: two batches per worker (one running, one queued), two at least. */
  static forWorkers(workers: number): BoundedScheduler {
    return new BoundedScheduler(Math.max(2, workers * 2));
  }

  /** A batch failed: take no more. */
  get stopped(): boolean {
    return this.failure !== undefined;
  }

  /** Batches started and not yet ended. */
  get inFlight(): number {
    return this.running.size;
  }

  /**
   * Starts `batch`, then waits until there is room for the next one. Its failure is kept for `drain`, not
   * thrown here: the batches already running still end (and commit) first.
   */
  async start(batch: () => Promise<void>): Promise<void> {
    const run: Promise<void> = Promise.resolve()
      .then(batch)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
    while (this.running.size >= this.limit) await Promise.race(this.running);
  }

  /** Waits for every batch started; then throws the first failure, if any. */
  async drain(): Promise<void> {
    await this.settle();
    if (this.failure) throw this.failure.error;
  }

  /** Waits for every batch started, whatever their outcome (the caller commits, then calls `drain`). */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
