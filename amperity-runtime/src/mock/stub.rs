//! A stub: what one operation's requests must look like and how they are answered; and
//! how it becomes wiremock mocks (faults first, then the answers).

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http::Method;
use serde_json::{Map, Value};
use wiremock::{Mock, Request as Received, Respond, ResponseTemplate};

use super::fault::{Fault, MockError};
use super::matching::{BodyCheck, Matcher, StubMatcher, TokenRule, pieces};
use super::server::{MockServer, base_path, lock, request_line};
use super::{BodyDecoder, ResponseEncoder};
use crate::{Api, QueryValue, Request};

/// What the kit needs to know about an operation; generated code declares one constant
/// per operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    id: &'static str,
    method: &'static str,
    path: &'static str,
    status: u16,
    content_type: &'static str,
    paging: Option<Paging>,
}

impl Operation {
    /// The operation `id` (its operationId) at `METHOD path` (the template as the
    /// document writes it), whose success is `status` with a `content_type` body (empty
    /// when the success has no body).
    pub const fn new(
        id: &'static str,
        method: &'static str,
        path: &'static str,
        status: u16,
        content_type: &'static str,
    ) -> Self {
        Self {
            id,
            method,
            path,
            status,
            content_type,
            paging: None,
        }
    }

    /// The same operation, cursor-paginated as `paging` says.
    pub const fn paged(mut self, paging: Paging) -> Self {
        self.paging = Some(paging);
        self
    }

    /// The operationId.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The documented success status.
    pub fn status(&self) -> u16 {
        self.status
    }

    pub(crate) fn paging(&self) -> Option<Paging> {
        self.paging
    }

    fn label(&self) -> String {
        format!("`{}` ({} {})", self.id, self.method, self.path)
    }
}

/// Where a paginated operation keeps its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    token_param: &'static str,
    token_field: &'static str,
    token_required: bool,
}

impl Paging {
    /// The token is sent as the query parameter `token_param` and returned in the page's
    /// field `token_field` (wire names); `token_required`: the page model requires the
    /// field, so the last page carries it empty rather than leaving it out.
    pub const fn new(
        token_param: &'static str,
        token_field: &'static str,
        token_required: bool,
    ) -> Self {
        Self {
            token_param,
            token_field,
            token_required,
        }
    }

    pub(crate) fn token_param(&self) -> &'static str {
        self.token_param
    }

    pub(crate) fn token_field(&self) -> &'static str {
        self.token_field
    }

    pub(crate) fn token_required(&self) -> bool {
        self.token_required
    }
}

/// One operation's stub while it is being described: expectations, faults, response
/// decorations. `B` is the request body type its predicates see, `R` the type it answers
/// with. Generated stubs wrap one; the [`super::StubBuilder`] methods describe it and
/// mount it.
pub struct Stub<B, R> {
    pub(crate) server: MockServer,
    pub(crate) operation: &'static Operation,
    base_path: String,
    decode: BodyDecoder<B>,
    pub(crate) encode: ResponseEncoder<R>,
    path_values: Vec<Option<String>>,
    expected: Request,
    pub(crate) body_checks: Vec<BodyCheck<B>>,
    pub(crate) faults: Vec<(Fault, u64)>,
    pub(crate) times: Option<u64>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) extra_fields: Map<String, Value>,
    /// Expectations that cannot be met (a path value the client would refuse), reported
    /// when the stub is mounted.
    problems: Vec<String>,
}

impl<B, R> fmt::Debug for Stub<B, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stub")
            .field("operation", &self.operation.id)
            .field("path_values", &self.path_values)
            .field("query", &self.expected.query)
            .field("faults", &self.faults)
            .field("times", &self.times)
            .finish_non_exhaustive()
    }
}

/// A mounted stub: how often it has been called so far.
#[derive(Debug, Clone)]
pub struct Mounted {
    label: String,
    calls: Arc<AtomicU64>,
}

impl Mounted {
    /// The requests this stub has answered, faults included.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    /// The operation, method and path template, as failure messages name it.
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// The answers of a stub, once described.
pub(crate) enum Answers {
    /// Every call gets the next one; the last one repeats.
    Sequence(Vec<ResponseTemplate>),
    /// One answer per page: the `n`-th one only to the request with the `n`-th token.
    Pages(Vec<(TokenRule, ResponseTemplate)>),
}

impl<B: Send + 'static, R: Send + 'static> Stub<B, R> {
    /// A stub of `operation` of API `A` on `server`.
    pub fn new<A: Api>(
        server: &MockServer,
        operation: &'static Operation,
        decode: BodyDecoder<B>,
        encode: ResponseEncoder<R>,
    ) -> Self {
        let method = Method::from_bytes(operation.method.as_bytes()).unwrap_or(Method::GET);
        Self {
            server: server.clone(),
            operation,
            base_path: base_path::<A>(),
            decode,
            encode,
            path_values: Vec::new(),
            expected: Request::new(method, operation.id, operation.path, String::new()),
            body_checks: Vec::new(),
            faults: Vec::new(),
            times: None,
            headers: Vec::new(),
            extra_fields: Map::new(),
            problems: Vec::new(),
        }
    }

    /// Expects `value` for the `position`-th placeholder of the path template (counting
    /// from 0; `name` is its name in the document), encoded as the client encodes it.
    pub fn expect_path(&mut self, position: usize, name: &str, value: &impl QueryValue) {
        if self.path_values.len() <= position {
            self.path_values.resize(position + 1, None);
        }
        match crate::path_segment(name, value) {
            Ok(encoded) => self.path_values[position] = Some(encoded),
            Err(e) => self.problems.push(e.to_string()),
        }
    }

    /// Expects the query pairs the client sends for parameter `name` with `value`.
    pub fn expect_query(&mut self, name: &str, value: &impl QueryValue) {
        self.expected.query(name, value);
    }

    /// Expects an array parameter joined into one pair with `separator`.
    pub fn expect_query_joined(&mut self, name: &str, value: &impl QueryValue, separator: &str) {
        self.expected.query_joined(name, value, separator);
    }

    /// Expects `name[key]=value` (bracket notation).
    pub fn expect_query_bracketed<T: QueryValue>(&mut self, name: &str, key: &str, value: T) {
        self.expected
            .query_bracketed(name, &[(key.to_owned(), value)]);
    }

    /// Expects `key=value` for a parameter whose name the caller chooses.
    pub fn expect_query_caller_named<T: QueryValue>(&mut self, key: &str, value: T) {
        self.expected.query_caller_named(&[(key.to_owned(), value)]);
    }

    /// Expects header parameter `name` with `value`.
    pub fn expect_header(&mut self, name: &str, value: &impl QueryValue) {
        if let Err(e) = self.expected.header(name, value) {
            self.problems.push(e.to_string());
        }
    }

    /// The body this stub answers with: `value` encoded, the extra fields and headers
    /// added. Panics (failing the test) when the value cannot be encoded.
    pub(crate) fn answer(&self, status: u16, value: &R) -> (ResponseTemplate, Vec<u8>) {
        let mut body = (self.encode)(value).unwrap_or_else(|e| {
            panic!(
                "amperity mock: {}: the answer does not encode: {e}",
                self.operation.label()
            )
        });
        if !self.extra_fields.is_empty() {
            body = self.with_extra_fields(&body, &self.extra_fields);
        }
        (self.template(status, body.clone()), body)
    }

    /// A JSON object body with `fields` added (or replaced).
    pub(crate) fn with_extra_fields(&self, body: &[u8], fields: &Map<String, Value>) -> Vec<u8> {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(mut object)) => {
                object.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
                serde_json::to_vec(&object).unwrap_or_default()
            }
            _ => panic!(
                "amperity mock: {}: fields can only be added to a JSON object answer",
                self.operation.label()
            ),
        }
    }

    pub(crate) fn template(&self, status: u16, body: Vec<u8>) -> ResponseTemplate {
        let mut template = ResponseTemplate::new(status);
        if !self.operation.content_type.is_empty() {
            template = template.set_body_raw(body, self.operation.content_type);
        }
        for (name, value) in &self.headers {
            template = template.insert_header(name.as_str(), value.as_str());
        }
        template
    }

    /// The error answer `error`, with this stub's extra headers.
    pub(crate) fn error_answer(&self, error: &MockError) -> ResponseTemplate {
        let mut template = error.template();
        for (name, value) in &self.headers {
            template = template.insert_header(name.as_str(), value.as_str());
        }
        template
    }

    pub(crate) fn paging(&self) -> Paging {
        self.operation.paging.unwrap_or_else(|| {
            panic!(
                "amperity mock: {} is not a paginated list",
                self.operation.label()
            )
        })
    }

    /// Mounts faults and answers on the server; `first_body` is the first answer's body,
    /// which the faults that distort an answer distort.
    pub(crate) async fn mount(self, answers: Answers, first_body: Vec<u8>) -> Mounted {
        let label = self.operation.label();
        if !self.problems.is_empty() {
            panic!(
                "amperity mock: {label}: the stub expects what the client never sends: {}",
                self.problems.join("; ")
            );
        }
        let matcher = Arc::new(StubMatcher {
            method: self.expected.method.clone(),
            base_path: self.base_path.clone(),
            pieces: pieces(self.operation.path, &self.path_values),
            query: self.expected.query.clone(),
            headers: self.expected.headers.clone(),
            decode: self.decode,
            body_checks: self.body_checks.clone(),
        });
        let calls = Arc::new(AtomicU64::new(0));
        let counted = |what: &str| Counted {
            calls: calls.clone(),
            log: self.server.log(),
            label: format!("{}{what}", self.operation.id),
        };
        let server = &self.server.inner.server;
        let first_answer = answers
            .first()
            .cloned()
            .unwrap_or_else(|| ResponseTemplate::new(self.operation.status));
        // Faults first: mounted before the answers, each stops matching after its count.
        for (fault, times) in &self.faults {
            let what = format!(" ({})", fault.describe());
            let given = Mock::given(Matcher {
                stub: matcher.clone(),
                token: TokenRule::Any,
            });
            let counted = counted(&what);
            let mock = match fault.template(&first_answer, &first_body) {
                Some(template) => given.respond_with(Answer::new(counted, vec![template])),
                None => {
                    given.respond_with_err(move |request: &Received| counted.disconnect(request))
                }
            };
            mock.up_to_n_times(*times)
                .named(format!("{label}{what}"))
                .mount(server)
                .await;
        }
        for (token, templates, what) in answers.into_mocks() {
            Mock::given(Matcher {
                stub: matcher.clone(),
                token,
            })
            .respond_with(Answer::new(counted(&what), templates))
            .named(format!("{label}{what}"))
            .mount(server)
            .await;
        }
        if let Some(expected) = self.times {
            self.server
                .expect_calls(label.clone(), calls.clone(), expected);
        }
        Mounted { label, calls }
    }
}

impl Answers {
    fn first(&self) -> Option<&ResponseTemplate> {
        match self {
            Answers::Sequence(templates) => templates.first(),
            Answers::Pages(pages) => pages.first().map(|(_, template)| template),
        }
    }

    /// One mock per page (or one for a sequence): its page rule, its answers, and what
    /// the log says of it.
    fn into_mocks(self) -> Vec<(TokenRule, Vec<ResponseTemplate>, String)> {
        match self {
            Answers::Sequence(templates) => vec![(TokenRule::Any, templates, String::new())],
            Answers::Pages(pages) => {
                let count = pages.len();
                pages
                    .into_iter()
                    .enumerate()
                    .map(|(n, (rule, template))| {
                        (
                            rule,
                            vec![template],
                            format!(" (page {} of {count})", n + 1),
                        )
                    })
                    .collect()
            }
        }
    }
}

/// Counts a stub's calls and logs each one.
struct Counted {
    calls: Arc<AtomicU64>,
    log: Arc<Mutex<Vec<String>>>,
    label: String,
}

impl Counted {
    fn record(&self, request: &Received) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        lock(&self.log).push(format!("{} -> {}", request_line(request), self.label));
    }
}

impl Counted {
    /// Counts the request and makes the server close the connection.
    fn disconnect(&self, request: &Received) -> std::io::Error {
        self.record(request);
        std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "amperity mock: connection closed without an answer",
        )
    }
}

/// Answers with the next template of a sequence (the last one repeats).
struct Answer {
    counted: Counted,
    templates: Vec<ResponseTemplate>,
    next: AtomicUsize,
}

impl Answer {
    fn new(counted: Counted, templates: Vec<ResponseTemplate>) -> Self {
        Self {
            counted,
            templates,
            next: AtomicUsize::new(0),
        }
    }
}

impl Respond for Answer {
    fn respond(&self, request: &Received) -> ResponseTemplate {
        self.counted.record(request);
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let last = self.templates.len().saturating_sub(1);
        self.templates
            .get(n.min(last))
            .cloned()
            .unwrap_or_else(|| ResponseTemplate::new(500))
    }
}
