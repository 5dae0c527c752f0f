//! A loopback HTTP/1.1 server standing in for Amperity: it answers every request with
//! `{"data":[]}` (a valid empty page of any list operation) and records when it arrived,
//! from whom (the `authorization` header: each worker has its own token) and for which
//! tenant. It can answer one 429 at a chosen moment.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// When its head had been read.
    pub at: Instant,
    /// The `authorization` header.
    pub who: String,
    /// The `amperity-tenant` header.
    pub tenant: String,
    /// The status it was answered with.
    pub status: u16,
}

#[derive(Debug, Default)]
struct State {
    arrivals: Vec<Arrival>,
    /// Answer 429 (with this `Retry-After`, in seconds) to the first request at or after
    /// the instant.
    refuse_after: Option<(Instant, u64)>,
}

/// The server; it stops when dropped.
#[derive(Debug)]
pub struct Probe {
    base_url: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Probe {
    /// Starts on a free loopback port, on the current tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}/api", listener.local_addr()?);
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Ok(Self {
            base_url,
            state,
            task,
        })
    }

    /// The base URL to give the clients.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Answers the first request arriving at or after `at` with a 429 and
    /// `Retry-After: retry_after_secs`.
    pub fn refuse_once_after(&self, at: Instant, retry_after_secs: u64) {
        self.lock().refuse_after = Some((at, retry_after_secs));
    }

    /// Every request so far, in order of arrival.
    pub fn arrivals(&self) -> Vec<Arrival> {
        self.lock().arrivals.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Serves one keep-alive connection: requests without bodies (the list operations).
async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(end) = find_head_end(&buffer) {
                break end;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let at = Instant::now();
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        buffer.drain(..head_end);
        let header = |name: &str| {
            head.lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(key, _)| key.trim().eq_ignore_ascii_case(name))
                .map(|(_, value)| value.trim().to_owned())
                .unwrap_or_default()
        };
        let refusal = {
            let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
            let refusal = match state.refuse_after {
                Some((after, seconds)) if at >= after => {
                    state.refuse_after = None;
                    Some(seconds)
                }
                _ => None,
            };
            state.arrivals.push(Arrival {
                at,
                who: header("authorization"),
                tenant: header("amperity-tenant"),
                status: if refusal.is_some() { 429 } else { 200 },
            });
            refusal
        };
        let response = match refusal {
            Some(seconds) => format!(
                "HTTP/1.1 429 Too Many Requests\r\nretry-after: {seconds}\r\ncontent-length: 0\r\n\r\n"
            ),
            None => "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"data\":[]}".to_owned(),
        };
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// The length of the request head (through the blank line), when it is complete.
fn find_head_end(buffer: &[u8]) -> Option<usize> {
    buffer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
}

/// Offsets of `arrivals` from `start`, sorted (arrivals before `start` are left out).
pub fn offsets<'a>(
    arrivals: impl IntoIterator<Item = &'a Arrival>,
    start: Instant,
) -> Vec<Duration> {
    let mut offsets: Vec<Duration> = arrivals
        .into_iter()
        .filter(|a| a.at >= start)
        .map(|a| a.at - start)
        .collect();
    offsets.sort();
    offsets
}
