//! Running a workflow and waiting for it to finish (hand-written, on top of the
//! generated [`control_plane`](crate::control_plane) client).
//!
//! `POST /workflow/runs` starts a workflow and answers at once; the run then goes through
//! states such as `scheduled`, `running` and `finalizing` until it ends as `succeeded`,
//! `failed`, `stopped`, `skipped` or `canceled`. These helpers poll
//! `GET /workflow/runs/{workflow-id}` until it ends or the deadline passes. Each poll goes
//! through the client's rate limiter and retry policy like any other call.

use crate::control_plane::Client;
use crate::control_plane::models::{Workflow, WorkflowRunRequest};
use crate::runtime::{WaitError, WaitOptions, poll_until};

/// Whether a workflow state is final. States are compared without regard to case,
/// spaces, `-` or `_` (the documentation writes "In progress" where the API may send
/// `in-progress`); unknown states count as still running.
pub fn is_finished(state: &str) -> bool {
    let normalized: String = state
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    matches!(
        normalized.as_str(),
        "succeeded" | "failed" | "stopped" | "skipped" | "canceled" | "cancelled"
    )
}

impl Client {
    /// Polls the workflow until it is finished (see [`is_finished`]) and returns it as
    /// last seen, whatever its final state: check `state` for success.
    ///
    /// Fails with [`WaitError::TimedOut`] (carrying the last state seen) when
    /// `options`' timeout passes first, or [`WaitError::Request`] when a poll fails after
    /// the client's retries.
    pub async fn wait_for_workflow(
        &self,
        workflow_id: impl Into<String>,
        options: WaitOptions,
    ) -> Result<Workflow, WaitError<Workflow>> {
        let workflow_id = workflow_id.into();
        poll_until(
            options,
            || {
                let request = self.get_workflow(workflow_id.clone());
                async move {
                    request
                        .send()
                        .await
                        .map(crate::runtime::Response::into_inner)
                }
            },
            |workflow: &Workflow| is_finished(&workflow.state),
        )
        .await
    }

    /// Starts a workflow and waits for it to finish; see [`Client::wait_for_workflow`].
    ///
    /// The start is sent once: `POST /workflow/runs` is never retried after an answer that
    /// may mean the workflow started (only a 429, which means it did not, is retried).
    pub async fn run_workflow_and_wait(
        &self,
        request: WorkflowRunRequest,
        options: WaitOptions,
    ) -> Result<Workflow, WaitError<Workflow>> {
        let started = self.run_workflow(request).send().await?.into_inner();
        if is_finished(&started.state) {
            return Ok(started);
        }
        self.wait_for_workflow(started.id, options).await
    }
}

/// The waiter's side of the test kit: a workflow run that goes through states.
#[cfg(feature = "test-kit")]
impl crate::control_plane::mock::stubs::GetWorkflow {
    /// Answers each poll with the next state (the last one repeats), on the sample
    /// workflow (see [`states_of`](Self::states_of) for another one):
    /// `mock.get_workflow().workflow_id("wf-1").states(["running", "succeeded"]).await`.
    pub fn states<const N: usize>(
        self,
        states: [&str; N],
    ) -> impl std::future::Future<Output = crate::runtime::mock::Mounted> + Send {
        use crate::runtime::mock::Sample;
        self.states_of(Workflow::sample(), states)
    }

    /// Answers each poll with `workflow` in the next state (the last one repeats).
    pub fn states_of<const N: usize>(
        self,
        workflow: Workflow,
        states: [&str; N],
    ) -> impl std::future::Future<Output = crate::runtime::mock::Mounted> + Send {
        use crate::runtime::mock::StubBuilder;
        let runs = states
            .iter()
            .map(|state| Workflow {
                state: (*state).to_owned(),
                ..workflow.clone()
            })
            .collect();
        self.sequence(runs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_states_whatever_their_spelling() {
        for state in [
            "succeeded",
            "Succeeded",
            "FAILED",
            "stopped",
            "Skipped",
            "canceled",
            "Cancelled",
        ] {
            assert!(is_finished(state), "{state}");
        }
        for state in [
            "scheduled",
            "Started",
            "In progress",
            "in-progress",
            "in_progress",
            "running",
            "Finalizing",
            "stopping",
            "",
            "something new",
        ] {
            assert!(!is_finished(state), "{state}");
        }
    }
}
