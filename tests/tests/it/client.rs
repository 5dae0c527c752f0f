//! The generated control-plane client against a wiremock server.
//!
//! Every operation is checked on the wire (method, path under the base URL's `/api`
//! prefix, query string, ambient headers sent exactly once, body) and on the way back
//! (a realistic response built from the document's `example` values decodes). Then the
//! edges: unset parameters and documented defaults are never sent, path parameters stay
//! one segment, unknown fields and enum values are tolerated, every failure keeps what
//! the server said, and the bearer token never shows up in `Debug` or `Display`.

use amperity_generated::control_plane::models::{
    GetWorkflowView as View, WorkflowRunRequestRunMode as RunMode,
};
use amperity_generated::control_plane::{ApiVersion, Client, ClientBuilder, models};
use amperity_generated::runtime::{Error, RetryPolicy};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "test-token";
const WF: &str = "wf-20240603-12345-MNabc";

// --- Helpers ------------------------------------------------------------------------------

/// A builder for tenant `acme` pointed at `server` with an `/api` base path. Rate
/// limiting and retries are off: these tests look at single exchanges (the runtime tests
/// cover both).
fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder("acme")
        .base_url(format!("{}/api", server.uri()))
        .bearer_token(TOKEN)
        .no_rate_limit()
        .retry(RetryPolicy::none())
}

/// A mock server that must see `verb route` exactly once, and a client for it.
struct Served {
    server: MockServer,
    client: Client,
    verb: &'static str,
    route: String,
}

impl Served {
    /// The one request the server received, checked for method, path and ambient headers.
    async fn request(&self) -> Request {
        let mut requests = self.server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1, "expected exactly one request");
        let request = requests.remove(0);
        assert_eq!(request.method.as_str(), self.verb);
        assert_eq!(request.url.path(), self.route);
        assert_ambient_headers(&request, "2024-04-01");
        request
    }
}

/// Starts a server that answers `verb route` with `response`, exactly once.
async fn serve(verb: &'static str, route: &str, response: ResponseTemplate) -> Served {
    let server = MockServer::start().await;
    expect_once(&server, verb, route, response).await;
    let client = builder(&server).build().expect("the client builds");
    let route = route.to_owned();
    Served {
        server,
        client,
        verb,
        route,
    }
}

/// Mounts a mock that must be hit exactly once on `verb route` (route includes `/api`).
async fn expect_once(server: &MockServer, verb: &str, route: &str, response: ResponseTemplate) {
    let mock = Mock::given(method(verb)).and(path(route));
    mock.respond_with(response).expect(1).mount(server).await;
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn at(timestamp: &str) -> DateTime<Utc> {
    timestamp.parse().expect("an RFC 3339 timestamp")
}

/// Asserts that `name` was sent exactly once, with `value`.
fn header_once(request: &Request, name: &str, value: &str) {
    let values: Vec<_> = request.headers.get_all(name).iter().collect();
    assert_eq!(values.len(), 1, "`{name}` must be sent once: {values:?}");
    assert_eq!(values[0], value, "`{name}`");
}

/// Authorization, tenant, api-version and accept: each present exactly once.
fn assert_ambient_headers(request: &Request, api_version: &str) {
    header_once(request, "authorization", &format!("Bearer {TOKEN}"));
    header_once(request, "amperity-tenant", "acme");
    header_once(request, "api-version", api_version);
    header_once(request, "accept", "application/json");
}

/// Asserts the decoded query pairs (in any order; no `?` at all when `query` is empty)
/// and the JSON body (`None`: no body and no `content-type`).
fn assert_sent(request: &Request, query: &[(&str, &str)], body: Option<Value>) {
    if query.is_empty() {
        assert_eq!(request.url.query(), None, "no query string expected");
    } else {
        let mut sent: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let owned = |(k, v): &(&str, &str)| ((*k).to_owned(), (*v).to_owned());
        let mut expected: Vec<(String, String)> = query.iter().map(owned).collect();
        sent.sort();
        expected.sort();
        assert_eq!(sent, expected, "query of {}", request.url);
    }
    match body {
        Some(expected) => {
            header_once(request, "content-type", "application/json");
            let sent: Value = serde_json::from_slice(&request.body).expect("a JSON body");
            assert_eq!(sent, expected);
        }
        None => {
            assert!(request.body.is_empty(), "no body expected");
            assert_eq!(request.headers.get_all("content-type").iter().count(), 0);
        }
    }
}

/// Asserts that a decoded body re-encodes to exactly the JSON the server sent, so that
/// every field was read (the examples below avoid `null`, which would be skipped).
fn assert_decoded_all(decoded: &impl serde::Serialize, sent: &Value) {
    assert_eq!(&serde_json::to_value(decoded).unwrap(), sent);
}

// --- Realistic bodies, from the document's examples ---------------------------------------

fn audit_event() -> Value {
    json!({
        "event_id": "ae-Ab1cDeFg", "event_type": ":amperity.alert.audience/created",
        "tenant": "socktown-sb", "tenant_family": "socktown",
        "happened_at": "2026-04-09T17:21:06.747Z",
        "principal_id": "google-apps|user@socktown.com", "principal_name": "Socktown User",
        "principal_email": "user@socktown.com",
        "object_id": "seg-35GMWpn6Y", "object_name": "Socktown Returning Customers",
        "origin_ip": "111.11.111.1", "user_agent": "Mac OS X 4.5.6",
        "session_id": "Ab1cDeFgHijkLMN2Op3QrStUvWxYZ0123"
    })
}

fn ingest_job() -> Value {
    json!({
        "id": "isj-1f73r9u2", "workflow_id": "wf-20240618-3423-b45",
        "tables": [{
            "feed_id": "df-5L6d1veh", "job_id": "isj-1f73r9u2", "table_name": "My table",
            "state": "succeeded",
            "read": 1000, "errors": 200, "rejected": 200, "inserted": 400, "updated": 200,
            "started_at": "2026-06-01T04:02:54.433Z", "ended_at": "2026-06-01T04:02:57.433Z",
            "files": [{
                "file_id": "cb-20240618-71992-SF3Uz/part0.avro", "name": "part0.avro",
                "read": 1000, "errors": 200
            }]
        }]
    })
}

/// A workflow as `view=overview` returns it; `verbose` adds the task instances.
fn workflow(verbose: bool) -> Value {
    let mut workflow = json!({
        "id": "wf-20240619-14418-6UhqSe", "state": "succeeded", "type": "campaign.send",
        "name": "Customer Attribute Daily", "tenant": "acme",
        "created_at": "2026-06-19T04:00:18.764Z", "ended_at": "2026-06-19T04:03:10.119Z",
        "principal_id": "google-apps|acme@acme.com", "principal_name": "Justin Scott",
        "principal_email": "justin.scott@acme.com",
        "launched_version": "etv-20240210-12345-6AbCDE",
        "current_version": "etv-20240210-12345-6AbCDE",
        "warn_after_ms": 86400000
    });
    if verbose {
        workflow["task_instances"] = json!([{
            "id": "wft-20240619-14574-6kyYdY", "state": "failed", "tenant": "acme",
            "created_at": "2026-06-19T04:02:54.433Z", "ended_at": "2026-06-19T04:03:10.094Z",
            "execution_type": "spark-sql",
            "label": "Sending treatment customer_attribute_group to destination - S3",
            "run_id": "orb-20240619-EDnCxzmhrLN",
            "state_changed_at": "2026-06-19T04:03:10.094Z",
            "task_definition_id": "send/ct-2yrcnb2Hn/ptg-2XsDnXwEu/pd-2ycaK3gfh",
            "task_definition_type": "campaign.send", "timeout_ms": 172800000,
            "workflow_id": "wf-20240619-14418-6UhqSe",
            "error": {
                "type": "amperity.workflow.task.stitch/table",
                "message": "Found table in an invalid state.",
                "attribution": "customer", "data": {"table": "Unified_Coalesced"}
            }
        }]);
    }
    workflow
}

// --- The nine operations ------------------------------------------------------------------

#[tokio::test]
async fn list_events_sends_paging_and_time_window() {
    let page = json!({"data": [audit_event()], "next_token": "ZVEy1iwsKBs9a6H", "total": 3});
    let s = serve("GET", "/api/audit-events", ok(page.clone())).await;

    let response = s
        .client
        .list_events()
        .limit(2)
        .next_token("ABCd1fghIJk2l3M")
        .with_total(true)
        .happened_from(at("2026-04-01T11:11:11Z"))
        .happened_to(at("2026-04-10T11:11:11.250Z"))
        .send()
        .await
        .unwrap();

    let query = [
        ("limit", "2"),
        ("next_token", "ABCd1fghIJk2l3M"),
        ("with_total", "true"),
        ("happened_from", "2026-04-01T11:11:11Z"),
        ("happened_to", "2026-04-10T11:11:11.250Z"),
    ];
    assert_sent(&s.request().await, &query, None);
    assert_eq!(response.status(), 200);
    assert_eq!(response.total, Some(3));
    assert_eq!(response.data[0].happened_at, at("2026-04-09T17:21:06.747Z"));
    assert_decoded_all(response.body(), &page);
}

#[tokio::test]
async fn list_events_without_options_sends_no_query_string() {
    let s = serve("GET", "/api/audit-events", ok(json!({"data": []}))).await;

    let response = s.client.list_events().send().await.unwrap();

    // The document's `default` dates for happened_from/happened_to are not sent.
    assert_sent(&s.request().await, &[], None);
    assert!(response.data.is_empty());
    assert_eq!((&response.next_token, response.total), (&None, None));
}

#[tokio::test]
async fn list_campaign_sends_filters_and_decodes_campaigns() {
    let page = json!({
        "data": [
            {"id": "cc-21HCWon6Y", "name": "Holiday Campaign", "deliver_at": "2026-04-22T20:30:00Z"},
            {"id": "cc-3xYZab12Q", "name": "Spring Sale"}
        ],
        "next_token": "ZVEy1iwsKBs9a6H"
    });
    let s = serve("GET", "/api/campaigns", ok(page.clone())).await;

    let response = s
        .client
        .list_campaign()
        .limit(25)
        .with_total(false)
        .destination_data_template_id("ptg-2QLLqXBEq")
        .send()
        .await
        .unwrap();

    let query = [
        ("limit", "25"),
        ("with_total", "false"),
        ("destination_data_template_id", "ptg-2QLLqXBEq"),
    ];
    assert_sent(&s.request().await, &query, None);
    let deliver_at: Vec<_> = response.data.iter().map(|c| c.deliver_at).collect();
    assert_eq!(deliver_at, [Some(at("2026-04-22T20:30:00Z")), None]);
    assert_decoded_all(response.body(), &page);
}

#[tokio::test]
async fn list_segment_sends_paging_and_decodes_segments() {
    let page = json!({
        "data": [{"id": "seg-35GMWpn6Y", "name": "Returning Customers", "status": "active"}],
        "total": 1
    });
    let s = serve("GET", "/api/segments", ok(page.clone())).await;

    let request = s.client.list_segment().limit(100);
    let response = request.next_token("ZVEy1iwsKBs9a6H").send().await.unwrap();

    let query = [("limit", "100"), ("next_token", "ZVEy1iwsKBs9a6H")];
    assert_sent(&s.request().await, &query, None);
    assert_eq!(response.data[0].name, "Returning Customers");
    assert_decoded_all(response.body(), &page);
}

#[tokio::test]
async fn list_ingest_jobs_sends_the_required_window() {
    let page = json!({"data": [ingest_job()], "total": 1});
    let s = serve("GET", "/api/ingest/jobs", ok(page.clone())).await;

    let (from, to) = (at("2026-10-01T00:00:00Z"), at("2026-10-07T00:00:00Z"));
    let request = s.client.list_ingest_jobs(from, to).with_total(true);
    let response = request.send().await.unwrap();

    let query = [
        ("with_total", "true"),
        ("created_from", "2026-10-01T00:00:00Z"),
        ("created_to", "2026-10-07T00:00:00Z"),
    ];
    assert_sent(&s.request().await, &query, None);
    let feed = &response.data[0].tables[0];
    assert_eq!((feed.read, feed.inserted, feed.rejected), (1000, 400, 200));
    assert_eq!(feed.files[0].file_id, "cb-20240618-71992-SF3Uz/part0.avro");
    assert_decoded_all(response.body(), &page);
}

#[tokio::test]
async fn get_ingest_job_decodes_feeds_and_files() {
    let id = "isj-20240827-54061-2l6XhD";
    let s = serve("GET", &format!("/api/ingest/jobs/{id}"), ok(ingest_job())).await;

    let job = s.client.get_ingest_job(id).send().await.unwrap();

    assert_sent(&s.request().await, &[], None);
    assert_eq!(job.workflow_id, "wf-20240618-3423-b45");
    assert_eq!(job.tables[0].ended_at, at("2026-06-01T04:02:57.433Z"));
    assert_decoded_all(job.body(), &ingest_job());
}

#[tokio::test]
async fn list_workflows_sends_every_filter() {
    let page = json!({"data": [workflow(false)], "next_token": "ZVEy1iwsKBs9a6H", "total": 42});
    let s = serve("GET", "/api/workflow/runs", ok(page.clone())).await;

    let response = s
        .client
        .list_workflows()
        .limit(10)
        .next_token("ZVEy1iwsKBs9a6H")
        .with_total(true)
        .created_from(at("2026-04-01T00:00:00Z"))
        .created_to(at("2026-04-30T00:00:00Z"))
        .ended_from(at("2026-04-01T00:00:00Z"))
        .ended_to(at("2026-04-30T00:00:00.5Z"))
        .state("succeeded")
        .type_("courier.group/run")
        .send()
        .await
        .unwrap();

    let query = [
        ("limit", "10"),
        ("next_token", "ZVEy1iwsKBs9a6H"),
        ("with_total", "true"),
        ("created_from", "2026-04-01T00:00:00Z"),
        ("created_to", "2026-04-30T00:00:00Z"),
        ("ended_from", "2026-04-01T00:00:00Z"),
        ("ended_to", "2026-04-30T00:00:00.500Z"),
        ("state", "succeeded"),
        ("type", "courier.group/run"),
    ];
    assert_sent(&s.request().await, &query, None);
    assert_eq!(response.total, Some(42));
    assert_eq!(response.data[0].type_, "campaign.send");
    assert_decoded_all(response.body(), &page);
}

#[tokio::test]
async fn opaque_query_values_survive_encoding() {
    let s = serve("GET", "/api/workflow/runs", ok(json!({"data": []}))).await;
    let token = "ZVEy1+iws/KBs=9a6H &x";

    let request = s.client.list_workflows().next_token(token);
    request.state("In progress").send().await.unwrap();

    let request = s.request().await;
    let query = [("next_token", token), ("state", "In progress")];
    assert_sent(&request, &query, None);
    let raw = request.url.query().unwrap();
    let escaped = raw.contains("%2B") && raw.contains("%26x");
    assert!(escaped, "`+` and `&` must be escaped: {raw}");
}

#[tokio::test]
async fn run_workflow_posts_the_whole_body() {
    let created = ResponseTemplate::new(201).set_body_json(workflow(false));
    let s = serve("POST", "/api/workflow/runs", created).await;

    let body = models::WorkflowRunRequest::new("cg-123ABc4DE")
        .range_from(at("2026-10-01T00:00:00Z"))
        .range_to(at("2026-10-07T00:00:00Z"))
        .run_mode(models::WorkflowRunRequestRunMode::Full);
    let response = s.client.run_workflow(body).send().await.unwrap();

    let expected = json!({
        "config_id": "cg-123ABc4DE",
        "range_from": "2026-10-01T00:00:00Z",
        "range_to": "2026-10-07T00:00:00Z",
        "run_mode": "full"
    });
    assert_sent(&s.request().await, &[], Some(expected));
    assert_eq!(response.status(), 201);
    assert_eq!(response.id, "wf-20240619-14418-6UhqSe");
    assert_decoded_all(response.body(), &workflow(false));
}

#[tokio::test]
async fn run_workflow_with_only_config_id_sends_nothing_else() {
    let created = ResponseTemplate::new(201).set_body_json(workflow(false));
    let s = serve("POST", "/api/workflow/runs", created).await;

    let body = models::WorkflowRunRequest::new("cg-123ABc4DE");
    s.client.run_workflow(body).send().await.unwrap();

    // The document's defaults for range_from, range_to and run_mode are never sent.
    let request = s.request().await;
    assert_eq!(request.body, br#"{"config_id":"cg-123ABc4DE"}"#);
    assert_sent(&request, &[], Some(json!({"config_id": "cg-123ABc4DE"})));
}

#[tokio::test]
async fn get_workflow_verbose_decodes_task_instances() {
    let route = format!("/api/workflow/runs/{WF}");
    let s = serve("GET", &route, ok(workflow(true))).await;

    let request = s.client.get_workflow(WF);
    let wf = request.view(View::Verbose).send().await.unwrap();

    assert_sent(&s.request().await, &[("view", "verbose")], None);
    let tasks = wf.task_instances.as_deref().expect("verbose has tasks");
    let error = tasks[0].error.as_ref().expect("the failed task has one");
    assert_eq!(error.attribution.as_deref(), Some("customer"));
    assert_eq!(error.data, Some(json!({"table": "Unified_Coalesced"})));
    assert_eq!(tasks[0].timeout_ms, Some(172_800_000));
    assert_decoded_all(wf.body(), &workflow(true));
}

#[tokio::test]
async fn get_workflow_without_view_sends_no_query_string() {
    let route = format!("/api/workflow/runs/{WF}");
    let s = serve("GET", &route, ok(workflow(false))).await;

    let wf = s.client.get_workflow(WF).send().await.unwrap();

    // `view` defaults to overview in the document; the client leaves that to the server.
    assert_sent(&s.request().await, &[], None);
    assert_eq!(wf.task_instances, None);
}

#[tokio::test]
async fn stop_workflow_posts_without_a_body() {
    let mut stopped = workflow(false);
    stopped["state"] = json!("stopping");
    let route = format!("/api/workflow/runs/{WF}/stop");
    let s = serve("POST", &route, ok(stopped.clone())).await;

    let wf = s.client.stop_workflow(WF).send().await.unwrap();

    assert_sent(&s.request().await, &[], None);
    assert_eq!(wf.state, "stopping");
    assert_decoded_all(wf.body(), &stopped);
}

// --- Path parameters ----------------------------------------------------------------------

#[tokio::test]
async fn path_parameters_are_exactly_one_percent_encoded_segment() {
    let slash = "/api/ingest/jobs/cb-20240618-71992-SF3Uz%2Fpart0.avro";
    let space = "/api/workflow/runs/wf%20one%2Btwo/stop";
    let s = serve("GET", slash, ok(ingest_job())).await;
    expect_once(&s.server, "POST", space, ok(workflow(false))).await;

    let id = "cb-20240618-71992-SF3Uz/part0.avro";
    let job = s.client.get_ingest_job(id);
    job.send().await.expect("a `/` stays inside the segment");
    let stop = s.client.stop_workflow("wf one+two");
    stop.send().await.expect("a space is %20, a plus %2B");

    let requests = s.server.received_requests().await.unwrap();
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(paths, [slash, space]);
}

#[tokio::test]
async fn dot_segments_are_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    let client = builder(&server).build().unwrap();

    for id in ["..", ".", ""] {
        let results = [
            client.get_ingest_job(id).send().await.map(drop),
            client.get_workflow(id).send().await.map(drop),
            client.stop_workflow(id).send().await.map(drop),
        ];
        for result in results {
            match result {
                Err(Error::InvalidRequest(message)) => assert!(message.contains("-id`")),
                other => panic!("{id:?} must be refused, got {other:?}"),
            }
        }
    }
    let received = server.received_requests().await.unwrap();
    assert!(received.is_empty(), "nothing may be sent: {received:?}");
}

// --- Responses: unknown fields and values, headers ----------------------------------------

#[tokio::test]
async fn responses_with_fields_the_schema_does_not_list_decode() {
    let mut event = audit_event();
    event["geo"] = json!({"country": "US"});
    let page = json!({"data": [event], "cursor_version": 2});
    let mut job = ingest_job();
    job["tables"][0]["files"][0]["bytes"] = json!(52_428_800);
    let s = serve("GET", "/api/audit-events", ok(page)).await;
    expect_once(&s.server, "GET", "/api/ingest/jobs/isj-1f73r9u2", ok(job)).await;

    // `additionalProperties: false` in the document is not enforced on responses.
    let events = s.client.list_events().send().await.unwrap();
    let job = s.client.get_ingest_job("isj-1f73r9u2");
    let job = job.send().await.unwrap();

    assert_eq!(events.data[0].event_id, "ae-Ab1cDeFg");
    assert_eq!(job.tables[0].files[0].name.as_deref(), Some("part0.avro"));
}

#[test]
fn unknown_enum_values_round_trip() {
    let turbo = RunMode::from("turbo");
    assert_eq!(turbo, RunMode::UnknownValue("turbo".into()));
    assert_eq!(serde_json::to_value(&turbo).unwrap(), json!("turbo"));
    let back: RunMode = serde_json::from_value(json!("turbo")).unwrap();
    assert_eq!(back, turbo);
    let full: RunMode = serde_json::from_value(json!("full")).unwrap();
    assert_eq!(full, RunMode::Full);

    let view: View = serde_json::from_value(json!("summary")).unwrap();
    assert_eq!(view, View::UnknownValue("summary".into()));
    assert_eq!(view.as_str(), "summary");

    let version: ApiVersion = serde_json::from_value(json!("2025-01-01")).unwrap();
    assert_eq!(version, ApiVersion::UnknownValue("2025-01-01".into()));
    assert_eq!(serde_json::to_value(&version).unwrap(), json!("2025-01-01"));
    assert_eq!(ApiVersion::from("2024-04-01"), ApiVersion::V20240401);
    assert_eq!(ApiVersion::default().to_string(), "2024-04-01");
}

#[tokio::test]
async fn unknown_enum_values_are_sent_as_given() {
    let created = ResponseTemplate::new(201).set_body_json(workflow(false));
    let s = serve("POST", "/api/workflow/runs", created).await;
    let route = format!("/api/workflow/runs/{WF}");
    expect_once(&s.server, "GET", &route, ok(workflow(false))).await;

    let body = models::WorkflowRunRequest::new("cg-123ABc4DE");
    let body = body.run_mode(RunMode::from("turbo"));
    s.client.run_workflow(body).send().await.unwrap();
    let request = s.client.get_workflow(WF).view(View::from("summary"));
    request.send().await.unwrap();

    let requests = s.server.received_requests().await.unwrap();
    let body = json!({"config_id": "cg-123ABc4DE", "run_mode": "turbo"});
    assert_sent(&requests[0], &[], Some(body));
    assert_sent(&requests[1], &[("view", "summary")], None);
}

#[tokio::test]
async fn response_headers_are_reachable() {
    let response = ok(json!({"data": []}))
        .insert_header("Deprecation", "Tue, 1 Sep 2024 23:59:59 GMT")
        .insert_header("Sunset", "Wed, 1 Dec 2024 23:59:59 GMT");
    let s = serve("GET", "/api/segments", response).await;

    let page = s.client.list_segment().send().await.unwrap();

    let headers = page.headers();
    assert_eq!(headers["deprecation"], "Tue, 1 Sep 2024 23:59:59 GMT");
    assert_eq!(headers["sunset"], "Wed, 1 Dec 2024 23:59:59 GMT");
    let (status, headers, body) = page.into_parts();
    assert_eq!((status.as_u16(), body.data.len()), (200, 0));
    assert!(headers.contains_key("deprecation"));
}

// --- Errors -------------------------------------------------------------------------------

#[tokio::test]
async fn not_found_keeps_status_and_every_error_field() {
    let id = "wf-20240603-00000-NoSuch";
    let body = json!({
        "status": 404, "message": "Workflow not found.",
        "request_id": "r-1", "trace_id": "t-1"
    });
    let response = ResponseTemplate::new(404).set_body_json(body);
    let s = serve("GET", &format!("/api/workflow/runs/{id}"), response).await;

    let err = s.client.get_workflow(id).send().await.unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    let Error::Api(api) = &err else {
        panic!("expected Error::Api: {err:?}")
    };
    assert_eq!(api.status(), 404);
    assert_eq!(api.operation_id(), "get-workflow");
    let parsed = err.error_body().expect("a JSON error body");
    assert_eq!(parsed.status, Some(404));
    assert_eq!(parsed.message.as_deref(), Some("Workflow not found."));
    assert_eq!(parsed.request_id.as_deref(), Some("r-1"));
    assert_eq!(parsed.trace_id.as_deref(), Some("t-1"));
    assert!(parsed.extra.is_empty());
    assert!(err.to_string().contains("request_id r-1"), "{err}");
}

#[tokio::test]
async fn bad_request_without_request_id() {
    let body = json!({"status": 400, "message": "An unexpected error occurred."});
    let response = ResponseTemplate::new(400).set_body_json(body);
    let s = serve("GET", "/api/ingest/jobs", response).await;

    let (from, to) = (at("2026-10-07T00:00:00Z"), at("2026-10-01T00:00:00Z"));
    let request = s.client.list_ingest_jobs(from, to);
    let err = request.send().await.unwrap_err();

    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    let parsed = err.error_body().expect("a JSON error body");
    assert_eq!(parsed.status, Some(400));
    let message = parsed.message.as_deref();
    assert_eq!(message, Some("An unexpected error occurred."));
    assert_eq!((&parsed.request_id, &parsed.trace_id), (&None, &None));
}

#[tokio::test]
async fn undocumented_statuses_with_html_bodies_are_api_errors() {
    let too_many = "<html><body><h1>429 Too Many Requests</h1></body></html>";
    let bad_gateway = "<html>\n<head><title>502 Bad Gateway</title></head>\n</html>";
    for (status, html) in [(429, too_many), (502, bad_gateway)] {
        let response = ResponseTemplate::new(status)
            .set_body_raw(html, "text/html")
            .insert_header("Retry-After", "2");
        let s = serve("GET", "/api/segments", response).await;

        let err = s.client.list_segment().send().await.unwrap_err();

        let Error::Api(api) = &err else {
            panic!("{status}: expected Error::Api: {err:?}")
        };
        assert_eq!(api.status(), status);
        assert_eq!(api.raw_body().as_ref(), html.as_bytes());
        assert!(api.body().is_none(), "HTML is not an error body");
        assert_eq!(err.headers().unwrap()["retry-after"], "2");
        assert!(err.to_string().contains(&status.to_string()), "{err}");
    }
}

#[tokio::test]
async fn success_with_a_body_that_does_not_decode_is_a_decode_error() {
    let raw = r#"{"data": [{"id": "seg-35GMWpn6Y"}]}"#;
    let response = ResponseTemplate::new(200).set_body_raw(raw, "application/json");
    let s = serve("GET", "/api/segments", response).await;

    let err = s.client.list_segment().send().await.unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    let Error::Decode(decode) = &err else {
        panic!("expected Error::Decode: {err:?}")
    };
    assert_eq!(decode.status(), 200);
    assert_eq!(decode.operation_id(), "list-segment");
    assert_eq!(decode.raw_body().as_ref(), raw.as_bytes());
    let shown = err.to_string();
    assert!(shown.contains("name"), "says what is missing: {shown}");
}

#[tokio::test]
async fn errors_never_show_the_token() {
    let unauthorized = json!({"status": 401, "message": "Unauthorized"});
    let response = ResponseTemplate::new(401).set_body_json(unauthorized);
    let s = serve("GET", "/api/segments", response).await;
    let not_json = ResponseTemplate::new(200).set_body_raw("not json", "text/plain");
    expect_once(&s.server, "GET", "/api/campaigns", not_json).await;
    // A loopback port nothing listens on any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone = format!("http://{}/api", listener.local_addr().unwrap());
    drop(listener);
    let unreachable = Client::builder("acme").base_url(gone);
    let unreachable = unreachable
        .bearer_token(TOKEN)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let plain_http = builder(&s.server).base_url("http://example.com");

    let errors = [
        s.client.list_segment().send().await.unwrap_err(),
        s.client.list_campaign().send().await.unwrap_err(),
        s.client.get_workflow("..").send().await.unwrap_err(),
        unreachable.list_events().send().await.unwrap_err(),
        plain_http.build().unwrap_err(),
    ];

    assert!(matches!(errors[3], Error::Transport(_)), "{:?}", errors[3]);
    assert!(matches!(errors[4], Error::Config(_)), "{:?}", errors[4]);
    for err in &errors {
        let shown = format!("{err} / {err:?}");
        assert!(!shown.contains(TOKEN), "{shown}");
    }
}

// --- Configuration ------------------------------------------------------------------------

#[tokio::test]
async fn api_version_override_is_sent() {
    let server = MockServer::start().await;
    expect_once(&server, "GET", "/api/segments", ok(json!({"data": []}))).await;

    let version = ApiVersion::from("2025-01-01");
    let client = builder(&server).api_version(version).build().unwrap();
    client.list_segment().send().await.unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_ambient_headers(&requests[0], "2025-01-01");
}

#[tokio::test]
async fn a_user_supplied_http_client_still_sends_the_ambient_headers() {
    let route = format!("/api/workflow/runs/{WF}/stop");
    let mut s = serve("POST", &route, ok(workflow(false))).await;
    let http = reqwest::Client::new();
    s.client = builder(&s.server).http_client(http).build().unwrap();

    s.client.stop_workflow(WF).send().await.unwrap();

    assert_sent(&s.request().await, &[], None);
}

#[tokio::test]
async fn debug_never_shows_the_token() {
    let server = MockServer::start().await;
    let builder = builder(&server);
    let shown_builder = format!("{builder:?}");
    let client = builder.build().unwrap();
    let request = client.list_events().limit(1);
    let shown = format!("{shown_builder} / {client:?} / {request:?}");

    assert!(!shown.contains(TOKEN), "{shown}");
    let context = shown.contains("acme") && shown.contains("2024-04-01");
    assert!(context, "tenant and version are shown: {shown}");
}
