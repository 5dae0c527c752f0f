//! The Profile API module against wiremock: the repeated `{id}` of
//! `/indexes/{id}/profiles/{id}` becomes two arguments that land in their own places,
//! `filter` follows the bracket notation its description documents, `attributes` is a
//! map of strings, and lists stream.

use amperity_generated::profile::{Client, ClientBuilder};
use amperity_generated::runtime::{RateLimit, RetryPolicy};
use futures_util::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder("acme")
        .base_url(format!("{}/api", server.uri()))
        .bearer_token("profile-token")
        .retry(RetryPolicy::none())
}

fn profile(index: &str, id: &str) -> serde_json::Value {
    json!({"id": id, "index_id": index, "attributes": {"first_name": "Daniel", "loyalty_id": "123456789-0"}})
}

#[tokio::test]
async fn index_and_profile_ids_land_in_their_own_segments() {
    let server = MockServer::start().await;
    for (index, id) in [("idx-xyz789", "cl-abc123"), ("cl-abc123", "idx-xyz789")] {
        Mock::given(method("GET"))
            .and(path(format!("/api/indexes/{index}/profiles/{id}")))
            .and(header("amperity-tenant", "acme"))
            .and(header("api-version", "2025-07-31"))
            .respond_with(ResponseTemplate::new(200).set_body_json(profile(index, id)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = builder(&server).build().unwrap();

    let one = client
        .get_profile("idx-xyz789", "cl-abc123")
        .send()
        .await
        .unwrap();
    let swapped = client
        .get_profile("cl-abc123", "idx-xyz789")
        .send()
        .await
        .unwrap();

    assert_eq!(
        (one.index_id.as_str(), one.id.as_str()),
        ("idx-xyz789", "cl-abc123")
    );
    assert_eq!(
        (swapped.index_id.as_str(), swapped.id.as_str()),
        ("cl-abc123", "idx-xyz789")
    );
    let attributes = one.attributes.as_ref().expect("attributes");
    assert_eq!(
        attributes.get("first_name").map(String::as_str),
        Some("Daniel")
    );
}

#[tokio::test]
async fn filters_use_bracket_notation_and_profiles_stream() {
    let server = MockServer::start().await;
    let first = json!({"data": [profile("idx-1", "cl-1")], "next_token": "p2"});
    let last = json!({"data": [profile("idx-1", "cl-2")], "next_token": ""});
    Mock::given(method("GET"))
        .and(path("/api/indexes/idx-1/profiles"))
        .and(wiremock::matchers::query_param("next_token", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(last))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/indexes/idx-1/profiles"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();

    let profiles: Vec<_> = client
        .list_profiles("idx-1")
        .filter("first_name", "Daniel")
        .filter("loyalty_tier", "gold")
        .limit(1)
        .stream()
        .try_collect()
        .await
        .unwrap();

    let ids: Vec<&str> = profiles.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["cl-1", "cl-2"]);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        let pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let filters: Vec<(&str, &str)> = pairs
            .iter()
            .filter(|(k, _)| k.starts_with("filter"))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            filters,
            [
                ("filter[first_name]", "Daniel"),
                ("filter[loyalty_tier]", "gold")
            ]
        );
    }
}

#[tokio::test]
async fn the_profile_api_has_its_own_rate_limit() {
    let server = MockServer::start().await;
    let client = Client::builder("acme")
        .base_url(server.uri())
        .bearer_token("t")
        .build()
        .unwrap();
    let limiter = client.runtime().rate_limiter().expect("on by default");
    assert_eq!(limiter.limit(), Some(RateLimit::per_second(2000)));
}
