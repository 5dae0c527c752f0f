//! The generated test kit (`test-kit` feature): every operation of the three modules
//! answered by its typed stub with the document's sample, typed expectations on path,
//! query and body, pagination, the workflow waiter, faults, and the failure message.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use amperity_generated::control_plane::mock::{MockAmperity, MockError, PagedStub, StubBuilder};
use amperity_generated::control_plane::models::{
    self, AuditEvent, AuditEventList, GetWorkflowView, Workflow, WorkflowRunRequest,
};
use amperity_generated::runtime::mock::Sample;
use amperity_generated::runtime::{Error, WaitOptions};
use amperity_generated::{control_plane_unstable, profile};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 timestamp")
}

/// Drops the mock and returns the failure message its check panicked with.
fn failure_on_drop<T>(mock: T) -> String {
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(move || drop(mock)));
    let payload = outcome.expect_err("the check should have failed");
    payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default()
}

// --- Every operation, answered with its sample ---------------------------------------------

#[tokio::test]
async fn every_control_plane_operation_answers_its_sample() {
    let mock = MockAmperity::start().await;
    mock.get_ingest_job()
        .job_id("isj-1")
        .times(1)
        .respond_sample()
        .await;
    mock.get_workflow()
        .workflow_id("wf-1")
        .times(1)
        .respond_sample()
        .await;
    mock.list_campaign().times(1).respond_sample().await;
    mock.list_events().times(1).respond_sample().await;
    let (from, to) = (at("2026-06-01T00:00:00Z"), at("2026-06-08T00:00:00Z"));
    mock.list_ingest_jobs()
        .created_from(from)
        .created_to(to)
        .times(1)
        .respond_sample()
        .await;
    mock.list_segment().times(1).respond_sample().await;
    mock.list_workflows().times(1).respond_sample().await;
    mock.run_workflow().times(1).respond_sample().await;
    mock.stop_workflow()
        .workflow_id("wf-1")
        .times(1)
        .respond_sample()
        .await;
    let client = mock.client();

    let job = client.get_ingest_job("isj-1").send().await.unwrap();
    let workflow = client.get_workflow("wf-1").send().await.unwrap();
    let campaigns: Vec<_> = client.list_campaign().stream().try_collect().await.unwrap();
    let events: Vec<_> = client.list_events().stream().try_collect().await.unwrap();
    let jobs = client.list_ingest_jobs(from, to).send().await.unwrap();
    let segments: Vec<_> = client.list_segment().stream().try_collect().await.unwrap();
    let workflows: Vec<_> = client
        .list_workflows()
        .stream()
        .try_collect()
        .await
        .unwrap();
    let started = client
        .run_workflow(WorkflowRunRequest::sample())
        .send()
        .await
        .unwrap();
    let stopped = client.stop_workflow("wf-1").send().await.unwrap();

    assert_eq!(*job.body(), models::IngestJobDetails::sample());
    assert_eq!(*workflow.body(), Workflow::sample());
    assert_eq!(campaigns, models::CampaignList::sample().data);
    assert_eq!(events, [AuditEvent::sample()]);
    assert_eq!(*jobs.body(), models::IngestJobDetailsList::sample());
    assert_eq!(segments, models::SegmentList::sample().data);
    assert_eq!(workflows, models::WorkflowList::sample().data);
    assert_eq!(*started.body(), Workflow::sample());
    assert_eq!(*stopped.body(), Workflow::sample());
    assert_eq!(
        AuditEvent::sample().event_id,
        "ae-Ab1cDeFg",
        "from the document's example"
    );
}

#[tokio::test]
async fn every_unstable_operation_answers_its_sample() {
    use control_plane_unstable::mock::{MockAmperity, StubBuilder};
    use control_plane_unstable::models;

    let mock = MockAmperity::start().await;
    mock.get_ingest_job()
        .job_id("isj-1")
        .times(1)
        .respond_sample()
        .await;
    mock.get_workflow()
        .workflow_id("wf-1")
        .times(1)
        .respond_sample()
        .await;
    mock.list_campaign().times(1).respond_sample().await;
    mock.list_campaign_draft().times(1).respond_sample().await;
    mock.list_events().times(1).respond_sample().await;
    mock.list_ingest_jobs().times(1).respond_sample().await;
    mock.list_segment().times(1).respond_sample().await;
    mock.list_workflows().times(1).respond_sample().await;
    mock.run_workflow().times(1).respond_sample().await;
    mock.stop_workflow()
        .workflow_id("wf-1")
        .times(1)
        .respond_sample()
        .await;
    let client = mock.client();
    let (from, to) = (at("2026-06-01T00:00:00Z"), at("2026-06-08T00:00:00Z"));

    let job = client.get_ingest_job("isj-1").send().await.unwrap();
    let workflow = client.get_workflow("wf-1").send().await.unwrap();
    let campaigns = client.list_campaign().send().await.unwrap();
    let drafts = client.list_campaign_draft().send().await.unwrap();
    let events = client.list_events().send().await.unwrap();
    let jobs = client.list_ingest_jobs(from, to).send().await.unwrap();
    let segments = client.list_segment().send().await.unwrap();
    let workflows = client.list_workflows().send().await.unwrap();
    let request = models::WorkflowRunRequest::sample();
    let started = client.run_workflow(request).send().await.unwrap();
    let stopped = client.stop_workflow("wf-1").send().await.unwrap();

    assert_eq!(*job.body(), models::IngestJobDetails::sample());
    assert_eq!(*workflow.body(), models::Workflow::sample());
    assert_eq!(campaigns.data, models::CampaignList::sample().data);
    assert_eq!(drafts.data, models::CampaignDraftList::sample().data);
    assert_eq!(events.data, models::AuditEventList::sample().data);
    assert_eq!(jobs.data, models::IngestJobDetailsList::sample().data);
    assert_eq!(segments.data, models::SegmentList::sample().data);
    assert_eq!(workflows.data, models::WorkflowList::sample().data);
    assert_eq!(*started.body(), models::Workflow::sample());
    assert_eq!(*stopped.body(), models::Workflow::sample());
}

#[tokio::test]
async fn every_profile_operation_answers_its_sample() {
    use profile::mock::{MockAmperity, StubBuilder};
    use profile::models;

    let mock = MockAmperity::start().await;
    mock.get_index().id("ix-1").times(1).respond_sample().await;
    mock.get_profile()
        .index_id("ix-1")
        .profile_id("p/1")
        .times(1)
        .respond_sample()
        .await;
    mock.list_indexes().times(1).respond_sample().await;
    mock.list_profiles()
        .id("ix-1")
        .filter("first_name", "Daniel")
        .times(1)
        .respond_sample()
        .await;
    let client = mock.client();

    let index = client.get_index("ix-1").send().await.unwrap();
    let profile = client.get_profile("ix-1", "p/1").send().await.unwrap();
    let indexes: Vec<_> = client.list_indexes().stream().try_collect().await.unwrap();
    let profiles: Vec<_> = client
        .list_profiles("ix-1")
        .filter("first_name", "Daniel")
        .stream()
        .try_collect()
        .await
        .unwrap();

    assert_eq!(*index.body(), models::Index::sample());
    assert_eq!(*profile.body(), models::Profile::sample());
    assert_eq!(
        indexes,
        models::IndexListResponse::sample().data.unwrap_or_default()
    );
    assert_eq!(
        profiles,
        models::ProfileListResponse::sample()
            .data
            .unwrap_or_default()
    );
}

#[test]
fn every_sample_of_the_three_documents_decodes() {
    amperity_generated::control_plane::mock::check_samples();
    control_plane_unstable::mock::check_samples();
    profile::mock::check_samples();
}

// --- Typed expectations ----------------------------------------------------------------------

fn event(id: &str) -> AuditEvent {
    AuditEvent {
        event_id: id.to_owned(),
        ..AuditEvent::sample()
    }
}

fn page(ids: &[&str]) -> AuditEventList {
    AuditEventList {
        data: ids.iter().map(|id| event(id)).collect(),
        next_token: None,
        total: None,
    }
}

#[tokio::test]
async fn pages_are_served_to_the_query_the_stub_expects() {
    let mock = MockAmperity::start().await;
    let from = at("2026-04-01T00:00:00Z");
    mock.list_events()
        .happened_from(from)
        .limit(2)
        .times(2)
        .pages(vec![page(&["ae-1", "ae-2"]), page(&["ae-3"])])
        .await;
    let client = mock.client();

    let ids: Vec<String> = client
        .list_events()
        .happened_from(from)
        .limit(2)
        .stream()
        .map_ok(|event| event.event_id)
        .try_collect()
        .await
        .unwrap();
    let other_window = client
        .list_events()
        .happened_from(at("2026-05-01T00:00:00Z"))
        .limit(2)
        .send()
        .await
        .unwrap_err();

    assert_eq!(ids, ["ae-1", "ae-2", "ae-3"]);
    assert_eq!(other_window.status().map(|s| s.as_u16()), Some(404));
    mock.allow_unmatched();
}

#[tokio::test]
async fn a_body_predicate_and_a_query_value_are_typed() {
    let mock = MockAmperity::start().await;
    let started = Workflow {
        id: "wf-9".into(),
        state: "running".into(),
        ..Workflow::sample()
    };
    mock.run_workflow()
        .expect_body(|request| request.config_id == "cg-1")
        .times(1)
        .respond(started.clone())
        .await;
    mock.get_workflow()
        .workflow_id("wf-9")
        .view(GetWorkflowView::Verbose)
        .times(1)
        .respond(started.clone())
        .await;
    let client = mock.client();

    let run = client
        .run_workflow(WorkflowRunRequest::new("cg-1"))
        .send()
        .await
        .unwrap();
    let verbose = client
        .get_workflow("wf-9")
        .view(GetWorkflowView::Verbose)
        .send()
        .await
        .unwrap();

    assert_eq!(*run.body(), started);
    assert_eq!(*verbose.body(), started);
}

#[tokio::test]
async fn the_waiter_sees_a_workflow_go_through_its_states() {
    let mock = MockAmperity::start().await;
    let running = Workflow {
        id: "wf-1".into(),
        state: "running".into(),
        ..Workflow::sample()
    };
    mock.run_workflow().times(1).respond(running.clone()).await;
    mock.get_workflow()
        .workflow_id("wf-1")
        .times(2)
        .states_of(running.clone(), ["running", "succeeded"])
        .await;
    let client = mock.client();

    let done = client
        .run_workflow_and_wait(
            WorkflowRunRequest::new("cg-1"),
            WaitOptions::new().interval(Duration::from_millis(1)),
        )
        .await
        .unwrap();

    assert_eq!(done.state, "succeeded");
    assert_eq!(done.id, "wf-1");
}

// --- Faults and failures -----------------------------------------------------------------------

#[tokio::test]
async fn a_429_and_a_token_refresh_on_the_generated_client() {
    let mock = MockAmperity::start().await;
    mock.list_segment()
        .too_many_requests(1)
        .unauthorized(1)
        .times(3)
        .respond_sample()
        .await;
    let client = mock.oauth_client().await;

    let segments = client.list_segment().send().await.unwrap();

    assert_eq!(segments.data, models::SegmentList::sample().data);
    assert_eq!(mock.token_requests().await, 2);
}

#[tokio::test]
async fn an_error_body_keeps_its_request_id() {
    let mock = MockAmperity::start().await;
    mock.stop_workflow()
        .workflow_id("wf-1")
        .fail(MockError::new(409, "The workflow is not running.").request_id("req-7"))
        .await;

    let err = mock
        .client()
        .stop_workflow("wf-1")
        .send()
        .await
        .unwrap_err();

    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status(), 409);
    assert_eq!(
        api.body().and_then(|b| b.request_id.as_deref()),
        Some("req-7")
    );
}

#[tokio::test]
async fn a_stub_not_called_as_often_as_expected_fails_the_test_naming_it() {
    let mock = MockAmperity::start().await;
    mock.run_workflow()
        .expect_body(|request| request.config_id == "cg-1")
        .times(1)
        .respond_sample()
        .await;
    let _ = mock
        .client()
        .run_workflow(WorkflowRunRequest::new("cg-2"))
        .send()
        .await;

    let report = failure_on_drop(mock);

    assert!(
        report.contains("`run-workflow` (POST /workflow/runs) was expected to be called 1 time, and was called 0 times"),
        "{report}"
    );
    assert!(report.contains(r#""config_id":"cg-2""#), "{report}");
}
