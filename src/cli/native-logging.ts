/**
 * LanceDB's Rust core logs through env_logger, which reads `LANCEDB_LOG` once, when the native module loads,
 * and defaults to `warn`: lines such as "[... WARN lance::dataset::write::insert] No existing dataset ..., it
 * will be created" and the k-means "many duplicate vectors" notes then land among our output. They say nothing
 * a user can act on, so they are off unless asked for: a `LANCEDB_LOG` the user set is kept, and a `RUST_LOG`
 * the user set is passed on to it. Imported by the bins before anything loads LanceDB.
 */
process.env.LANCEDB_LOG ??= process.env.RUST_LOG ?? "off";
