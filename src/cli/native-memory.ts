/**
 * Bounds on LanceDB's native memory, set before LanceDB is loaded. Measured on a 200,000-table
 * migration (bench/): LanceDB's scanner reads ahead into a 2 GiB default I/O buffer, and glibc gives each
 * of its threads a malloc arena that keeps freed buffers; together they took peak RSS to 870-1025 MiB.
 * A 32 MiB buffer plus MALLOC_ARENA_MAX=2 (set in the bins' shebang: glibc reads it at process start)
 * brought it to 600-670 MiB at the same speed. A value the user set is kept.
 *
 * The shebang also gives V8 `--heap-growing-percent=50`: a heap may grow to 1.5x what the last full GC left
 * live, instead of up to 4x. In the catalog pass V8 let the main heap commit 390 MiB around 40-98 MiB live
 * (--trace-gc, 10^6 tables) and kept it committed through the inference; it still does with the batches held
 * as bytes (catalog-text.ts), so what dies in its old generation is not only the DDL. Measured on 10^6 tables,
 * `--workers 2`: peak RSS 1,155-1,264 MiB without the flag, 984-1,029 MiB with it. It applies to the worker
 * threads too (their heaps are bounded in pipeline.ts): in a 100,000-table CPU profile it took the main
 * thread's GC from 2.7 to 5.0 s and each worker's from 4.7 to 5.5 s.
 *
 * And `--no-parallel-scavenge`: a young-generation collection runs on the thread whose heap it is, not spread
 * over V8's platform threads. With two workers and the coordinator on two cores there is no idle core to spread
 * it to: the platform threads took about a quarter of a migration's CPU (bench/thread-cpu.ts). Six alternating
 * pairs of 100,000-table migrations (`--workers 2`): 20.6 s / 36.5 CPU s on average with it, 21.7 s / 37.9
 * without; `--workers 1` the same or slightly better. `--single-threaded-gc` and `--no-concurrent-marking`
 * gained nothing more.
 */
process.env.LANCE_DEFAULT_IO_BUFFER_SIZE ??= String(32 * 2 ** 20);
