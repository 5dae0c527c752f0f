//! The workspace's one integration-test binary.

mod broken;
mod client;
mod drift;
mod fixtures;
mod runtime;
mod snapshots;
mod support;
