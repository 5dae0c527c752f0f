//! Contract tests: every generated operation against Prism, an OpenAPI mock server that
//! shares no code with the generator, serving each pinned document.
//!
//! Prism checks each request against the document (path, method, required and typed
//! query and header parameters, `api-version`'s enum, the bearer token, the content type
//! and the JSON body against its schema) and answers from the document's examples, which
//! must then decode into our models.
//!
//! How a violation is caught: every exchange must come back 2xx and without Prism's
//! `sl-violations` response header. Prism sets that header (JSON) whenever it found
//! anything, on the request or on its own response, at any severity, and answers a request
//! with an `Error` violation with the document's 400 (401 for the token, 415 for the
//! content type; a 422 of its own where the document has none). In mock mode `--errors`
//! changes neither: it only replaces a response that violates the document with an error,
//! and a `Warning` never changes the status. So Prism runs without `--errors`, the header is
//! the complete report, and the status catches anything the header could miss. What Prism
//! does not check: query parameters the document does not declare (so the Profile API's
//! `filter[first_name]=..` bracket notation passes unseen).
//!
//! Every module's operation list comes from lowering its document with the generator
//! (`amperity_codegen::lower`): a new operation in a regenerated document fails the test
//! until it is called here. `the_checker_reports_what_prism_rejects` proves the checker can
//! fail.
//!
//! Prism is installed from npm into `tests/contract/node_modules` on the first run (see
//! `prism.rs`); it needs `node` and `npm`.

mod prism;

use std::collections::{BTreeMap, BTreeSet};

use amperity_codegen::ir;
use amperity_generated::runtime::{Error, HeaderMap, Response, RetryPolicy, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};
use xtask::overlays;
use xtask::spec::{Manifest, resolve};

use crate::support::root;
use prism::Prism;

const TOKEN: &str = "contract-test-token";
const WF: &str = "wf-20240603-12345-MNabc";

/// A pinned document with its overlays applied: its bytes and what the generator makes
/// of it.
struct Document {
    bytes: Vec<u8>,
    api: ir::Api,
}

impl Document {
    fn load(name: &str) -> Document {
        let root = root();
        let manifest = Manifest::load(&root).expect("manifest");
        let document = manifest.find(name).expect("a pinned document");
        let resolved = resolve(&root, document).expect("pinned document resolves");
        let module = document.module.as_deref().expect("a module name");
        // The client was generated from the document with its overlays applied: Prism
        // serves (and checks requests against) the same, written to its temp directory.
        let overlays = overlays::for_document(&root, document).expect("overlays read");
        let overlays = overlays::inputs(&overlays);
        let api = amperity_codegen::load_overlaid(&document.file, &resolved.bytes, &overlays)
            .and_then(|spec| {
                let conventions = document.conventions();
                amperity_codegen::lower_with(&document.file, module, &spec, conventions.as_ref())
            })
            .expect("the document lowers");
        let overlaid = amperity_codegen::overlaid_value(&document.file, &resolved.bytes, &overlays)
            .expect("the overlays apply");
        Document {
            bytes: serde_json::to_vec(&overlaid).expect("a value serializes"),
            api,
        }
    }
}

/// Calls made against Prism and what was wrong with them.
#[derive(Default)]
struct Checker {
    /// Rust names of the operations called, to compare with the module's list.
    called: BTreeSet<&'static str>,
    /// Each problem found, under the call that found it.
    problems: BTreeMap<String, Vec<String>>,
}

impl Checker {
    /// Checks the outcome of one generated call: Prism saw no violation, the status is
    /// 2xx, and the body decoded.
    fn check<T>(
        &mut self,
        operation: &'static str,
        call: &str,
        result: Result<Response<T>, Error>,
    ) {
        self.called.insert(operation);
        let problems = match result {
            Ok(response) => exchange_problems(response.status(), response.headers(), ""),
            Err(Error::Api(api)) => {
                let body = String::from_utf8_lossy(api.raw_body());
                exchange_problems(api.status(), api.headers(), &body)
            }
            Err(Error::Decode(decode)) => {
                let body = String::from_utf8_lossy(decode.raw_body()).into_owned();
                let mut problems = exchange_problems(decode.status(), decode.headers(), &body);
                problems.push(format!(
                    "the {} body does not decode: {}\n  body: {body}",
                    decode.status(),
                    decode.source_error()
                ));
                problems
            }
            Err(other) => vec![format!("no answer to check: {other}")],
        };
        self.record(call, problems);
    }

    /// Checks an exchange made by hand, outside the generated client.
    async fn check_raw(&mut self, call: &str, response: reqwest::Response) {
        let (status, headers) = (response.status(), response.headers().clone());
        let body = response.text().await.unwrap_or_default();
        self.record(call, exchange_problems(status, &headers, &body));
    }

    fn record(&mut self, call: &str, problems: Vec<String>) {
        if !problems.is_empty() {
            self.problems
                .entry(call.to_owned())
                .or_default()
                .extend(problems);
        }
    }

    /// Fails unless every operation of `api` was called and no call had a problem.
    fn assert_clean(&self, api: &ir::Api) {
        let documented: BTreeMap<&str, &str> = api
            .operations
            .iter()
            .map(|op| (op.name.rust.as_str(), op.name.wire.as_str()))
            .collect();
        let mut failures = Vec::new();
        for (rust, wire) in &documented {
            if !self.called.contains(rust) {
                failures.push(format!(
                    "`{wire}` ({rust}) is never called: add it to this test"
                ));
            }
        }
        for rust in &self.called {
            if !documented.contains_key(rust) {
                failures.push(format!("`{rust}` is called but not in the document"));
            }
        }
        for (call, problems) in &self.problems {
            failures.push(format!("{call}:\n  {}", problems.join("\n  ")));
        }
        assert!(
            failures.is_empty(),
            "{} against Prism:\n{}",
            api.module,
            failures.join("\n")
        );
    }

    /// The problems found on `call`, joined, or a failure if there were none.
    fn rejected(&self, call: &str) -> String {
        match self.problems.get(call) {
            Some(problems) => problems.join("\n"),
            None => panic!(
                "the checker saw nothing wrong with {call}; it did with {:?}",
                self.problems.keys().collect::<Vec<_>>()
            ),
        }
    }
}

/// Prism's violations (any side, any severity) and a status outside 2xx.
fn exchange_problems(status: StatusCode, headers: &HeaderMap, body: &str) -> Vec<String> {
    let mut problems: Vec<String> = match prism::violations(headers) {
        Ok(found) => found.iter().map(|v| format!("Prism: {v}")).collect(),
        Err(unreadable) => vec![unreadable],
    };
    if !status.is_success() {
        problems.push(format!("HTTP {status}: {body}"));
    }
    problems
}

/// Sends `client.operation(args).setter(args)...` and checks the outcome, recording the
/// operation's Rust name (so the name checked against the module's list is the method
/// that was really called) and the call as written, for messages.
macro_rules! call {
    ($checker:ident, $client:ident . $op:ident ( $($arg:expr),* $(,)? ) $( . $setter:ident ( $($sarg:expr),* $(,)? ) )* ) => {{
        let result = $client.$op($($arg),*) $( .$setter($($sarg),*) )* .send().await;
        let call = concat!(
            stringify!($op), "(", stringify!($($arg),*), ")",
            $( ".", stringify!($setter), "(", stringify!($($sarg),*), ")", )*
        );
        $checker.check(stringify!($op), call, result);
    }};
}

fn at(timestamp: &str) -> DateTime<Utc> {
    timestamp.parse().expect("an RFC 3339 timestamp")
}

/// Every operation the stable and the unstable control plane share, each optional
/// parameter set at least once; `$m` is the generated module.
macro_rules! control_plane_calls {
    ($checker:ident, $client:ident, $m:ident) => {{
        use amperity_generated::$m::models::{
            GetWorkflowView as View, WorkflowRunRequest, WorkflowRunRequestRunMode as RunMode,
        };
        let (from, to) = (at("2026-04-01T11:11:11Z"), at("2026-04-10T11:11:11.250Z"));

        call!($checker, $client.list_events());
        call!(
            $checker,
            $client
                .list_events()
                .limit(100)
                .next_token("ZVEy1iwsKBs9a6H")
                .with_total(true)
                .happened_from(from)
                .happened_to(to)
        );
        call!(
            $checker,
            $client
                .list_campaign()
                .limit(25)
                .next_token("ZVEy1iwsKBs9a6H")
                .with_total(false)
                .destination_data_template_id("ptg-2QLLqXBEq")
        );
        call!(
            $checker,
            $client
                .list_segment()
                .limit(10)
                .next_token("ZVEy1iwsKBs9a6H")
                .with_total(true)
        );
        call!(
            $checker,
            $client
                .list_ingest_jobs(at("2026-10-01T00:00:00Z"), at("2026-10-07T00:00:00Z"))
                .with_total(true)
        );
        call!(
            $checker,
            $client.get_ingest_job("isj-20240827-54061-2l6XhD")
        );
        // An id with a reserved character: one percent-encoded path segment.
        call!(
            $checker,
            $client.get_ingest_job("cb-20240618-71992-SF3Uz/part0.avro")
        );
        call!(
            $checker,
            $client
                .list_workflows()
                .limit(50)
                .next_token("ZVEy1iwsKBs9a6H")
                .with_total(true)
                .created_from(at("2026-04-01T00:00:00Z"))
                .created_to(at("2026-04-30T00:00:00Z"))
                .ended_from(at("2026-04-01T00:00:00Z"))
                .ended_to(at("2026-04-30T00:00:00Z"))
                .state("succeeded")
                .type_("courier.group/run")
        );
        call!(
            $checker,
            $client.run_workflow(WorkflowRunRequest::new("cg-123ABc4DE"))
        );
        call!(
            $checker,
            $client.run_workflow(
                WorkflowRunRequest::new("cg-123ABc4DE")
                    .range_from(at("2026-04-01T00:00:00Z"))
                    .range_to(at("2026-04-02T00:00:00Z"))
                    .run_mode(RunMode::Full)
            )
        );
        call!($checker, $client.get_workflow(WF));
        call!($checker, $client.get_workflow(WF).view(View::Overview));
        call!($checker, $client.get_workflow(WF).view(View::Verbose));
        call!($checker, $client.stop_workflow(WF));
    }};
}

/// Prism for the pinned document `name`, and a client of `$m` pointed at it.
macro_rules! against_prism {
    ($name:literal, $m:ident) => {{
        let document = Document::load($name);
        let prism = Prism::start($name, &document.bytes);
        let client = amperity_generated::$m::Client::builder("acme")
            .base_url(prism.url())
            .bearer_token(TOKEN)
            .no_rate_limit()
            .retry(RetryPolicy::none())
            .build()
            .expect("the client builds");
        (document, prism, client)
    }};
}

#[tokio::test]
async fn control_plane_2024_04_01_satisfies_prism() {
    let (document, _prism, client) = against_prism!("control-plane-2024-04-01", control_plane);
    let mut checker = Checker::default();

    control_plane_calls!(checker, client, control_plane);

    checker.assert_clean(&document.api);
}

#[tokio::test]
async fn control_plane_unstable_satisfies_prism() {
    let (document, _prism, client) =
        against_prism!("control-plane-unstable", control_plane_unstable);
    let mut checker = Checker::default();

    control_plane_calls!(checker, client, control_plane_unstable);
    call!(checker, client.list_campaign_draft());
    call!(
        checker,
        client
            .list_campaign_draft()
            .limit(25)
            .next_token("ZVEy1iwsKBs9a6H")
            .with_total(true)
            .destination_data_template_id("ptg-2QLLqXBEq")
    );

    checker.assert_clean(&document.api);
}

#[tokio::test]
async fn profile_2025_07_31_satisfies_prism() {
    let (document, _prism, client) = against_prism!("profile-2025-07-31", profile);
    let mut checker = Checker::default();

    call!(checker, client.list_indexes());
    call!(
        checker,
        client
            .list_indexes()
            .limit(100)
            .next_token("ZVEy1iwsKBs9a6H")
            .with_total(true)
    );
    call!(checker, client.get_index("idx-xyz789"));
    call!(checker, client.list_profiles("idx-xyz789"));
    call!(
        checker,
        client
            .list_profiles("idx-xyz789")
            .limit(25)
            .next_token("ZVEy1iwsKBs9a6H")
            .with_total(true)
            .filter("first_name", "Daniel")
            .filter("loyalty_tier", "gold")
    );
    call!(checker, client.get_profile("idx-xyz789", "cl-abc123"));

    checker.assert_clean(&document.api);
}

/// The negative control: requests the document forbids, sent by hand and through the
/// client, are each reported by the same checker with Prism's reason.
#[tokio::test]
async fn the_checker_reports_what_prism_rejects() {
    use amperity_generated::control_plane::models::{
        GetWorkflowView as View, WorkflowRunRequest, WorkflowRunRequestRunMode as RunMode,
    };
    use amperity_generated::control_plane::{ApiVersion, Client};

    let (_document, prism, client) = against_prism!("control-plane-2024-04-01", control_plane);
    let mut checker = Checker::default();
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", prism.url());
    let ambient = |request: reqwest::RequestBuilder| {
        request
            .bearer_auth(TOKEN)
            .header("amperity-tenant", "acme")
            .header("api-version", "2024-04-01")
    };

    let fine = ambient(http.get(url("/segments"))).send().await.unwrap();
    checker.check_raw("fine", fine).await;
    let no_version = http
        .get(url("/segments"))
        .bearer_auth(TOKEN)
        .header("amperity-tenant", "acme");
    checker
        .check_raw("no api-version", no_version.send().await.unwrap())
        .await;
    let no_token = http
        .get(url("/segments"))
        .header("amperity-tenant", "acme")
        .header("api-version", "2024-04-01");
    checker
        .check_raw("no token", no_token.send().await.unwrap())
        .await;
    let bad_limit = ambient(http.get(url("/segments?limit=ten")));
    checker
        .check_raw("limit=ten", bad_limit.send().await.unwrap())
        .await;
    let bad_time = ambient(http.get(url(
        "/ingest/jobs?created_from=yesterday&created_to=2026-10-07T00:00:00Z",
    )));
    checker
        .check_raw("created_from=yesterday", bad_time.send().await.unwrap())
        .await;
    let wrong_body = ambient(http.post(url("/workflow/runs"))).json(&json!({
        "config_id": 42
    }));
    checker
        .check_raw("config_id: 42", wrong_body.send().await.unwrap())
        .await;
    let old = Client::builder("acme")
        .base_url(prism.url())
        .bearer_token(TOKEN)
        .api_version(ApiVersion::from("2023-01-01"))
        .no_rate_limit()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    call!(checker, old.list_segment());
    call!(checker, client.get_workflow(WF).view(View::from("summary")));
    let turbo = WorkflowRunRequest::new("cg-1").run_mode(RunMode::from("turbo"));
    call!(checker, client.run_workflow(turbo));
    // Prism only answers with the document's examples; a 2xx body that our models cannot
    // decode comes from wiremock instead, through the same checker.
    let wiremock = MockServer::start().await;
    let nameless = ResponseTemplate::new(200).set_body_json(json!({"data": [{"id": "seg-1"}]}));
    Mock::given(method("GET"))
        .respond_with(nameless)
        .mount(&wiremock)
        .await;
    let undecodable = Client::builder("acme")
        .base_url(wiremock.uri())
        .bearer_token(TOKEN)
        .no_rate_limit()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    call!(checker, undecodable.list_segment().limit(1));

    let problems = &checker.problems;
    assert!(!problems.contains_key("fine"), "{problems:?}");
    let expected = [
        (
            "no api-version",
            "Prism: Error at request.header [required]: \
             Request header must have required property 'api-version'",
        ),
        (
            "no token",
            "Prism: Error at request [401]: Invalid security scheme used",
        ),
        ("limit=ten", "Prism: Error at request.query.limit [type]"),
        (
            "created_from=yesterday",
            "Prism: Error at request.query.created_from [format]",
        ),
        (
            "config_id: 42",
            "Prism: Error at request.body.config_id [type]",
        ),
        (
            "list_segment()",
            "Prism: Error at request.header.api-version [enum]",
        ),
        (
            "get_workflow(WF).view(View::from(\"summary\"))",
            "Prism: Error at request.query.view [enum]",
        ),
        (
            "run_workflow(turbo)",
            "Prism: Error at request.body.run_mode [enum]",
        ),
    ];
    for (call, reason) in expected {
        let reported = checker.rejected(call);
        assert!(
            reported.contains(reason),
            "{call}: expected {reason:?} in\n{reported}"
        );
        assert!(
            reported.contains("HTTP 4"),
            "{call}: a 4xx answer too:\n{reported}"
        );
    }
    let reported = checker.rejected("list_segment().limit(1)");
    assert!(
        reported.contains("the 200 OK body does not decode: missing field `name`"),
        "{reported}"
    );
}
