//! Cursor pagination: one pager for every list operation of every API.
//!
//! Amperity's rules (from its API documentation): the request takes `limit`,
//! `next_token` and `with_total`; the answer has `data`, `next_token` and `total`; the
//! last page is the one whose `next_token` is absent or empty; `next_token` must never be
//! sent as null. The pager fetches lazily, one page at a time, only when the stream is
//! polled past the items it holds; it stops with an error, instead of looping forever,
//! when the server hands out a token it already gave.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use serde::de::DeserializeOwned;

use crate::{ApiClient, Error, Request, Response};

/// A page of a cursor-paginated list; generated code implements it for each list body.
pub trait Page: Sized {
    /// What the list holds.
    type Item;
    /// The cursor of the next page, as the server sent it.
    fn next_token(&self) -> Option<&str>;
    /// The items of this page, in order.
    fn into_items(self) -> Vec<Self::Item>;
}

type PageFuture<P> = Pin<Box<dyn Future<Output = Result<Response<P>, Error>> + Send>>;
type FetchPage<P> = Box<dyn FnMut(Option<String>) -> PageFuture<P> + Send>;

/// A stream of whole pages (with their status, headers and, when `with_total` was set,
/// `total`). Made by the `pages()` method of a paginated operation's request builder.
///
/// It is `Unpin`, so `futures::TryStreamExt::try_next` works on it directly.
#[must_use = "streams do nothing unless polled"]
pub struct Pages<P> {
    operation_id: &'static str,
    fetch: Fetch<P>,
    state: State<P>,
    seen: HashSet<String>,
    fetched: usize,
}

/// How a page is fetched from its token.
#[allow(
    clippy::large_enum_variant,
    reason = "one per stream, and the common variant: boxing it would only add an allocation"
)]
enum Fetch<P> {
    /// A generated operation's request, sent with `token_param` added for every page but
    /// the first. The sending future is made (and boxed) in the generic `Stream` impl, so
    /// a generated crate does not compile the JSON decoding of every list body up front:
    /// only the crate that polls a stream instantiates it, for the streams it uses.
    Request {
        client: ApiClient,
        request: Request,
        token_param: &'static str,
    },
    /// Any other way of fetching a page (see [`Pages::new`]).
    Custom(FetchPage<P>),
    /// The request could not be built: the stream's one item is that error
    /// ([`State::Failed`]), after which it ends, so no page is ever asked of this.
    Nothing,
}

impl<P: DeserializeOwned + Send + 'static> Fetch<P> {
    fn start(&mut self, operation_id: &'static str, token: Option<String>) -> PageFuture<P> {
        match self {
            Fetch::Request {
                client,
                request,
                token_param,
            } => {
                let client = client.clone();
                let mut request = request.clone();
                request.query(token_param, &token);
                Box::pin(async move { client.send::<P>(request).await })
            }
            Fetch::Custom(fetch) => fetch(token),
            Fetch::Nothing => Box::pin(std::future::ready(Err(Error::InvalidRequest(format!(
                "{operation_id}: the pager has no request to send"
            ))))),
        }
    }
}

enum State<P> {
    /// The next request to send, with this token (or none, for the first page).
    Ready(Option<String>),
    Fetching(PageFuture<P>),
    /// The request could not be built; this error is the next and last item.
    Failed(Error),
    /// Ended after the last page or an error.
    Done,
}

impl<P> fmt::Debug for Pages<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("operation_id", &self.operation_id)
            .field("fetched", &self.fetched)
            .field("done", &matches!(self.state, State::Done))
            .finish_non_exhaustive()
    }
}

impl<P: Page + Send + 'static> Pages<P> {
    /// Pages of `operation_id`, whose first page `request` describes (an error building
    /// it is the stream's one item), starting at `first_token` (none for the first page).
    /// `request` must not carry the token itself: the pager adds `token_param` for every
    /// page after the first. Generated code calls this.
    pub fn of_request(
        client: &ApiClient,
        operation_id: &'static str,
        token_param: &'static str,
        first_token: Option<String>,
        request: Result<Request, Error>,
    ) -> Self {
        match request {
            Ok(request) => Self::with_fetch(
                operation_id,
                first_token,
                Fetch::Request {
                    client: client.clone(),
                    request,
                    token_param,
                },
            ),
            Err(error) => Self {
                operation_id,
                fetch: Fetch::Nothing,
                state: State::Failed(error),
                seen: HashSet::new(),
                fetched: 0,
            },
        }
    }

    /// Pages of `operation_id`, starting at `first_token` (none for the first page);
    /// `fetch` sends the request with the given token, for lists that are not a generated
    /// operation's (or tests).
    pub fn new<F, Fut>(
        operation_id: &'static str,
        first_token: Option<String>,
        mut fetch: F,
    ) -> Self
    where
        F: FnMut(Option<String>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Response<P>, Error>> + Send + 'static,
    {
        Self::with_fetch(
            operation_id,
            first_token,
            Fetch::Custom(Box::new(move |token| Box::pin(fetch(token)))),
        )
    }

    fn with_fetch(
        operation_id: &'static str,
        first_token: Option<String>,
        fetch: Fetch<P>,
    ) -> Self {
        let first_token = first_token.filter(|t| !t.is_empty());
        Self {
            operation_id,
            fetch,
            seen: first_token.iter().cloned().collect(),
            state: State::Ready(first_token),
            fetched: 0,
        }
    }

    /// A stream of the items of every page, in order.
    pub fn items(self) -> Items<P> {
        Items {
            pages: self,
            current: Vec::new().into_iter(),
        }
    }

    /// How many pages were fetched so far.
    pub fn pages_fetched(&self) -> usize {
        self.fetched
    }

    /// What comes after `page`: the next token, the end, or an error for a token the
    /// server already handed out.
    fn after(&mut self, page: &P) -> Result<State<P>, Error> {
        match page.next_token() {
            None | Some("") => Ok(State::Done),
            Some(token) if !self.seen.insert(token.to_owned()) => Err(Error::Pagination(format!(
                "{}: page {} repeats the next_token {token:?} of an earlier page; \
                 stopped instead of fetching the same pages forever",
                self.operation_id, self.fetched
            ))),
            Some(token) => Ok(State::Ready(Some(token.to_owned()))),
        }
    }
}

impl<P: Page + DeserializeOwned + Send + 'static> Stream for Pages<P> {
    type Item = Result<Response<P>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            match std::mem::replace(&mut this.state, State::Done) {
                State::Done => return Poll::Ready(None),
                State::Failed(error) => return Poll::Ready(Some(Err(error))),
                State::Ready(token) => {
                    this.state = State::Fetching(this.fetch.start(this.operation_id, token));
                }
                State::Fetching(mut future) => {
                    let Poll::Ready(outcome) = future.as_mut().poll(cx) else {
                        this.state = State::Fetching(future);
                        return Poll::Pending;
                    };
                    this.fetched += 1;
                    return Poll::Ready(Some(outcome.and_then(|page| {
                        this.state = this.after(&page)?;
                        Ok(page)
                    })));
                }
            }
        }
    }
}

/// A stream of the items of every page, fetched lazily: the next page is requested only
/// once the items of the current one are consumed. Made by the `stream()` method of a
/// paginated operation's request builder. `Unpin`; errors end the stream.
#[must_use = "streams do nothing unless polled"]
pub struct Items<P: Page> {
    pages: Pages<P>,
    current: std::vec::IntoIter<P::Item>,
}

impl<P: Page> fmt::Debug for Items<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.current.len())
            .finish()
    }
}

impl<P: Page + Send + 'static> Items<P> {
    /// How many pages were fetched so far.
    pub fn pages_fetched(&self) -> usize {
        self.pages.fetched
    }
}

impl<P: Page + DeserializeOwned + Send + 'static> Stream for Items<P>
where
    P::Item: Unpin,
{
    type Item = Result<P::Item, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            // Free the used-up page before the next one arrives: at most one page is held.
            this.current = Vec::new().into_iter();
            match ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                Some(Ok(page)) => this.current = page.into_inner().into_items().into_iter(),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.current.len();
        match self.pages.state {
            State::Done => (buffered, Some(buffered)),
            _ => (buffered, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    use http::{HeaderMap, StatusCode};

    #[derive(serde::Deserialize)]
    struct TestPage {
        data: Vec<u32>,
        next_token: Option<String>,
    }

    impl Page for TestPage {
        type Item = u32;
        fn next_token(&self) -> Option<&str> {
            self.next_token.as_deref()
        }
        fn into_items(self) -> Vec<u32> {
            self.data
        }
    }

    type SentTokens = Arc<Mutex<Vec<Option<String>>>>;

    /// A fake server: page `n` holds `[10n, 10n + 1]` and points at `tokens[n]`.
    fn pager(
        tokens: &'static [Option<&'static str>],
        first: Option<&str>,
    ) -> (Pages<TestPage>, SentTokens) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let log = sent.clone();
        let pages = Pages::new(
            "list-things",
            first.map(str::to_owned),
            move |token: Option<String>| {
                let mut log = log.lock().unwrap();
                let n = log.len();
                log.push(token);
                let page = TestPage {
                    data: vec![10 * n as u32, 10 * n as u32 + 1],
                    next_token: tokens.get(n).copied().flatten().map(str::to_owned),
                };
                std::future::ready(Ok(Response::new(StatusCode::OK, HeaderMap::new(), page)))
            },
        );
        (pages, sent)
    }

    fn drain<S: Stream + Unpin>(mut stream: S) -> Vec<S::Item> {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut out = Vec::new();
        while let Poll::Ready(Some(item)) = Pin::new(&mut stream).poll_next(&mut cx) {
            out.push(item);
        }
        out
    }

    #[test]
    fn walks_every_page_until_the_token_is_absent_or_empty() {
        for last in [None, Some("")] {
            let tokens: &'static [Option<&'static str>] = if last.is_none() {
                &[Some("a"), Some("b"), None]
            } else {
                &[Some("a"), Some("b"), Some("")]
            };
            let (pages, sent) = pager(tokens, None);
            let items: Vec<u32> = drain(pages.items())
                .into_iter()
                .map(Result::unwrap)
                .collect();
            assert_eq!(items, [0, 1, 10, 11, 20, 21]);
            assert_eq!(
                *sent.lock().unwrap(),
                [None, Some("a".to_owned()), Some("b".to_owned())]
            );
        }
    }

    #[test]
    fn a_repeated_token_ends_with_an_error_not_a_loop() {
        let (pages, sent) = pager(&[Some("a"), Some("b"), Some("a"), Some("c")], None);
        let results = drain(pages);
        assert_eq!(results.len(), 3);
        let err = results[2].as_ref().err().unwrap().to_string();
        assert!(
            err.contains("list-things") && err.contains("\"a\""),
            "{err}"
        );
        assert_eq!(sent.lock().unwrap().len(), 3);
    }

    #[test]
    fn resumes_from_a_given_token_and_ignores_an_empty_one() {
        let (pages, sent) = pager(&[Some("x")], Some("start"));
        assert_eq!(drain(pages).len(), 2);
        assert_eq!(
            *sent.lock().unwrap(),
            [Some("start".to_owned()), Some("x".to_owned())]
        );
        let (pages, sent) = pager(&[None], Some(""));
        drain(pages);
        assert_eq!(*sent.lock().unwrap(), [None]);
    }

    #[test]
    fn fetches_lazily() {
        let (pages, sent) = pager(&[Some("a"), Some("b"), None], None);
        let mut items = pages.items();
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert!(matches!(
            Pin::new(&mut items).poll_next(&mut cx),
            Poll::Ready(Some(Ok(0)))
        ));
        assert!(matches!(
            Pin::new(&mut items).poll_next(&mut cx),
            Poll::Ready(Some(Ok(1)))
        ));
        assert_eq!(sent.lock().unwrap().len(), 1);
        assert!(matches!(
            Pin::new(&mut items).poll_next(&mut cx),
            Poll::Ready(Some(Ok(10)))
        ));
        assert_eq!(sent.lock().unwrap().len(), 2);
    }

    #[test]
    fn an_error_ends_the_stream() {
        let mut calls = 0;
        let pages: Pages<TestPage> = Pages::new("list-things", None, move |_| {
            calls += 1;
            std::future::ready(if calls == 1 {
                Ok(Response::new(
                    StatusCode::OK,
                    HeaderMap::new(),
                    TestPage {
                        data: vec![1],
                        next_token: Some("a".into()),
                    },
                ))
            } else {
                Err(Error::InvalidRequest("boom".into()))
            })
        });
        let results = drain(pages.items());
        assert_eq!(results.len(), 2);
        assert!(results[1].is_err());
    }

    #[test]
    fn a_request_that_cannot_be_built_is_the_one_item() {
        use crate::{Api, ClientBuilder, RateLimit, Unversioned};
        struct TestApi;
        impl Api for TestApi {
            type Client = ApiClient;
            type Version = Unversioned;
            const TITLE: &'static str = "Test API";
            const DEFAULT_BASE_URL: &'static str = "http://127.0.0.1:9/";
            const TENANT_HEADER: Option<&'static str> = None;
            const API_VERSION_HEADER: Option<&'static str> = None;
            const DEFAULT_RATE_LIMIT: Option<RateLimit> = None;
        }
        let client = ClientBuilder::<TestApi>::new()
            .bearer_token("t")
            .build()
            .unwrap();
        let pages: Pages<TestPage> = Pages::of_request(
            &client,
            "list-things",
            "next_token",
            Some("ignored".into()),
            Err(Error::InvalidRequest("header x: not a valid value".into())),
        );
        let results = drain(pages.items());
        assert_eq!(results.len(), 1);
        let err = results[0].as_ref().err().unwrap().to_string();
        assert!(err.contains("header x"), "{err}");
    }
}
