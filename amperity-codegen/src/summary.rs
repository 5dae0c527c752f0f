//! A compact text summary of the IR: what a spec refresh changed, reviewable on one screen.

use std::fmt::Write;

use crate::ir::{Api, Location, Media, ModelKind, QueryKeys, TypeRef};

/// One line per operation, parameter, model and field.
pub fn summary(api: &Api) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "api {:?} version {:?} module {}",
        api.title, api.version, api.module
    );
    for server in &api.servers {
        let vars: Vec<&str> = server.variables.iter().map(|v| v.wire.as_str()).collect();
        let _ = writeln!(
            out,
            "server {} {}{}",
            server.name,
            server.url,
            if vars.is_empty() {
                String::new()
            } else {
                format!(" vars({})", vars.join(", "))
            }
        );
    }
    if let Some(rate) = api.rate_limit {
        let _ = writeln!(out, "rate limit {rate}/s");
    }
    if let Some(tenant) = &api.tenant_header {
        let _ = writeln!(out, "ambient header {tenant} = <tenant>");
    }
    if let Some(version) = &api.api_version {
        let values: Vec<String> = version
            .values
            .iter()
            .map(|v| format!("{}={}", v.rust, v.wire))
            .collect();
        let _ = writeln!(
            out,
            "ambient header {} = {} of [{}]",
            version.header,
            version.default,
            values.join(", ")
        );
    }
    let _ = writeln!(out, "\noperations ({}):", api.operations.len());
    for op in &api.operations {
        let _ = writeln!(
            out,
            "  {} {} {}  [{}]{}",
            op.name.rust,
            op.method,
            op.path,
            op.name.wire,
            if op.deprecated { " deprecated" } else { "" }
        );
        for p in &op.params {
            let loc = match p.location {
                Location::Path => "path",
                Location::Query => "query",
                Location::Header => "header",
            };
            let joined = p
                .separator
                .map(|s| format!(" joined by {s:?}"))
                .unwrap_or_default();
            let keys = match p.keys {
                QueryKeys::Fixed => "",
                QueryKeys::Bracketed => "[key]",
                QueryKeys::CallerNamed => " (caller-named)",
            };
            let _ = writeln!(
                out,
                "    {loc} {}{keys}{}: {}{joined}{}",
                p.name.rust,
                if p.required { "" } else { "?" },
                ty(&p.ty),
                renamed(&p.name.rust, &p.name.wire)
            );
        }
        if let Some(body) = &op.body {
            let media = if body.media == Media::Json {
                String::new()
            } else {
                format!(" as {}", body.content_type)
            };
            let _ = writeln!(
                out,
                "    body{}: {}{media}",
                if body.required { "" } else { "?" },
                ty(&body.ty)
            );
        }
        if op.success.outcomes.is_empty() {
            let statuses: Vec<String> = op.success.statuses.iter().map(u16::to_string).collect();
            let media = match (&op.success.content_type, op.success.media) {
                (Some(content_type), Media::Text | Media::Bytes) => format!(" as {content_type}"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "    -> {} {}{media}",
                statuses.join("|"),
                op.success.body.as_ref().map_or("(no body)".to_owned(), ty)
            );
        } else {
            for outcome in &op.success.outcomes {
                let _ = writeln!(
                    out,
                    "    -> {} {}: {}",
                    outcome.status,
                    outcome.name,
                    outcome.body.as_ref().map_or("(no body)".to_owned(), ty)
                );
            }
        }
        if let Some(pages) = &op.pagination {
            let _ = writeln!(
                out,
                "    paginated: stream of {} from {}.{}",
                ty(&pages.item),
                pages.page,
                pages.items_field
            );
        }
    }
    let _ = writeln!(out, "\nmodels ({}):", api.models.len());
    for model in api.models.values() {
        let name = &model.name;
        match &model.kind {
            ModelKind::Struct(fields) => {
                let _ = writeln!(
                    out,
                    "  struct {}{}{}",
                    name.rust,
                    renamed(&name.rust, &name.wire),
                    if model.request_body {
                        " (request body)"
                    } else {
                        ""
                    }
                );
                for f in fields {
                    let opt = if f.optional() { "?" } else { "" };
                    let boxed = if f.boxed { " boxed" } else { "" };
                    let nullable = if f.nullable { " nullable" } else { "" };
                    let _ = writeln!(
                        out,
                        "    {}{opt}: {}{nullable}{boxed}{}",
                        f.name.rust,
                        ty(&f.ty),
                        renamed(&f.name.rust, &f.name.wire)
                    );
                }
            }
            ModelKind::Union(union) => {
                let _ = writeln!(
                    out,
                    "  union {}{}{}",
                    name.rust,
                    renamed(&name.rust, &name.wire),
                    union
                        .discriminator
                        .as_ref()
                        .map(|d| format!(" by {d}"))
                        .unwrap_or_default()
                );
                for v in &union.variants {
                    let tags = if v.tags.is_empty() {
                        String::new()
                    } else {
                        format!(" = {}", v.tags.join(" | "))
                    };
                    let boxed = if v.boxed { " boxed" } else { "" };
                    let _ = writeln!(out, "    {}({}){boxed}{tags}", v.name, ty(&v.ty));
                }
            }
            ModelKind::Enum(variants) => {
                let values: Vec<String> = variants
                    .iter()
                    .map(|v| format!("{}={}", v.rust, v.wire))
                    .collect();
                let _ = writeln!(
                    out,
                    "  enum {}{} [{}]",
                    name.rust,
                    renamed(&name.rust, &name.wire),
                    values.join(", ")
                );
            }
            ModelKind::Alias(target) => {
                let _ = writeln!(
                    out,
                    "  type {}{} = {}",
                    name.rust,
                    renamed(&name.rust, &name.wire),
                    ty(target)
                );
            }
        }
    }
    out
}

fn renamed(rust: &str, wire: &str) -> String {
    if rust == wire {
        String::new()
    } else {
        format!("  ({wire})")
    }
}

fn ty(t: &TypeRef) -> String {
    match t {
        TypeRef::String => "String".into(),
        TypeRef::Bool => "bool".into(),
        TypeRef::I32 => "i32".into(),
        TypeRef::I64 => "i64".into(),
        TypeRef::F32 => "f32".into(),
        TypeRef::F64 => "f64".into(),
        TypeRef::DateTime => "DateTime".into(),
        TypeRef::Date => "Date".into(),
        TypeRef::Json => "Json".into(),
        TypeRef::Bytes => "Bytes".into(),
        TypeRef::Named(n) => n.clone(),
        TypeRef::Array(i) => format!("[{}]", ty(i)),
        TypeRef::Map(v) => format!("{{String: {}}}", ty(v)),
    }
}
