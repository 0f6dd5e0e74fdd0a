//! Nothing to use here: this package only holds the tests that check the Rust crates against the
//! repository's shared `conformance/` vectors (`tests/state_sync.rs`, `tests/plugin.rs`), which the
//! TypeScript side reads too (`conformance/conformance.test.ts`). It is not published, so the published
//! crates need no file from outside their own directory.
