//! The mock server seen from one API: clients of that API's type.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use super::server::MockServer;
use crate::{Api, ClientBuilder};

/// A [`MockServer`] for API `A`: hands out `A`'s clients. Generated `MockAmperity` types
/// dereference to it (so an operation named like one of these methods shadows it
/// there; `mock.api()` still reaches it), and it dereferences to the server.
pub struct MockApi<A: Api> {
    server: MockServer,
    api: PhantomData<fn() -> A>,
}

impl<A: Api> MockApi<A> {
    /// Starts a server on `127.0.0.1` (see [`MockServer::start`]).
    pub async fn start() -> Self {
        Self {
            server: MockServer::start().await,
            api: PhantomData,
        }
    }

    /// This value, by name (for when an operation's stub method shadows one of its
    /// methods).
    pub fn api(&self) -> &Self {
        self
    }

    /// The server.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// A client with a static bearer token; see [`MockServer::client_builder`].
    pub fn client(&self) -> A::Client {
        self.client_builder()
            .build()
            .unwrap_or_else(|e| panic!("amperity mock: the client does not build: {e}"))
    }

    /// A builder of such clients, to change before `build()` (a rate limit, a timeout,
    /// a retry policy).
    pub fn client_builder(&self) -> ClientBuilder<A> {
        self.server.client_builder::<A>()
    }

    /// A client with OAuth2 client credentials, exchanged at the server's token endpoint
    /// (see [`MockServer::oauth_client_builder`]).
    pub async fn oauth_client(&self) -> A::Client {
        self.oauth_client_builder()
            .await
            .build()
            .unwrap_or_else(|e| panic!("amperity mock: the client does not build: {e}"))
    }

    /// A builder of such clients.
    pub async fn oauth_client_builder(&self) -> ClientBuilder<A> {
        self.server.oauth_client_builder::<A>().await
    }

    /// The base URL the clients use (the server's root and the API's base path), for
    /// code under test that builds its own client.
    pub fn base_url(&self) -> String {
        self.server.base_url::<A>()
    }
}

impl<A: Api> Deref for MockApi<A> {
    type Target = MockServer;
    fn deref(&self) -> &MockServer {
        &self.server
    }
}

impl<A: Api> Clone for MockApi<A> {
    fn clone(&self) -> Self {
        Self {
            server: self.server.clone(),
            api: PhantomData,
        }
    }
}

impl<A: Api> fmt::Debug for MockApi<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockApi")
            .field("api", &A::TITLE)
            .field("server", &self.server)
            .finish()
    }
}
