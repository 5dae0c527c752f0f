//! Starts a workflow and waits for it to finish, printing its final state.
//!
//! ```text
//! AMPERITY_TENANT=acme AMPERITY_TOKEN=... \
//!     cargo run -p amperity-generated --example run_workflow -- <config-id>
//! ```
//!
//! The config id is the courier group, orchestration group or campaign to run (copy it
//! from the Amperity UI). The start request is sent once and never replayed after an
//! answer that may mean it ran; polls of `GET /workflow/runs/{id}` are retried like any
//! `GET`. Exits non-zero unless the workflow succeeded.

use std::time::Duration;

use amperity_generated::control_plane::Client;
use amperity_generated::control_plane::models::WorkflowRunRequest;
use amperity_generated::runtime::{WaitError, WaitOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let tenant = std::env::var("AMPERITY_TENANT").map_err(|_| "set AMPERITY_TENANT")?;
    let token = std::env::var("AMPERITY_TOKEN").map_err(|_| "set AMPERITY_TOKEN")?;
    let config_id = std::env::args()
        .nth(1)
        .ok_or("usage: run_workflow <config-id>")?;
    let mut builder = Client::builder(tenant).bearer_token(token);
    if let Ok(base_url) = std::env::var("AMPERITY_BASE_URL") {
        builder = builder.base_url(base_url);
    }
    let client = builder.build()?;

    let options = WaitOptions::new()
        .interval(Duration::from_secs(15))
        .timeout(Duration::from_secs(3 * 60 * 60));
    match client
        .run_workflow_and_wait(WorkflowRunRequest::new(config_id), options)
        .await
    {
        Ok(workflow) => {
            println!(
                "workflow {} ({}) ended: {}",
                workflow.id, workflow.name, workflow.state
            );
            if workflow.state.eq_ignore_ascii_case("succeeded") {
                Ok(())
            } else {
                Err(format!("workflow {} ended as {}", workflow.id, workflow.state).into())
            }
        }
        Err(WaitError::TimedOut { last, waited }) => Err(format!(
            "workflow {} still {} after {waited:?}; it keeps running on the server",
            last.id, last.state
        )
        .into()),
        Err(WaitError::Request(e)) => Err(e.into()),
    }
}
