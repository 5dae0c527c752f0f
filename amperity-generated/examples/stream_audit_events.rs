//! Streams every audit event of a time range to standard output as JSON lines.
//!
//! ```text
//! AMPERITY_TENANT=acme AMPERITY_CLIENT_ID=... AMPERITY_CLIENT_SECRET=... \
//!     cargo run -p amperity-generated --example stream_audit_events -- 2026-11-01T00:00:00Z
//! ```
//!
//! Credentials: `AMPERITY_CLIENT_ID` and `AMPERITY_CLIENT_SECRET` (OAuth2 client
//! credentials), or `AMPERITY_TOKEN` (an access token from the Amperity UI).
//! `AMPERITY_BASE_URL` overrides the server (e.g. `https://acme.amperity.com/api` for a
//! tenant hosted on Azure). The optional argument is the start of the range (RFC 3339).
//! Pages are fetched one at a time as the output is written, within the control plane's
//! 10 requests per second; set `RUST_LOG=debug` to see each request.

use std::io::Write;

use amperity_generated::control_plane::{Client, ClientBuilder};
use futures_util::TryStreamExt;

fn client_from_env() -> Result<Client, Box<dyn std::error::Error>> {
    let tenant = std::env::var("AMPERITY_TENANT").map_err(|_| "set AMPERITY_TENANT")?;
    let mut builder: ClientBuilder = Client::builder(tenant);
    if let Ok(base_url) = std::env::var("AMPERITY_BASE_URL") {
        builder = builder.base_url(base_url);
    }
    builder = match (
        std::env::var("AMPERITY_CLIENT_ID"),
        std::env::var("AMPERITY_CLIENT_SECRET"),
        std::env::var("AMPERITY_TOKEN"),
    ) {
        (Ok(id), Ok(secret), _) => builder.client_credentials(id, secret),
        (_, _, Ok(token)) => builder.bearer_token(token),
        _ => {
            return Err(
                "set AMPERITY_CLIENT_ID and AMPERITY_CLIENT_SECRET, or AMPERITY_TOKEN".into(),
            );
        }
    };
    Ok(builder.build()?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let client = client_from_env()?;
    let mut request = client.list_events().limit(500);
    if let Some(from) = std::env::args().nth(1) {
        request = request.happened_from(from.parse::<chrono::DateTime<chrono::Utc>>()?);
    }

    let mut events = request.stream();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut count = 0u64;
    while let Some(event) = events.try_next().await? {
        serde_json::to_writer(&mut out, &event)?;
        out.write_all(b"\n")?;
        count += 1;
    }
    out.flush()?;
    eprintln!("{count} audit events in {} pages", events.pages_fetched());
    Ok(())
}
