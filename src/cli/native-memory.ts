/**
 * Bounds on LanceDB's native memory, set before LanceDB is loaded. Measured on a 200,000-table
 * migration (bench/): LanceDB's scanner reads ahead into a 2 GiB default I/O buffer, and glibc gives each
 * of its threads a malloc arena that keeps freed buffers; together they took peak RSS to 870-1025 MiB.
 * A 32 MiB buffer plus MALLOC_ARENA_MAX=2 (set in the bins' shebang: glibc reads it at process start)
 * brought it to 600-670 MiB at the same speed. A value the user set is kept.
 */
process.env.LANCE_DEFAULT_IO_BUFFER_SIZE ??= String(32 * 2 ** 20);
