//! One process of the fleet: `tasks` tasks calling a list operation in a loop through one
//! client whose rate limiter is the fleet's ([`RateLimiter::redis_with`]), from a common
//! start instant until a deadline; then a one-line JSON summary on stdout. Its `tracing`
//! log goes to stderr, where the tests look for the fallback warning and for secrets.
//!
//! Arguments are `key=value` pairs ([`WorkerArgs::to_args`] writes them).

use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use amperity_generated::runtime::{Error, OnRedisFailure, RateLimiter, RedisOptions};
use amperity_generated::{control_plane, profile};

/// Which API the worker calls (and so which family's budget it draws from).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `list_segment` on the control plane (10/s).
    ControlPlane,
    /// `list_indexes` on the Profile API (2000/s).
    Profile,
}

/// What one worker is told.
#[derive(Debug, Clone)]
pub struct WorkerArgs {
    /// The Redis URL.
    pub redis: String,
    /// The probe server's base URL.
    pub base_url: String,
    /// The tenant (the budget's key and the tenant header).
    pub tenant: String,
    /// The bearer token: the probe tells workers apart by it.
    pub token: String,
    /// The API called.
    pub family: Family,
    /// Concurrent tasks.
    pub tasks: usize,
    /// Milliseconds since 1970 at which to start.
    pub start_at_ms: u64,
    /// How long to run.
    pub run: Duration,
    /// `RedisOptions::expected_processes`.
    pub expected_processes: u32,
    /// `RedisOptions::arrival_allowance`.
    pub arrival_allowance: Duration,
}

impl WorkerArgs {
    /// The command line that [`main`] reads back.
    pub fn to_args(&self) -> Vec<String> {
        let family = match self.family {
            Family::ControlPlane => "control_plane",
            Family::Profile => "profile",
        };
        vec![
            format!("redis={}", self.redis),
            format!("base_url={}", self.base_url),
            format!("tenant={}", self.tenant),
            format!("token={}", self.token),
            format!("family={family}"),
            format!("tasks={}", self.tasks),
            format!("start_at_ms={}", self.start_at_ms),
            format!("run_ms={}", self.run.as_millis()),
            format!("expected_processes={}", self.expected_processes),
            format!(
                "arrival_allowance_ms={}",
                self.arrival_allowance.as_millis()
            ),
        ]
    }

    fn parse(args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut map = std::collections::BTreeMap::new();
        for arg in args {
            let (key, value) = arg.split_once('=').ok_or(format!("not key=value: {arg}"))?;
            map.insert(key.to_owned(), value.to_owned());
        }
        let get = |key: &str| map.get(key).cloned().ok_or(format!("missing {key}="));
        let number = |key: &str| -> Result<u64, String> {
            get(key)?.parse().map_err(|e| format!("{key}: {e}"))
        };
        Ok(Self {
            redis: get("redis")?,
            base_url: get("base_url")?,
            tenant: get("tenant")?,
            token: get("token")?,
            family: match get("family")?.as_str() {
                "control_plane" => Family::ControlPlane,
                "profile" => Family::Profile,
                other => return Err(format!("unknown family {other}")),
            },
            tasks: number("tasks")? as usize,
            start_at_ms: number("start_at_ms")?,
            run: Duration::from_millis(number("run_ms")?),
            expected_processes: number("expected_processes")? as u32,
            arrival_allowance: Duration::from_millis(number("arrival_allowance_ms")?),
        })
    }
}

/// Milliseconds since 1970, the clock workers agree on a start by.
pub fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// The worker's entry point: reads `key=value` arguments, runs, prints the summary, and
/// exits with 2 on bad arguments or configuration.
pub fn main() {
    let args = match WorkerArgs::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("fleet-worker: {e}");
            std::process::exit(2);
        }
    };
    // `FLEET_LOG=trace` for everything (the secrets test reads it all); info by default.
    let level = std::env::var("FLEET_LOG")
        .ok()
        .and_then(|level| level.parse().ok())
        .unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_ansi(false)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(&args)) {
        Ok(summary) => println!("{summary}"),
        Err(e) => {
            eprintln!("fleet-worker: {e}");
            std::process::exit(2);
        }
    }
    // Tasks cut off at the deadline may still hold the runtime; do not wait for them.
    runtime.shutdown_background();
}

/// A client of either API, behind one call.
#[derive(Clone)]
enum AnyClient {
    ControlPlane(control_plane::Client),
    Profile(profile::Client),
}

impl AnyClient {
    async fn call(&self) -> Result<(), Error> {
        match self {
            AnyClient::ControlPlane(client) => client.list_segment().send().await.map(drop),
            AnyClient::Profile(client) => client.list_indexes().send().await.map(drop),
        }
    }
}

fn client(args: &WorkerArgs) -> Result<AnyClient, Error> {
    let options = RedisOptions::new()
        .expected_processes(args.expected_processes)
        .arrival_allowance(args.arrival_allowance)
        .on_failure(OnRedisFailure::FallBack);
    let fleet = RateLimiter::redis_with(&args.redis, &args.tenant, options)?;
    Ok(match args.family {
        Family::ControlPlane => AnyClient::ControlPlane(
            control_plane::Client::builder(args.tenant.as_str())
                .base_url(args.base_url.as_str())
                .bearer_token(args.token.as_str())
                .rate_limiter(fleet)
                .build()?,
        ),
        Family::Profile => AnyClient::Profile(
            profile::Client::builder(args.tenant.as_str())
                .base_url(args.base_url.as_str())
                .bearer_token(args.token.as_str())
                .rate_limiter(fleet)
                .build()?,
        ),
    })
}

async fn run(args: &WorkerArgs) -> Result<String, Error> {
    let client = client(args)?;
    let wait = args.start_at_ms.saturating_sub(epoch_ms());
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let deadline = tokio::time::Instant::now() + args.run;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..args.tasks {
        let client = client.clone();
        tasks.spawn(async move {
            let (mut ok, mut failed, mut longest) = (0u64, Vec::new(), Duration::ZERO);
            loop {
                let started = Instant::now();
                let outcome = tokio::time::timeout_at(deadline, client.call()).await;
                match outcome {
                    Err(_deadline) => break,
                    Ok(Ok(())) => ok += 1,
                    Ok(Err(e)) => failed.push(e.to_string()),
                }
                longest = longest.max(started.elapsed());
            }
            (ok, failed, longest)
        });
    }
    let (mut ok, mut failed, mut longest) = (0, Vec::new(), Duration::ZERO);
    while let Some(Ok((o, f, l))) = tasks.join_next().await {
        ok += o;
        failed.extend(f);
        longest = longest.max(l);
    }
    failed.truncate(5);
    Ok(serde_json::json!({
        "ok": ok,
        "errors": failed,
        "longest_completed_call_ms": longest.as_millis() as u64,
    })
    .to_string())
}

/// A worker process started by a test or benchmark; killed when dropped.
#[derive(Debug)]
pub struct Worker {
    child: tokio::process::Child,
}

/// What a worker printed, once it ended.
#[derive(Debug)]
pub struct Finished {
    /// Its summary line, parsed (`null` when it printed none).
    pub summary: serde_json::Value,
    /// Its log.
    pub stderr: String,
    /// Whether it exited with status 0.
    pub success: bool,
}

impl Worker {
    /// Starts `program` (the `fleet-worker` binary, or a benchmark that runs [`main`] when
    /// `env` says so) with `args`.
    pub fn spawn(
        program: &std::path::Path,
        env: &[(&str, &str)],
        args: &WorkerArgs,
    ) -> std::io::Result<Self> {
        let child = tokio::process::Command::new(program)
            .args(args.to_args())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        Ok(Self { child })
    }

    /// Waits for the worker to exit, at most `limit`; `Err` (and the worker killed) when
    /// it takes longer: a worker that does not stop at its deadline is a hung call.
    pub async fn finish(self, limit: Duration) -> Result<Finished, String> {
        match tokio::time::timeout(limit, self.child.wait_with_output()).await {
            Ok(Ok(output)) => Ok(Finished {
                summary: String::from_utf8_lossy(&output.stdout)
                    .lines()
                    .last()
                    .and_then(|line| serde_json::from_str(line).ok())
                    .unwrap_or(serde_json::Value::Null),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
                success: output.status.success(),
            }),
            Ok(Err(e)) => Err(format!("waiting for a worker: {e}")),
            Err(_) => Err(format!(
                "a worker was still running {limit:?} after its deadline"
            )),
        }
    }
}
