//! Which redirects a client follows, decided by a pure function ([`decide`]) of the
//! answer, the method and the policy; the client does the sending.
//!
//! The rules, and why:
//!
//! - **Same origin only, by default.** A request carries the tenant, the api-version and
//!   credentials; a redirect to another origin (scheme, host and port) would hand them,
//!   and the request itself, to a host the caller never named. reqwest's default policy
//!   drops `Authorization` on such a hop but keeps every other header, and adds a
//!   `Referer` with the original URL. So the client does not let reqwest follow anything:
//!   it follows same-origin redirects itself and returns [`Error::Redirect`](crate::Error::Redirect) with the
//!   `Location` for the rest, so the caller can decide. [`RedirectPolicy::any_origin`]
//!   follows them too, sending the other origin none of the client's headers.
//! - **Never a `Referer`.** The original URL names the tenant's resources.
//! - **A non-idempotent request is never replayed by a redirect.** A 307 or 308 of a
//!   `POST` would send its body again, and a 301 or 302 would turn it into a `GET` that
//!   answers something other than what the caller asked for. Only a 303 (see other: "the
//!   result is over there, `GET` it") is followed for every method.
//! - **Never from `https` to plain `http`** (except between loopback hosts, as for base
//!   URLs), whatever the policy.

use std::fmt;

use http::{HeaderMap, Method, StatusCode};

use crate::client::is_loopback;
use crate::retry::is_idempotent;

/// Which redirects a client follows: [`ClientBuilder::redirects`](crate::ClientBuilder::redirects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedirectPolicy {
    max_redirects: u32,
    any_origin: bool,
}

impl Default for RedirectPolicy {
    /// [`RedirectPolicy::same_origin`].
    fn default() -> Self {
        Self::same_origin()
    }
}

impl RedirectPolicy {
    /// Follows up to 5 redirects that stay on the base URL's origin (scheme, host and
    /// port); a redirect elsewhere ends the call with [`Error::Redirect`](crate::Error::Redirect). The default.
    pub fn same_origin() -> Self {
        Self {
            max_redirects: 5,
            any_origin: false,
        }
    }

    /// Follows no redirect: every one ends the call with [`Error::Redirect`](crate::Error::Redirect).
    pub fn none() -> Self {
        Self {
            max_redirects: 0,
            any_origin: false,
        }
    }

    /// Also follows redirects to other origins (a download handed to a storage service,
    /// say), sending them only the method and, for 307 and 308, the body: none of the
    /// client's headers (authorization, tenant, api-version) nor the operation's.
    pub fn any_origin() -> Self {
        Self {
            max_redirects: 5,
            any_origin: true,
        }
    }

    /// How many redirects one attempt follows before it ends with [`Error::Redirect`](crate::Error::Redirect).
    pub fn max_redirects(mut self, max: u32) -> Self {
        self.max_redirects = max;
        self
    }
}

/// What to do with an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Hop {
    /// Not a redirect (no `Location`, or a 3xx that is not one): an answer like any other.
    Answer,
    /// Send `method` to `url`; `keep_body` for 307 and 308; `foreign` when `url` is on
    /// another origin than the call's first URL (send none of the client's headers).
    Follow {
        url: reqwest::Url,
        method: Method,
        keep_body: bool,
        foreign: bool,
    },
    /// A redirect that is not followed: the call ends with [`Error::Redirect`](crate::Error::Redirect).
    Refuse {
        location: String,
        refusal: RedirectRefusal,
    },
}

/// Decides about an answer with `status` and `headers` to a `method` request sent to
/// `current` (after `hops` redirects), in a call that started at `first`.
pub(crate) fn decide(
    policy: &RedirectPolicy,
    status: StatusCode,
    headers: &HeaderMap,
    method: &Method,
    first: &reqwest::Url,
    current: &reqwest::Url,
    hops: u32,
) -> Hop {
    let keep_body = match status {
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND => false,
        StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT => true,
        StatusCode::SEE_OTHER => false,
        _ => return Hop::Answer,
    };
    let Some(raw) = headers
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Hop::Answer;
    };
    let refuse = |location: String, refusal| Hop::Refuse { location, refusal };
    // Relative references are resolved against the URL that was redirected.
    let Ok(url) = current.join(raw.trim()) else {
        return refuse(raw.to_owned(), RedirectRefusal::InvalidLocation);
    };
    let location = url.to_string();
    let foreign = url.origin() != first.origin();
    if !matches!(url.scheme(), "https" | "http") || (url.scheme() == "http" && !is_loopback(&url)) {
        return refuse(location, RedirectRefusal::Insecure);
    }
    if foreign && !policy.any_origin {
        return refuse(location, RedirectRefusal::CrossOrigin);
    }
    if hops >= policy.max_redirects {
        return refuse(location, RedirectRefusal::TooMany(policy.max_redirects));
    }
    if status == StatusCode::SEE_OTHER {
        let method = if *method == Method::HEAD {
            Method::HEAD
        } else {
            Method::GET
        };
        return Hop::Follow {
            url,
            method,
            keep_body: false,
            foreign,
        };
    }
    if !is_idempotent(method) {
        return refuse(location, RedirectRefusal::NotIdempotent);
    }
    Hop::Follow {
        url,
        method: method.clone(),
        keep_body,
        foreign,
    }
}

/// Why a redirect was not followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectRefusal {
    /// It leads to another origin ([`RedirectPolicy::any_origin`] follows it).
    CrossOrigin,
    /// Following it would send a non-idempotent request (a `POST`) again, or turn it
    /// into a `GET`.
    NotIdempotent,
    /// The policy's limit of redirects (given) was reached ([`RedirectPolicy::none`]: 0).
    TooMany(u32),
    /// It leads to plain `http` (or another scheme) on a host that is not loopback.
    Insecure,
    /// The `Location` is not a URL.
    InvalidLocation,
}

impl fmt::Display for RedirectRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectRefusal::CrossOrigin => f.write_str(
                "another origin, not followed (`RedirectPolicy::any_origin` follows it without credentials)",
            ),
            RedirectRefusal::NotIdempotent => f.write_str(
                "not followed: the method is not idempotent and the request would be sent again or changed",
            ),
            RedirectRefusal::TooMany(0) => {
                f.write_str("not followed: the client follows no redirects")
            }
            RedirectRefusal::TooMany(max) => {
                write!(f, "not followed: already {max} redirects")
            }
            RedirectRefusal::Insecure => {
                f.write_str("not followed: it leaves https for a host that is not loopback")
            }
            RedirectRefusal::InvalidLocation => f.write_str("not followed: not a URL"),
        }
    }
}

/// A redirect the client did not follow: where it led, and why not.
#[derive(Debug)]
pub struct RedirectError {
    pub(crate) operation_id: &'static str,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) location: String,
    pub(crate) refusal: RedirectRefusal,
    pub(crate) attempts: u32,
}

impl RedirectError {
    /// The operationId of the call.
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// The redirect status (301, 302, 303, 307 or 308).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers of the redirect.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Where the redirect led: the `Location`, resolved against the URL that was
    /// redirected (as the server sent it when it is not a URL).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Why it was not followed.
    pub fn refusal(&self) -> RedirectRefusal {
        self.refusal
    }

    /// How many times the request was sent.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: HTTP {} redirects to {}: {}",
            self.operation_id, self.status, self.location, self.refusal
        )
    }
}

impl std::error::Error for RedirectError {}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    const FIRST: &str = "https://acme.amperity.com/api/segments?limit=1";

    fn hop(policy: RedirectPolicy, status: u16, method: Method, location: &str) -> Hop {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::LOCATION,
            HeaderValue::from_str(location).unwrap(),
        );
        let first = reqwest::Url::parse(FIRST).unwrap();
        decide(
            &policy,
            StatusCode::from_u16(status).unwrap(),
            &headers,
            &method,
            &first,
            &first,
            0,
        )
    }

    fn refusal(hop: Hop) -> Option<RedirectRefusal> {
        match hop {
            Hop::Refuse { refusal, .. } => Some(refusal),
            _ => None,
        }
    }

    #[test]
    fn same_origin_is_followed_relative_or_absolute() {
        for location in ["/api/v2/segments", "https://acme.amperity.com/api/x"] {
            let Hop::Follow {
                url,
                method,
                keep_body,
                foreign,
            } = hop(RedirectPolicy::default(), 307, Method::GET, location)
            else {
                panic!("{location} not followed");
            };
            assert_eq!(url.host_str(), Some("acme.amperity.com"));
            assert_eq!((method, keep_body, foreign), (Method::GET, true, false));
        }
    }

    #[test]
    fn other_origins_are_refused_unless_allowed() {
        for location in [
            "https://evil.example/api/segments",
            "https://acme.amperity.com:8443/api/segments",
            "//evil.example/x",
        ] {
            assert_eq!(
                refusal(hop(RedirectPolicy::default(), 302, Method::GET, location)),
                Some(RedirectRefusal::CrossOrigin),
                "{location}"
            );
            assert!(matches!(
                hop(RedirectPolicy::any_origin(), 302, Method::GET, location),
                Hop::Follow { foreign: true, .. }
            ));
        }
        assert_eq!(
            refusal(hop(
                RedirectPolicy::any_origin(),
                302,
                Method::GET,
                "http://acme.amperity.com/api"
            )),
            Some(RedirectRefusal::Insecure)
        );
    }

    #[test]
    fn a_post_is_never_replayed_but_see_other_is_fetched() {
        for status in [301, 302, 307, 308] {
            assert_eq!(
                refusal(hop(
                    RedirectPolicy::default(),
                    status,
                    Method::POST,
                    "/api/x"
                )),
                Some(RedirectRefusal::NotIdempotent),
                "{status}"
            );
        }
        assert!(matches!(
            hop(RedirectPolicy::default(), 303, Method::POST, "/api/x"),
            Hop::Follow {
                method: Method::GET,
                keep_body: false,
                ..
            }
        ));
    }

    #[test]
    fn limits_and_non_redirects() {
        assert_eq!(
            refusal(hop(RedirectPolicy::none(), 302, Method::GET, "/api/x")),
            Some(RedirectRefusal::TooMany(0))
        );
        for status in [300, 304, 200, 404] {
            assert_eq!(
                hop(RedirectPolicy::default(), status, Method::GET, "/api/x"),
                Hop::Answer
            );
        }
        let first = reqwest::Url::parse(FIRST).unwrap();
        let no_location = decide(
            &RedirectPolicy::default(),
            StatusCode::FOUND,
            &HeaderMap::new(),
            &Method::GET,
            &first,
            &first,
            0,
        );
        assert_eq!(no_location, Hop::Answer);
        assert_eq!(
            refusal(hop(
                RedirectPolicy::default(),
                302,
                Method::GET,
                "http://[::1"
            )),
            Some(RedirectRefusal::InvalidLocation)
        );
    }
}
