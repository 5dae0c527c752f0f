//! Developer commands of the workspace, as a library so that tests run the same code.

pub mod bench;
pub mod corpus;
pub mod diff;
pub mod fuzz;
pub mod overlays;
pub mod regen;
pub mod spec;
#[cfg(test)]
mod testing;
pub mod update;
