//! Recognises Amperity's cursor-paginated list operations.
//!
//! All of these must hold: an optional `next_token` query parameter of type string, and a
//! success body that is a model with a `data` array and a `next_token` string. An
//! operation whose body has `next_token` but which takes none (ingest jobs) is not
//! paginated: the server would ignore the token and the pager would loop.

use std::collections::BTreeMap;

use crate::ir::{Location, Media, Model, ModelKind, Operation, Pagination, Payload, TypeRef};

const TOKEN: &str = "next_token";
const ITEMS: &str = "data";

/// Marks every paginated operation.
pub fn detect(operations: &mut [Operation], models: &BTreeMap<String, Model>) {
    for op in operations {
        op.pagination = pagination(op, models);
    }
}

fn pagination(op: &Operation, models: &BTreeMap<String, Model>) -> Option<Pagination> {
    let token_param = op.params.iter().find(|p| {
        p.name.wire == TOKEN
            && p.location == Location::Query
            && !p.required
            && p.ty == TypeRef::String
    })?;
    let Some(Payload {
        ty: TypeRef::Named(page),
        media: Media::Json,
        ..
    }) = op.success.payload()
    else {
        return None;
    };
    let ModelKind::Struct(fields) = &models.get(page)?.kind else {
        return None;
    };
    let items = fields.iter().find(|f| f.name.wire == ITEMS && !f.boxed)?;
    let TypeRef::Array(item) = &items.ty else {
        return None;
    };
    let token = fields
        .iter()
        .find(|f| f.name.wire == TOKEN && f.ty == TypeRef::String && !f.boxed)?;
    Some(Pagination {
        page: page.clone(),
        item: (**item).clone(),
        items_field: items.name.clone(),
        items_optional: items.optional(),
        token_field: token.name.clone(),
        token_optional: token.optional(),
        token_param: token_param.name.clone(),
    })
}
