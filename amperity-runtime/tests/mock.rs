//! The test kit against the runtime's own client: stubs written by hand the way
//! generated code writes them, and every answer and fault the kit offers, checked through
//! what the client makes of it.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use amperity_runtime::mock::{
    self, Fault, MockError, MockServer, Operation, PagedStub, Paging, Stub, StubBuilder,
};
use amperity_runtime::{
    Api, ApiClient, Error, Method, Page, Pages, RateLimit, Request, Response, Unversioned,
};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};

// --- What a generated crate would hold ------------------------------------------------------

struct TestApi;

impl Api for TestApi {
    type Client = ApiClient;
    type Version = Unversioned;
    const TITLE: &'static str = "Test API";
    const DEFAULT_BASE_URL: &'static str = "https://app.example.com/api";
    const TENANT_HEADER: Option<&'static str> = Some("amperity-tenant");
    const API_VERSION_HEADER: Option<&'static str> = None;
    const DEFAULT_RATE_LIMIT: Option<RateLimit> = Some(RateLimit::per_second(10));
    const RATE_LIMIT_FAMILY: &'static str = "test";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Segment {
    id: String,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SegmentList {
    data: Vec<Segment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

impl Page for SegmentList {
    type Item = Segment;
    fn next_token(&self) -> Option<&str> {
        self.next_token.as_deref()
    }
    fn into_items(self) -> Vec<Segment> {
        self.data
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RunRequest {
    config_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Run {
    id: String,
    state: String,
}

impl mock::Sample for Run {
    fn sample() -> Self {
        run("wf-sample", "succeeded")
    }
}

const LIST_SEGMENT: Operation =
    Operation::new("list-segment", "GET", "/segments", 200, "application/json").paged(Paging::new(
        "next_token",
        "next_token",
        false,
    ));
const GET_WORKFLOW: Operation = Operation::new(
    "get-workflow",
    "GET",
    "/workflow/runs/{workflow-id}",
    200,
    "application/json",
);
const RUN_WORKFLOW: Operation = Operation::new(
    "run-workflow",
    "POST",
    "/workflow/runs",
    200,
    "application/json",
);

/// The stubs, as generated glue writes them: a wrapper with the parameters as setters.
struct ListSegment(Stub<(), SegmentList>);
struct GetWorkflow(Stub<(), Run>);
struct RunWorkflow(Stub<RunRequest, Run>);

impl ListSegment {
    fn limit(mut self, value: i64) -> Self {
        self.0.expect_query("limit", &value);
        self
    }
}

impl GetWorkflow {
    fn workflow_id(mut self, value: &str) -> Self {
        self.0.expect_path(0, "workflow-id", &value);
        self
    }
}

macro_rules! stub_builder {
    ($stub:ty, $body:ty, $response:ty) => {
        impl StubBuilder for $stub {
            type Body = $body;
            type Response = $response;
            fn stub(&mut self) -> &mut Stub<$body, $response> {
                &mut self.0
            }
            fn into_stub(self) -> Stub<$body, $response> {
                self.0
            }
        }
    };
}
stub_builder!(ListSegment, (), SegmentList);
stub_builder!(GetWorkflow, (), Run);
stub_builder!(RunWorkflow, RunRequest, Run);
impl PagedStub for ListSegment {}

fn list_segment(server: &MockServer) -> ListSegment {
    ListSegment(Stub::new::<TestApi>(
        server,
        &LIST_SEGMENT,
        mock::no_body,
        mock::json_response,
    ))
}

fn get_workflow(server: &MockServer) -> GetWorkflow {
    GetWorkflow(Stub::new::<TestApi>(
        server,
        &GET_WORKFLOW,
        mock::no_body,
        mock::json_response,
    ))
}

fn run_workflow(server: &MockServer) -> RunWorkflow {
    RunWorkflow(Stub::new::<TestApi>(
        server,
        &RUN_WORKFLOW,
        mock::json_body,
        mock::json_response,
    ))
}

// --- What the client side would do -----------------------------------------------------------

fn client(server: &MockServer) -> ApiClient {
    server.client_builder::<TestApi>().build().unwrap()
}

fn segments_request(limit: Option<i64>) -> Request {
    let mut request = Request::new(Method::GET, "list-segment", "/segments", "/segments".into());
    request.query("limit", &limit);
    request
}

async fn send_list(client: &ApiClient) -> Result<Response<SegmentList>, Error> {
    client.send(segments_request(None)).await
}

async fn send_get(client: &ApiClient, id: &str) -> Result<Response<Run>, Error> {
    let path = format!(
        "/workflow/runs/{}",
        amperity_runtime::path_segment("workflow-id", &id)?
    );
    let request = Request::new(
        Method::GET,
        "get-workflow",
        "/workflow/runs/{workflow-id}",
        path,
    );
    client.send(request).await
}

async fn send_run(client: &ApiClient, config_id: &str) -> Result<Response<Run>, Error> {
    let mut request = Request::new(
        Method::POST,
        "run-workflow",
        "/workflow/runs",
        "/workflow/runs".into(),
    );
    request.json(&RunRequest {
        config_id: config_id.into(),
    })?;
    client.send(request).await
}

fn segment(n: u32) -> Segment {
    Segment {
        id: format!("seg-{n}"),
        name: format!("Segment {n}"),
    }
}

fn list(items: &[u32]) -> SegmentList {
    SegmentList {
        data: items.iter().copied().map(segment).collect(),
        next_token: None,
    }
}

fn run(id: &str, state: &str) -> Run {
    Run {
        id: id.into(),
        state: state.into(),
    }
}

/// Drops the server and returns the failure message its check panicked with.
fn failure_on_drop(server: MockServer) -> String {
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(move || drop(server)));
    let payload = outcome.expect_err("the check should have failed");
    payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default()
}

// --- Answers ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_stub_answers_with_a_typed_value_on_the_documented_path() {
    let server = MockServer::start().await;
    get_workflow(&server)
        .workflow_id("wf-1/a")
        .times(1)
        .respond(run("wf-1/a", "running"))
        .await;

    let answer = send_get(&client(&server), "wf-1/a").await.unwrap();

    assert_eq!(answer.status(), 200);
    assert_eq!(*answer.body(), run("wf-1/a", "running"));
    assert_eq!(
        server.received(),
        ["GET /api/workflow/runs/wf-1%2Fa -> get-workflow"]
    );
}

#[tokio::test]
async fn expectations_not_met_fail_with_the_operation_named() {
    let server = MockServer::start().await;
    get_workflow(&server)
        .workflow_id("wf-1")
        .respond(run("wf-1", "running"))
        .await;
    run_workflow(&server)
        .times(1)
        .respond(run("wf-2", "running"))
        .await;

    let err = send_get(&client(&server), "wf-9").await.unwrap_err();
    let message = err
        .error_body()
        .and_then(|body| body.message.clone())
        .unwrap_or_default();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert!(
        message.contains("no stub matched GET /api/workflow/runs/wf-9"),
        "{message}"
    );

    let report = failure_on_drop(server);
    assert!(
        report.contains(
            "`run-workflow` (POST /workflow/runs) was expected to be called 1 time, and was called 0 times"
        ),
        "{report}"
    );
    assert!(report.contains("1 request matched no stub"), "{report}");
    assert!(
        report.contains("GET /api/workflow/runs/wf-9 -> no stub matched"),
        "{report}"
    );
}

#[tokio::test]
async fn query_and_body_expectations_select_the_stub() {
    let server = MockServer::start().await;
    list_segment(&server).limit(5).respond(list(&[5])).await;
    list_segment(&server).respond(list(&[1])).await;
    run_workflow(&server)
        .expect_body(|request| request.config_id == "cg-1")
        .times(1)
        .respond(run("wf-1", "running"))
        .await;
    let client = client(&server);

    let limited = client.send::<SegmentList>(segments_request(Some(5))).await;
    let unlimited = send_list(&client).await;
    let started = send_run(&client, "cg-1").await.unwrap();
    let refused = send_run(&client, "cg-2").await.unwrap_err();

    assert_eq!(limited.unwrap().data[0].id, "seg-5");
    assert_eq!(unlimited.unwrap().data[0].id, "seg-1");
    assert_eq!(started.id, "wf-1");
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(404));
    let report = failure_on_drop(server);
    assert!(
        report.contains("cg-2"),
        "the unmatched body is logged: {report}"
    );
}

#[tokio::test]
async fn pages_hand_out_tokens_and_expect_them_back() {
    let server = MockServer::start().await;
    let mut first = list(&[1, 2]);
    first.next_token = Some("ignored".into());
    let mounted = list_segment(&server)
        .limit(2)
        .times(3)
        .pages(vec![first, list(&[3, 4]), list(&[5])])
        .await;
    let client = client(&server);

    let pages: Pages<SegmentList> = Pages::of_request(
        &client,
        "list-segment",
        "next_token",
        None,
        Ok(segments_request(Some(2))),
    );
    let ids: Vec<String> = pages
        .items()
        .map_ok(|segment| segment.id)
        .try_collect()
        .await
        .unwrap();

    assert_eq!(ids, ["seg-1", "seg-2", "seg-3", "seg-4", "seg-5"]);
    assert_eq!(mounted.calls(), 3);
    assert_eq!(
        server.received(),
        [
            "GET /api/segments?limit=2 -> list-segment (page 1 of 3)",
            "GET /api/segments?limit=2&next_token=list-segment-page-2 -> list-segment (page 2 of 3)",
            "GET /api/segments?limit=2&next_token=list-segment-page-3 -> list-segment (page 3 of 3)",
        ]
    );
}

#[tokio::test]
async fn a_sequence_answers_polls_in_turn_and_repeats_the_last() {
    let server = MockServer::start().await;
    get_workflow(&server)
        .sequence(vec![run("wf-1", "running"), run("wf-1", "succeeded")])
        .await;
    let client = client(&server);

    let mut states = Vec::new();
    for _ in 0..3 {
        states.push(send_get(&client, "wf-1").await.unwrap().into_inner().state);
    }

    assert_eq!(states, ["running", "succeeded", "succeeded"]);
}

#[tokio::test]
async fn samples_errors_extra_fields_and_deprecation_headers() {
    let server = MockServer::start().await;
    let sunset = "2027-12-01T23:59:59Z".parse().unwrap();
    get_workflow(&server)
        .workflow_id("wf-1")
        .deprecated_at("2027-06-01T00:00:00Z".parse().unwrap())
        .sunset(sunset)
        .extra_field("added_later", serde_json::json!({"x": 1}))
        .respond_sample()
        .await;
    run_workflow(&server)
        .fail(MockError::new(409, "Already running").request_id("req-42"))
        .await;
    let client = client(&server);

    let answer = send_get(&client, "wf-1").await.unwrap();
    let err = send_run(&client, "cg-1").await.unwrap_err();

    assert_eq!(*answer.body(), run("wf-sample", "succeeded"));
    let deprecation = answer.deprecation().unwrap();
    assert!(deprecation.deprecated);
    assert_eq!(deprecation.sunset, Some(sunset));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
    let body = err.error_body().unwrap();
    assert_eq!(body.request_id.as_deref(), Some("req-42"));
    assert_eq!(body.message.as_deref(), Some("Already running"));
}

// --- Faults ----------------------------------------------------------------------------------

#[tokio::test]
async fn too_many_requests_with_and_without_retry_after_then_success() {
    let server = MockServer::start().await;
    let listed = list_segment(&server)
        .too_many_requests(2)
        .respond(list(&[1]))
        .await;
    let started = run_workflow(&server)
        .too_many_requests_retry_after(1, 0)
        .respond(run("wf-1", "running"))
        .await;
    let client = client(&server);

    send_list(&client).await.unwrap();
    send_run(&client, "cg-1").await.unwrap();

    assert_eq!(listed.calls(), 3);
    assert_eq!(started.calls(), 2, "a 429 is retried even for a POST");
    assert!(
        server
            .received()
            .contains(&"POST /api/workflow/runs -> run-workflow (429 with Retry-After: 0)".into()),
        "{:?}",
        server.received()
    );
}

#[tokio::test]
async fn a_5xx_burst_is_retried_for_get_and_not_for_post() {
    let server = MockServer::start().await;
    let listed = list_segment(&server)
        .server_errors(3)
        .respond(list(&[1]))
        .await;
    let started = run_workflow(&server)
        .fault(Fault::Error(MockError::new(502, "Bad Gateway")), 1)
        .respond(run("wf-1", "running"))
        .await;
    let client = client(&server);

    send_list(&client).await.unwrap();
    let err = send_run(&client, "cg-1").await.unwrap_err();

    assert_eq!(listed.calls(), 4, "four attempts by default");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(started.calls(), 1);
}

#[tokio::test]
async fn a_401_makes_an_oauth_client_fetch_a_new_token() {
    let server = MockServer::start().await;
    list_segment(&server)
        .unauthorized(1)
        .times(2)
        .respond(list(&[1]))
        .await;
    get_workflow(&server)
        .unauthorized(1)
        .respond(run("wf-1", "running"))
        .await;
    let oauth: ApiClient = server
        .oauth_client_builder::<TestApi>()
        .await
        .build()
        .unwrap();

    send_list(&oauth).await.unwrap();
    assert_eq!(server.token_requests().await, 2);

    let err = send_get(&client(&server), "wf-1").await.unwrap_err();
    assert_eq!(
        err.status().map(|s| s.as_u16()),
        Some(401),
        "a static token cannot be refreshed"
    );
}

#[tokio::test]
async fn revoked_tokens_are_refused_until_the_client_fetches_a_new_one() {
    let server = MockServer::start().await;
    list_segment(&server).respond(list(&[1])).await;
    let oauth: ApiClient = server
        .oauth_client_builder::<TestApi>()
        .await
        .build()
        .unwrap();

    send_list(&oauth).await.unwrap();
    send_list(&oauth).await.unwrap();
    assert_eq!(server.token_requests().await, 1, "the token is cached");
    server.revoke_tokens().await;
    send_list(&oauth).await.unwrap();

    assert_eq!(server.token_requests().await, 2);
    assert!(
        server
            .received()
            .iter()
            .any(|line| line.ends_with("-> 401 (revoked token)")),
        "{:?}",
        server.received()
    );
}

#[tokio::test]
async fn stalled_truncated_and_dropped_answers_are_retried_for_get_only() {
    let faults = [
        Fault::Stall(Duration::from_secs(5)),
        Fault::Truncated,
        Fault::Disconnect,
    ];
    for fault in faults {
        let server = MockServer::start().await;
        let listed = list_segment(&server)
            .fault(fault.clone(), 1)
            .respond(list(&[1, 2, 3]))
            .await;
        let started = run_workflow(&server)
            .fault(fault.clone(), 1)
            .respond(run("wf-1", "running"))
            .await;
        let client: ApiClient = server
            .client_builder::<TestApi>()
            .attempt_timeout(Duration::from_millis(300))
            .build()
            .unwrap();

        let page = send_list(&client).await;
        let err = send_run(&client, "cg-1").await.unwrap_err();

        assert_eq!(page.unwrap().data.len(), 3, "{fault:?}");
        assert_eq!(listed.calls(), 2, "{fault:?}");
        assert!(matches!(err, Error::Transport(_)), "{fault:?}: {err:?}");
        assert_eq!(started.calls(), 1, "{fault:?}: the start may have run");
    }
}

#[tokio::test]
async fn a_malformed_body_is_a_decode_error() {
    let server = MockServer::start().await;
    list_segment(&server)
        .fault(Fault::MalformedBody, 1)
        .respond(list(&[1, 2, 3]))
        .await;

    let err = send_list(&client(&server)).await.unwrap_err();

    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn the_rate_limit_is_off_unless_asked_for() {
    let server = MockServer::start().await;
    list_segment(&server).respond(list(&[1])).await;
    let plain = client(&server);
    let limited: ApiClient = server
        .client_builder::<TestApi>()
        .rate_limit(RateLimit::per_second(5))
        .build()
        .unwrap();

    assert!(plain.rate_limiter().is_none());
    assert!(limited.rate_limiter().is_some());
    assert!(plain.base_url().ends_with("/api"), "{}", plain.base_url());
    send_list(&limited).await.unwrap();
}

#[tokio::test]
async fn an_expectation_the_client_could_never_meet_is_reported_at_once() {
    let server = MockServer::start().await;
    let mounting = tokio::spawn(async move {
        get_workflow(&server)
            .workflow_id("..")
            .respond(run("x", "y"))
            .await;
    });

    let err = mounting.await.unwrap_err();

    let message = err
        .into_panic()
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("`get-workflow`") && message.contains("workflow-id"),
        "{message}"
    );
}
