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
    cursor: Cursor,
    /// How pages are fetched when they are not a generated operation's request.
    custom: Option<FetchPage<P>>,
    /// The page on its way.
    in_flight: Option<PageFuture<P>>,
}

/// Everything about a page stream that does not depend on the page type. It is not
/// generic, so it is compiled once, here, rather than in every crate that makes a stream:
/// constructing `Pages<P>` in a generated crate costs a few moves.
struct Cursor {
    operation_id: &'static str,
    /// A generated operation's request (without its token), the client that sends it
    /// and the name of the token parameter; `None` for a custom fetch.
    request: Option<(ApiClient, Request, &'static str)>,
    next: Next,
    seen: HashSet<String>,
    fetched: usize,
}

/// What the stream does when it is next polled (with no page on its way).
enum Next {
    /// Fetch the page of this token (none: the first page).
    Fetch(Option<String>),
    /// The request could not be built: this error is the next and last item.
    Failed(Error),
    /// Ended after the last page or an error.
    Done,
}

impl Cursor {
    fn new(
        operation_id: &'static str,
        first_token: Option<String>,
        request: Option<(ApiClient, Request, &'static str)>,
    ) -> Self {
        let first_token = first_token.filter(|t| !t.is_empty());
        Self {
            operation_id,
            request,
            seen: first_token.iter().cloned().collect(),
            next: Next::Fetch(first_token),
            fetched: 0,
        }
    }

    fn for_request(
        client: &ApiClient,
        operation_id: &'static str,
        token_param: &'static str,
        first_token: Option<String>,
        request: Result<Request, Error>,
    ) -> Self {
        match request {
            Ok(request) => Self::new(
                operation_id,
                first_token,
                Some((client.clone(), request, token_param)),
            ),
            Err(error) => Self {
                next: Next::Failed(error),
                ..Self::new(operation_id, None, None)
            },
        }
    }

    /// The request for the page of `token`, and the client to send it with; `None` when
    /// pages are fetched some other way.
    fn request_for(&self, token: Option<String>) -> Option<(ApiClient, Request)> {
        let (client, request, token_param) = self.request.as_ref()?;
        let mut request = request.clone();
        request.query(token_param, &token);
        Some((client.clone(), request))
    }

    /// Records a page that arrived with `next_token`: what to fetch next, the end, or an
    /// error for a token the server already handed out.
    fn after(&mut self, next_token: Option<&str>) -> Result<(), Error> {
        self.fetched += 1;
        self.next = Next::Done;
        match next_token {
            None | Some("") => Ok(()),
            Some(token) if !self.seen.insert(token.to_owned()) => Err(Error::Pagination(format!(
                "{}: page {} repeats the next_token {token:?} of an earlier page; \
                 stopped instead of fetching the same pages forever",
                self.operation_id, self.fetched
            ))),
            Some(token) => {
                self.next = Next::Fetch(Some(token.to_owned()));
                Ok(())
            }
        }
    }

    fn is_done(&self) -> bool {
        matches!(self.next, Next::Done)
    }
}

impl<P> fmt::Debug for Pages<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("operation_id", &self.cursor.operation_id)
            .field("fetched", &self.cursor.fetched)
            .field("done", &(self.cursor.is_done() && self.in_flight.is_none()))
            .finish_non_exhaustive()
    }
}

impl<P: Page + Send + 'static> Pages<P> {
    /// Pages of `operation_id`, whose first page `request` describes (an error building
    /// it is the stream's one item), starting at `first_token` (none for the first page).
    /// `request` must not carry the token itself: the pager adds `token_param` for every
    /// page after the first. Generated code calls this.
    ///
    /// The sending future is made (and boxed) in the generic `Stream` impl, so a generated
    /// crate does not compile the JSON decoding of every list body up front: only the
    /// crate that polls a stream instantiates it, for the streams it uses.
    #[doc(hidden)]
    pub fn of_request(
        client: &ApiClient,
        operation_id: &'static str,
        token_param: &'static str,
        first_token: Option<String>,
        request: Result<Request, Error>,
    ) -> Self {
        Self {
            cursor: Cursor::for_request(client, operation_id, token_param, first_token, request),
            custom: None,
            in_flight: None,
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
        Self {
            cursor: Cursor::new(operation_id, first_token, None),
            custom: Some(Box::new(move |token| Box::pin(fetch(token)))),
            in_flight: None,
        }
    }

    /// A stream of the items of every page, in order.
    pub fn items(self) -> Items<P> {
        Items {
            pages: self,
            current: None,
        }
    }

    /// How many pages were fetched so far.
    pub fn pages_fetched(&self) -> usize {
        self.cursor.fetched
    }
}

impl<P: Page + DeserializeOwned + Send + 'static> Pages<P> {
    /// The future of the page of `token`.
    fn fetch(&mut self, token: Option<String>) -> PageFuture<P> {
        if let Some(fetch) = &mut self.custom {
            return fetch(token);
        }
        match self.cursor.request_for(token) {
            Some((client, request)) => Box::pin(async move { client.send::<P>(request).await }),
            // Not reached: a stream has either a request or a custom fetch.
            None => Box::pin(std::future::ready(Err(Error::InvalidRequest(format!(
                "{}: the pager has no request to send",
                self.cursor.operation_id
            ))))),
        }
    }
}

impl<P: Page + DeserializeOwned + Send + 'static> Stream for Pages<P> {
    type Item = Result<Response<P>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(future) = &mut this.in_flight {
                let outcome = ready!(future.as_mut().poll(cx));
                this.in_flight = None;
                return Poll::Ready(Some(match outcome {
                    Ok(page) => match this.cursor.after(page.next_token()) {
                        Ok(()) => Ok(page),
                        Err(e) => Err(e),
                    },
                    Err(e) => {
                        this.cursor.fetched += 1;
                        Err(e)
                    }
                }));
            }
            match std::mem::replace(&mut this.cursor.next, Next::Done) {
                Next::Done => return Poll::Ready(None),
                Next::Failed(error) => return Poll::Ready(Some(Err(error))),
                Next::Fetch(token) => this.in_flight = Some(this.fetch(token)),
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
    /// The rest of the current page (none before the first and between pages).
    current: Option<std::vec::IntoIter<P::Item>>,
}

impl<P: Page> fmt::Debug for Items<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.current.as_ref().map_or(0, |c| c.len()))
            .finish()
    }
}

impl<P: Page + Send + 'static> Items<P> {
    /// How many pages were fetched so far.
    pub fn pages_fetched(&self) -> usize {
        self.pages.cursor.fetched
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
            if let Some(item) = this.current.as_mut().and_then(Iterator::next) {
                return Poll::Ready(Some(Ok(item)));
            }
            // Free the used-up page before the next one arrives: at most one page is held.
            this.current = None;
            match ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                Some(Ok(page)) => this.current = Some(page.into_inner().into_items().into_iter()),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.current.as_ref().map_or(0, |c| c.len());
        if self.pages.cursor.is_done() && self.pages.in_flight.is_none() {
            (buffered, Some(buffered))
        } else {
            (buffered, None)
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
            const RATE_LIMIT_FAMILY: &'static str = "test";
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
