//! Testing your own code with the test kit (feature `test-kit`): two small functions of
//! the kind a service has, and their tests against a mock Amperity on loopback, with a
//! 429 and an OAuth2 token refresh on the way. No JSON string and no URL is written by
//! hand: stubs take the operations' typed parameters and answer with model values.
//!
//! ```text
//! cargo test -p amperity-generated --features test-kit --example testing_with_the_mock
//! cargo run  -p amperity-generated --features test-kit --example testing_with_the_mock
//! ```
//!
//! `cargo test --workspace` runs the tests too (the workspace turns the feature on).
//! Run as a program, it exports a mock's audit events to standard output.

use std::io::Write;

use amperity_generated::control_plane::Client;
use amperity_generated::control_plane::models::{Workflow, WorkflowRunRequest};
use amperity_generated::runtime::{WaitError, WaitOptions};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;

// --- The code under test ---------------------------------------------------------------------

/// Writes every audit event since `from` to `out` as JSON lines; returns how many.
pub async fn export_audit_events(
    client: &Client,
    from: DateTime<Utc>,
    mut out: impl Write,
) -> Result<usize, Box<dyn std::error::Error>> {
    let mut events = client
        .list_events()
        .happened_from(from)
        .limit(1000)
        .stream();
    let mut count = 0;
    while let Some(event) = events.try_next().await? {
        serde_json::to_writer(&mut out, &event)?;
        out.write_all(b"\n")?;
        count += 1;
    }
    Ok(count)
}

/// Starts the courier group `config_id` and waits until its workflow ends.
pub async fn run_courier_group(
    client: &Client,
    config_id: &str,
    options: WaitOptions,
) -> Result<Workflow, WaitError<Workflow>> {
    client
        .run_workflow_and_wait(WorkflowRunRequest::new(config_id), options)
        .await
}

/// Exports the audit events a mock serves, as the program's output.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    use amperity_generated::control_plane::mock::{MockAmperity, StubBuilder};

    let mock = MockAmperity::start().await;
    mock.list_events().respond_sample().await;
    let from = "2026-04-01T00:00:00Z".parse()?;
    let count = export_audit_events(&mock.client(), from, std::io::stdout().lock()).await?;
    eprintln!(
        "{count} audit events exported from the mock at {}",
        mock.uri()
    );
    Ok(())
}

// --- Its tests -------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use amperity_generated::control_plane::mock::{MockAmperity, PagedStub, StubBuilder};
    use amperity_generated::control_plane::models::{AuditEvent, AuditEventList, Workflow};
    use amperity_generated::runtime::WaitOptions;
    use amperity_generated::runtime::mock::Sample;

    use super::{export_audit_events, run_courier_group};

    /// A page of the document's sample event with these ids.
    fn page(ids: &[&str]) -> AuditEventList {
        AuditEventList {
            data: ids
                .iter()
                .map(|id| AuditEvent {
                    event_id: (*id).to_owned(),
                    ..AuditEvent::sample()
                })
                .collect(),
            next_token: None,
            total: None,
        }
    }

    #[tokio::test]
    async fn every_page_is_exported_even_after_a_429() {
        let mock = MockAmperity::start().await;
        let from = "2026-04-01T00:00:00Z".parse().unwrap();
        // The first request is refused with 429; the client waits and asks again. Then
        // two pages: the kit hands out the token of the second and expects it back.
        mock.list_events()
            .happened_from(from)
            .limit(1000)
            .too_many_requests(1)
            .times(3)
            .pages(vec![page(&["ae-1", "ae-2"]), page(&["ae-3"])])
            .await;

        let mut out = Vec::new();
        let count = export_audit_events(&mock.client(), from, &mut out)
            .await
            .unwrap();

        assert_eq!(count, 3);
        let lines: Vec<AuditEvent> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let ids: Vec<&str> = lines.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(ids, ["ae-1", "ae-2", "ae-3"]);
    }

    #[tokio::test]
    async fn a_courier_group_runs_to_the_end_through_a_token_refresh() {
        let mock = MockAmperity::start().await;
        let run = Workflow {
            id: "wf-20260601-1".into(),
            state: "running".into(),
            ..Workflow::sample()
        };
        // The start is refused once with 401 (an expired token): the client fetches a
        // new token and sends it again. Then the run is polled until it succeeds.
        mock.run_workflow()
            .expect_body(|request| request.config_id == "cg-123")
            .unauthorized(1)
            .times(2)
            .respond(run.clone())
            .await;
        mock.get_workflow()
            .workflow_id("wf-20260601-1")
            .times(3)
            .states_of(run, ["running", "finalizing", "succeeded"])
            .await;
        let client = mock.oauth_client().await;

        let options = WaitOptions::new().interval(Duration::from_millis(1));
        let done = run_courier_group(&client, "cg-123", options).await.unwrap();

        assert_eq!(done.state, "succeeded");
        assert_eq!(
            mock.token_requests().await,
            2,
            "one token, then a fresh one"
        );
    }
    // Dropping `mock` checks every `times(..)`: a stub called another number of times
    // fails the test with the operation named and every request listed.
}
