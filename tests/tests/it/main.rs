//! The workspace's one integration-test binary.

mod broken;
mod client;
mod contract;
mod conventions;
mod corpus;
mod diff;
mod drift;
mod faults;
mod features;
mod fixtures;
mod fuzz;
mod mock;
mod overlays;
mod profile;
mod redirects;
mod runtime;
mod snapshots;
mod support;
mod swagger2;
