//! organized-gateway: an API gateway for OpenAI-compatible servers, run as a Cloudflare
//! Worker and programmed by one TOML file.
//!
//! The crate has two halves. Everything outside [`edge`] is plain Rust that builds and is
//! tested natively: the configuration model and its checks, the plan, and every decision a
//! request's stages make. [`edge`] (wasm32 only) connects those decisions to KV, D1 and
//! `fetch` through `worker::Env`.
#![warn(missing_docs)]

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod config;
pub mod diagnostics;
#[cfg(target_arch = "wasm32")]
pub mod edge;
pub mod migrate;
pub mod pipeline;
pub mod plan;
