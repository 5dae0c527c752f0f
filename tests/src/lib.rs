//! Workspace tests live in `tests/it/`; this library only compiles the README's example
//! as a doctest, so the usage shown to newcomers cannot rot.
#![doc = include_str!("../../README.md")]
