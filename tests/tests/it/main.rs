//! The workspace's one integration-test binary.

mod broken;
mod client;
mod diff;
mod drift;
mod fixtures;
mod snapshots;
mod support;
