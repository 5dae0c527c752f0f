//! temporary
pub mod runtime;
