//! Workspace tests live in `tests/it/` and `tests/fleet/`. This library compiles the
//! README's examples as doctests, so the usage shown to newcomers cannot rot, and holds
//! [`fleet`]: the Redis server, probe server and worker processes that the fleet tests and
//! benchmarks of the Redis rate limiter share.
#![doc = include_str!("../../README.md")]

pub mod fleet;
