//! What the runtime benchmarks share: a minimal loopback HTTP server, the audit-event pages
//! it serves, the sliding-window count used to check the rate limiter, a recorder of the
//! instants at which the client hands each request to the HTTP stack, interleaved (ABBA)
//! timing, the machine-readable summary `cargo xtask bench` reads, and the small
//! formatting helpers of the reports.
//!
//! The benchmarks themselves are the bench targets of this package (`benches/*.rs`); see
//! `benches/README.md` for how to run and read them.

pub mod abba;
pub mod events;
pub mod send_times;
pub mod server;
pub mod summary;
pub mod windows;

use std::str::FromStr;

use amperity_generated::control_plane::{Client, ClientBuilder};

/// A control-plane client builder aimed at a loopback server started by [`server`]: tenant
/// `acme`, a dummy bearer token, `http://{addr}/api` as base URL. Rate limit and retries
/// are left at their defaults for the caller to set.
pub fn client_for(addr: std::net::SocketAddr) -> ClientBuilder {
    Client::builder("acme")
        .base_url(format!("http://{addr}/api"))
        .bearer_token("bench-token")
}

/// The value of the environment variable `name` parsed as `T`, or `default` when it is
/// not set. Panics with the variable's name when it is set but does not parse, so that a
/// typo never silently runs the default.
pub fn env_or<T: FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(raw) => raw.trim().parse().unwrap_or_else(|_| {
            panic!("{name}={raw:?} is not a valid value");
        }),
        Err(_) => default,
    }
}

/// Bytes as a human-readable quantity in binary units (`1.50 MiB`).
pub fn bytes(n: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.2} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_shown_in_binary_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.50 KiB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.00 MiB");
    }
}
