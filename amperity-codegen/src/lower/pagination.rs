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

/// Marks every paginated operation, and says in the docs of one whose body has a
/// `next_token` it cannot take back that it returns one page.
pub fn detect(operations: &mut [Operation], models: &BTreeMap<String, Model>) {
    for op in operations {
        op.pagination = pagination(op, models);
        if op.pagination.is_none() && token_without_parameter(op, models) {
            // Invent nothing (no parameter the document does not give), but do not let
            // the field suggest that more pages can be had.
            let note = "The response has a `next_token`, but the document gives this operation\n\
                        no `next_token` parameter: this is a plain call that returns one page,\n\
                        and the token cannot be sent back.";
            op.description = Some(match op.description.take() {
                Some(text) => format!("{}\n\n{note}", text.trim_end()),
                None => note.to_owned(),
            });
        }
    }
}

/// The success body has a `next_token` field, and no parameter takes it.
fn token_without_parameter(op: &Operation, models: &BTreeMap<String, Model>) -> bool {
    let Some(Payload {
        ty: TypeRef::Named(page),
        media: Media::Json,
        ..
    }) = op.success.payload()
    else {
        return false;
    };
    let has_field = matches!(
        models.get(page).map(|m| &m.kind),
        Some(ModelKind::Struct(fields)) if fields.iter().any(|f| f.name.wire == TOKEN)
    );
    has_field && !op.params.iter().any(|p| p.name.wire == TOKEN)
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
