//! The workspace's one integration-test binary.

mod broken;
mod client;
mod diff;
mod drift;
mod features;
mod fixtures;
mod fuzz;
mod profile;
mod runtime;
mod snapshots;
mod support;
mod swagger2;
