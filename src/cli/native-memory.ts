/**
 * Bounds on LanceDB's native memory, set before LanceDB is loaded. Measured on a 200,000-table
 * migration (bench/): LanceDB's scanner reads ahead into a 2 GiB default I/O buffer, and glibc gives each
 * of its threads a malloc arena that keeps freed buffers; together they took peak RSS to 870-1025 MiB.
 * A 32 MiB buffer plus MALLOC_ARENA_MAX=2 (set in the bins' shebang: glibc reads it at process start)
 * brought it to 600-670 MiB at the same speed. A value the user set is kept.
 *
 * The shebang also gives V8 `--heap-growing-percent=50`: a heap may grow to 1.5x what the last full GC left
 * live, instead of up to 4x. During the catalog pass the main thread holds each batch's DDL while the
 * workers read it, so the DDL is promoted and dies in the old generation; V8 let that heap commit 390 MiB
 * around 40-90 MiB live (--trace-gc, 10^6 tables), and kept it committed through the inference. Measured on
 * 10^6 tables, `--workers 2`: peak RSS 1,155-1,183 MiB -> 1,002-1,010 MiB, CPU seconds +4% (the flag applies
 * to the worker threads too, whose heaps are bounded in pipeline.ts).
 */
process.env.LANCE_DEFAULT_IO_BUFFER_SIZE ??= String(32 * 2 ** 20);
