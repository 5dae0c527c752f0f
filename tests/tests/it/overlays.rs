//! What the overlays in `spec/overlays/` correct, shown on the wire: the generated client
//! accepts what Amperity's own pages show the API answering, where the published document
//! says otherwise. (How overlays apply is tested in `amperity-codegen` and `xtask`.)

use amperity_generated::control_plane::Client;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// `spec/overlays/control-plane-2024-04-01/segment-status.yaml`: the example 200 response
/// of GET /segments in Amperity's API reference lists segments with only `id` and `name`.
/// The body here has that shape, with the document's own example values; without the
/// overlay, `Segment.status` is required and the page fails with `missing field status`.
#[tokio::test]
async fn segments_as_amperitys_example_shows_them_decode() {
    let server = MockServer::start().await;
    let body = json!({
        "data": [
            {"id": "seg-35GMWpn6Y", "name": "Returning Customers"},
            {"id": "seg-4Hx9Lq2Zp", "name": "Lapsed Customers", "status": "active"}
        ],
        "next_token": "",
    });
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let client = Client::builder("acme")
        .base_url(format!("{}/api", server.uri()))
        .bearer_token("t")
        .no_rate_limit()
        .build()
        .unwrap();

    let page = client.list_segment().send().await.unwrap();

    assert_eq!(page.data[0].name, "Returning Customers");
    assert_eq!(page.data[0].status, None);
    assert_eq!(page.data[1].status.as_deref(), Some("active"));
}
