//! A stub's answers, made into response templates: one value, a sequence, an error,
//! pages with made-up tokens.

use std::future::Future;

use serde_json::Value;

use super::fault::MockError;
use super::matching::TokenRule;
use super::stub::{Answers, Mounted, Stub};

impl<B: Send + 'static, R: Send + 'static> Stub<B, R> {
    pub(crate) fn respond_status(
        self,
        status: u16,
        value: &R,
    ) -> impl Future<Output = Mounted> + Send + use<B, R> {
        let (template, body) = self.answer(status, value);
        self.mount(Answers::Sequence(vec![template]), body)
    }

    /// A sample as the one answer; of a paginated list, as its only page (a sample's
    /// token, taken from the document's example, would send the client after a second).
    pub(crate) fn respond_sample(
        self,
        value: &R,
    ) -> impl Future<Output = Mounted> + Send + use<B, R> {
        let status = self.operation.status();
        let (template, body) = match self.operation.paging() {
            Some(paging) => {
                let (_, body) = self.answer(status, value);
                let last = paging
                    .token_required()
                    .then(|| Value::String(String::new()));
                let body = self.with_token(&body, paging.token_field(), last);
                (self.template(status, body.clone()), body)
            }
            None => self.answer(status, value),
        };
        self.mount(Answers::Sequence(vec![template]), body)
    }

    pub(crate) fn sequence(self, values: &[R]) -> impl Future<Output = Mounted> + Send + use<B, R> {
        let status = self.operation.status();
        let mut first_body = Vec::new();
        let mut templates = Vec::with_capacity(values.len());
        for (n, value) in values.iter().enumerate() {
            let (template, body) = self.answer(status, value);
            if n == 0 {
                first_body = body;
            }
            templates.push(template);
        }
        if templates.is_empty() {
            panic!(
                "amperity mock: `{}`: a sequence needs at least one value",
                self.operation.id()
            );
        }
        self.mount(Answers::Sequence(templates), first_body)
    }

    pub(crate) fn fail(
        self,
        error: &MockError,
    ) -> impl Future<Output = Mounted> + Send + use<B, R> {
        let template = self.error_answer(error);
        let body = serde_json::to_vec(error).unwrap_or_default();
        self.mount(Answers::Sequence(vec![template]), body)
    }

    /// Page `n` is answered to the request carrying token `n` (none for the first) and
    /// carries token `n + 1` (none, or empty when the model requires it, for the last).
    pub(crate) fn pages(self, pages: &[R]) -> impl Future<Output = Mounted> + Send + use<B, R> {
        let paging = self.paging();
        let status = self.operation.status();
        let token = |n: usize| format!("{}-page-{}", self.operation.id(), n + 1);
        if pages.is_empty() {
            panic!(
                "amperity mock: `{}`: `pages` needs at least one page",
                self.operation.id()
            );
        }
        let mut first_body = Vec::new();
        let mut answers = Vec::with_capacity(pages.len());
        for (n, page) in pages.iter().enumerate() {
            let (_, body) = self.answer(status, page);
            let next = if n + 1 < pages.len() {
                Some(Value::String(token(n + 1)))
            } else if paging.token_required() {
                Some(Value::String(String::new()))
            } else {
                None
            };
            let body = self.with_token(&body, paging.token_field(), next);
            if n == 0 {
                first_body = body.clone();
            }
            let rule = if n == 0 {
                TokenRule::Absent(paging.token_param())
            } else {
                TokenRule::Equals(paging.token_param(), token(n))
            };
            answers.push((rule, self.template(status, body)));
        }
        self.mount(Answers::Pages(answers), first_body)
    }

    /// The page body with its token field set to `token`, or removed.
    fn with_token(&self, body: &[u8], field: &str, token: Option<Value>) -> Vec<u8> {
        let mut fields = serde_json::Map::new();
        match token {
            Some(token) => {
                fields.insert(field.to_owned(), token);
                self.with_extra_fields(body, &fields)
            }
            None => match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(mut object)) => {
                    object.remove(field);
                    serde_json::to_vec(&object).unwrap_or_default()
                }
                _ => body.to_vec(),
            },
        }
    }
}
