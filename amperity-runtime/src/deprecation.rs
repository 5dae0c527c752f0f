//! The `Deprecation` and `Sunset` response headers Amperity uses to announce that an
//! api-version or an operation will be retired (at least six months ahead).
//!
//! `Deprecation` follows RFC 9745 (`@1688169599`, a Unix time), and the earlier draft
//! forms `true` and an HTTP date are accepted too; `Sunset` is an HTTP date (RFC 8594),
//! and an `@<epoch>` there is read as well. HTTP dates are read leniently (any weekday,
//! a one-digit day: see `date.rs`), because Amperity's own documentation writes
//! `Tue, 1 Sep 2024 23:59:59 GMT` for a Sunday.

use chrono::{DateTime, Utc};
use http::HeaderMap;

use crate::date::http_date;

/// What a response said about its own retirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deprecation {
    /// Whether the server marked the operation (or api-version) as deprecated.
    pub deprecated: bool,
    /// When it was (or will be) deprecated, when the server said.
    pub deprecated_at: Option<DateTime<Utc>>,
    /// When it stops working, when the server said.
    pub sunset: Option<DateTime<Utc>>,
}

impl Deprecation {
    /// Reads the two headers; `None` when neither says anything.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let deprecation = headers
            .get("deprecation")
            .and_then(|v| v.to_str().ok())
            .map(str::trim);
        let sunset = headers
            .get("sunset")
            .and_then(|v| v.to_str().ok())
            .and_then(date);
        let (deprecated, deprecated_at) = match deprecation {
            None => (false, None),
            Some(v) if v.eq_ignore_ascii_case("false") => (false, None),
            Some(v) if v.eq_ignore_ascii_case("true") => (true, None),
            // An unreadable value still means the server wants us to know.
            Some(v) => (true, date(v)),
        };
        (deprecated || sunset.is_some()).then_some(Self {
            deprecated,
            deprecated_at,
            sunset,
        })
    }
}

/// What the deprecation callback receives: which operation, and what the server said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeprecationNotice {
    /// The operationId, e.g. `list-events`.
    pub operation_id: &'static str,
    /// The path template, e.g. `/audit-events`.
    pub path: &'static str,
    /// The api-version the client sent (empty when the API has none).
    pub api_version: String,
    /// The parsed headers.
    pub deprecation: Deprecation,
}

/// An RFC 9745 date (`@` and seconds since the epoch) or an HTTP date.
fn date(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    match value.strip_prefix('@') {
        Some(seconds) => seconds
            .parse::<i64>()
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0)),
        None => http_date(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn at(rfc3339: &str) -> Option<DateTime<Utc>> {
        Some(
            DateTime::parse_from_rfc3339(rfc3339)
                .unwrap()
                .with_timezone(&Utc),
        )
    }

    #[test]
    fn reads_rfc_9745_and_the_draft_forms() {
        let d = Deprecation::from_headers(&headers(&[
            ("deprecation", "@1688169599"),
            ("sunset", "Sun, 30 Jun 2024 23:59:59 GMT"),
        ]))
        .unwrap();
        assert!(d.deprecated);
        assert_eq!(d.deprecated_at, at("2023-06-30T23:59:59Z"));
        assert_eq!(d.sunset, at("2024-06-30T23:59:59Z"));

        let d = Deprecation::from_headers(&headers(&[("deprecation", "true")])).unwrap();
        assert_eq!(
            (d.deprecated, d.deprecated_at, d.sunset),
            (true, None, None)
        );

        let d = Deprecation::from_headers(&headers(&[(
            "deprecation",
            "Wed, 11 Nov 2026 23:59:59 GMT",
        )]))
        .unwrap();
        assert_eq!(d.deprecated_at, at("2026-11-11T23:59:59Z"));
    }

    #[test]
    fn a_sunset_alone_is_a_notice_and_nothing_is_none() {
        let d = Deprecation::from_headers(&headers(&[("sunset", "Sun, 30 Jun 2024 23:59:59 GMT")]))
            .unwrap();
        assert!(!d.deprecated);
        assert!(d.sunset.is_some());
        assert_eq!(Deprecation::from_headers(&HeaderMap::new()), None);
        assert_eq!(
            Deprecation::from_headers(&headers(&[("deprecation", "false")])),
            None
        );
    }

    #[test]
    fn the_lines_of_amperitys_versioning_page() {
        // Verbatim from Amperity's API versioning page; both days were Sundays.
        let d = Deprecation::from_headers(&headers(&[
            ("deprecation", "Tue, 1 Sep 2024 23:59:59 GMT"),
            ("sunset", "Wed, 1 Dec 2024 23:59:59 GMT"),
        ]))
        .unwrap();
        assert!(d.deprecated);
        assert_eq!(d.deprecated_at, at("2024-09-01T23:59:59Z"));
        assert_eq!(d.sunset, at("2024-12-01T23:59:59Z"));
        let d = Deprecation::from_headers(&headers(&[("sunset", "@1733097599")])).unwrap();
        assert_eq!(d.sunset, at("2024-12-01T23:59:59Z"));
    }

    #[test]
    fn unreadable_values_still_mean_deprecated() {
        let d = Deprecation::from_headers(&headers(&[
            ("deprecation", "@soon"),
            ("sunset", "tomorrow"),
        ]))
        .unwrap();
        assert_eq!(
            (d.deprecated, d.deprecated_at, d.sunset),
            (true, None, None)
        );
    }
}
