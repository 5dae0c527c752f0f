//! A minimal HTTP/1.1 server on 127.0.0.1 for the benchmarks: hyper's server connection
//! driving one synchronous handler, nothing else (no routing tables, no request recording),
//! so that its own cost per request stays small next to the client's.
//!
//! It runs on a thread of its own with a single-threaded tokio runtime, so that the client
//! under test never shares a scheduler with it, and lives until the process exits.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::http::{HeaderValue, StatusCode, header};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// The answer a handler gives: a complete body.
pub type Reply = Response<Full<Bytes>>;

/// Answers one request from its head (method, URI, headers); called as soon as the head
/// has been read, before any body.
pub type Handler = Arc<dyn Fn(&Parts) -> Reply + Send + Sync>;

/// Starts the server on a new thread and returns its address once it accepts connections.
pub fn spawn(handler: Handler) -> SocketAddr {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
    listener
        .set_nonblocking(true)
        .expect("make the listener non-blocking");
    let addr = listener.local_addr().expect("the listener's address");
    std::thread::Builder::new()
        .name("loopback-server".to_owned())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the server's runtime");
            runtime.block_on(serve(listener, handler));
        })
        .expect("start the server thread");
    addr
}

async fn serve(listener: std::net::TcpListener, handler: Handler) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        // Small answers must not wait for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let (parts, _body) = request.into_parts();
                std::future::ready(Ok::<_, Infallible>(handler(&parts)))
            });
            // A client that goes away mid-request is not the server's problem here.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// A `200 OK` with a JSON body.
pub fn json(body: impl Into<Bytes>) -> Reply {
    let mut reply = Response::new(Full::new(body.into()));
    reply.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    reply
}

/// A `404 Not Found` naming the path, for requests a benchmark did not expect.
pub fn not_found(parts: &Parts) -> Reply {
    let mut reply = json(format!(
        r#"{{"status":404,"message":"no route for {} {}"}}"#,
        parts.method,
        parts.uri.path()
    ));
    *reply.status_mut() = StatusCode::NOT_FOUND;
    reply
}

/// The value of query parameter `name` in `parts`' URI, as sent (the benchmarks only use
/// values that need no decoding).
pub fn query_param<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.uri.query()?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then_some(value)
    })
}
