//! Redirects on the wire, against two wiremock servers on 127.0.0.1 (two ports: two
//! origins): same-origin ones are followed with every header but `Referer`, another
//! origin gets nothing unless the policy allows it and then no credentials, a `POST` is
//! never replayed. (The rules themselves are unit-tested in `amperity-runtime`.)

use amperity_generated::control_plane::models::WorkflowRunRequest;
use amperity_generated::control_plane::{Client, ClientBuilder};
use amperity_generated::runtime::{Error, RedirectPolicy, RedirectRefusal};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder("acme")
        .base_url(format!("{}/api", server.uri()))
        .bearer_token("redirect-token")
        .no_rate_limit()
}

fn redirect(status: u16, location: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("location", location)
}

fn page() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"data": [{"id": "s-1", "name": "One", "status": "active"}]}))
}

async fn received(server: &MockServer, route: &str) -> Vec<Request> {
    let all = server.received_requests().await.unwrap_or_default();
    all.into_iter().filter(|r| r.url.path() == route).collect()
}

#[tokio::test]
async fn a_same_origin_redirect_is_followed_without_a_referer() {
    let server = MockServer::start().await;
    Mock::given(path("/api/segments"))
        .respond_with(redirect(302, "/api/v2/segments"))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/segments"))
        .respond_with(page())
        .mount(&server)
        .await;

    let page = builder(&server)
        .build()
        .unwrap()
        .list_segment()
        .send()
        .await
        .unwrap();

    assert_eq!(page.data[0].id, "s-1");
    let followed = received(&server, "/api/v2/segments").await;
    assert_eq!(followed.len(), 1);
    let headers = &followed[0].headers;
    assert_eq!(headers["amperity-tenant"], "acme");
    assert_eq!(headers["authorization"], "Bearer redirect-token");
    assert!(headers.contains_key("api-version"));
    assert!(!headers.contains_key("referer"), "{headers:?}");
}

#[tokio::test]
async fn another_origin_gets_nothing_and_the_error_carries_the_location() {
    let (server, elsewhere) = (MockServer::start().await, MockServer::start().await);
    let target = format!("{}/collect", elsewhere.uri());
    Mock::given(path("/api/segments"))
        .respond_with(redirect(307, &target))
        .mount(&server)
        .await;
    Mock::given(path("/collect"))
        .respond_with(page())
        .mount(&elsewhere)
        .await;

    let err = builder(&server)
        .build()
        .unwrap()
        .list_segment()
        .send()
        .await
        .unwrap_err();

    let Error::Redirect(redirected) = &err else {
        panic!("expected a redirect error: {err:?}");
    };
    assert_eq!(redirected.location(), target);
    assert_eq!(redirected.refusal(), RedirectRefusal::CrossOrigin);
    assert_eq!(redirected.status().as_u16(), 307);
    assert!(err.to_string().contains(&target), "{err}");
    assert!(received(&elsewhere, "/collect").await.is_empty());

    // Allowed by the policy: followed, but with none of the client's headers.
    let page = builder(&server)
        .redirects(RedirectPolicy::any_origin())
        .build()
        .unwrap()
        .list_segment()
        .send()
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
    let followed = received(&elsewhere, "/collect").await;
    assert_eq!(followed.len(), 1);
    for name in ["authorization", "amperity-tenant", "api-version", "referer"] {
        assert!(
            !followed[0].headers.contains_key(name),
            "{name} sent to another origin"
        );
    }
}

#[tokio::test]
async fn a_post_is_never_sent_again_by_a_redirect() {
    let server = MockServer::start().await;
    for (status, from) in [(307, "/api/workflow/runs"), (308, "/api/v1/workflow/runs")] {
        Mock::given(method("POST"))
            .and(path(from))
            .respond_with(redirect(status, "/api/v2/workflow/runs"))
            .mount(&server)
            .await;
    }
    Mock::given(path("/api/v2/workflow/runs"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();

    let err = client
        .run_workflow(WorkflowRunRequest::new("cfg-1"))
        .send()
        .await
        .unwrap_err();

    let Error::Redirect(redirected) = &err else {
        panic!("expected a redirect error: {err:?}");
    };
    assert_eq!(redirected.refusal(), RedirectRefusal::NotIdempotent);
    assert!(redirected.location().ends_with("/api/v2/workflow/runs"));
    assert!(received(&server, "/api/v2/workflow/runs").await.is_empty());

    // No redirects at all, when asked: even a same-origin GET one is an error.
    Mock::given(path("/api/segments"))
        .respond_with(redirect(302, "/api/v2/workflow/runs"))
        .mount(&server)
        .await;
    let err = builder(&server)
        .redirects(RedirectPolicy::none())
        .build()
        .unwrap()
        .list_segment()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Redirect(r) if r.refusal() == RedirectRefusal::TooMany(0)),
        "{err:?}"
    );
    assert!(received(&server, "/api/v2/workflow/runs").await.is_empty());
}
