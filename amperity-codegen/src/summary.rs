//! A compact text summary of the IR: what a spec refresh changed, reviewable on one screen.

use std::fmt::Write;

use crate::ir::{
    Access, Api, Arguments, FieldPlace, Location, Media, Model, ModelKind, ObjectStyle, Operation,
    Param, Payload, QueryKeys, Style, Success, TypeRef,
};

/// One line per operation, parameter, model and field.
pub fn summary(api: &Api) -> String {
    let mut out = String::new();
    header(&mut out, api);
    let _ = writeln!(out, "\noperations ({}):", api.operations.len());
    for op in &api.operations {
        operation(&mut out, op);
    }
    let _ = writeln!(out, "\nmodels ({}):", api.models.len());
    for model in api.models.values() {
        self::model(&mut out, model);
    }
    out
}

fn header(out: &mut String, api: &Api) {
    let _ = writeln!(
        out,
        "api {:?} version {:?} module {}",
        api.title, api.version, api.module
    );
    for server in &api.servers {
        let vars: Vec<&str> = server.variables.iter().map(|v| v.wire.as_str()).collect();
        let vars = if vars.is_empty() {
            String::new()
        } else {
            format!(" vars({})", vars.join(", "))
        };
        let _ = writeln!(out, "server {} {}{vars}", server.name.rust, server.url);
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
}

fn operation(out: &mut String, op: &Operation) {
    let _ = writeln!(
        out,
        "  {} {} {}  [{}]{}",
        op.name.rust,
        op.method,
        op.path,
        op.name.wire,
        if op.deprecated { " deprecated" } else { "" }
    );
    if let Some(server) = &op.server {
        let _ = writeln!(out, "    server {server}");
    }
    for (key, value) in &op.fixed_query {
        let _ = writeln!(out, "    query {key}={value} (always)");
    }
    if let Arguments::Struct(args) = &op.arguments {
        let _ = writeln!(out, "    required parameters in {}", args.rust);
    }
    for p in &op.params {
        param(out, p);
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
    match &op.success {
        Success::Single { statuses, payload } => {
            let statuses: Vec<String> = statuses.iter().map(u16::to_string).collect();
            let _ = writeln!(
                out,
                "    -> {} {}",
                statuses.join("|"),
                payload_text(payload.as_ref())
            );
        }
        Success::Outcomes { outcomes, .. } => {
            for outcome in outcomes {
                let boxed = if outcome.boxed { " boxed" } else { "" };
                let _ = writeln!(
                    out,
                    "    -> {} {}: {}{boxed}",
                    outcome.status,
                    outcome.name.rust,
                    payload_text(outcome.payload.as_ref())
                );
            }
        }
    }
    if let Some(pages) = &op.pagination {
        let _ = writeln!(
            out,
            "    paginated: stream of {} from {}.{}",
            ty(&pages.item),
            pages.page,
            pages.items_field.rust
        );
    }
}

fn payload_text(payload: Option<&Payload>) -> String {
    match payload {
        None => "(no body)".to_owned(),
        Some(p) if matches!(p.media, Media::Text | Media::Bytes) => {
            format!("{} as {}", ty(&p.ty), p.content_type)
        }
        Some(p) => ty(&p.ty),
    }
}

fn param(out: &mut String, p: &Param) {
    let loc = match p.location {
        Location::Path => "path",
        Location::Query => "query",
        Location::Header => "header",
    };
    let style = match p.style {
        Style::Plain => String::new(),
        Style::Joined(s) => format!(" joined by {s:?}"),
        Style::Object(ObjectStyle::FormExploded) => " as form fields".to_owned(),
        Style::Object(ObjectStyle::Form) => " as form list".to_owned(),
        Style::Object(ObjectStyle::DeepObject) => " as deepObject".to_owned(),
        Style::Object(ObjectStyle::Json) => " as JSON".to_owned(),
    };
    let keys = match p.keys {
        QueryKeys::Fixed => "",
        QueryKeys::Bracketed => "[key]",
        QueryKeys::CallerNamed => " (caller-named)",
    };
    let _ = writeln!(
        out,
        "    {loc} {}{keys}{}: {}{style}{}",
        p.name.rust,
        if p.required { "" } else { "?" },
        ty(&p.ty),
        renamed(&p.name.rust, &p.name.wire)
    );
}

fn model(out: &mut String, model: &Model) {
    let name = &model.name;
    let renamed = renamed(&name.rust, &name.wire);
    match &model.kind {
        ModelKind::Struct(fields) => {
            let body = if model.request_body {
                " (request body)"
            } else {
                ""
            };
            let _ = writeln!(out, "  struct {}{renamed}{body}", name.rust);
            for f in fields {
                let opt = if f.optional() { "?" } else { "" };
                let boxed = if f.boxed { " boxed" } else { "" };
                let nullable = if f.nullable { " nullable" } else { "" };
                let access = match f.access {
                    Access::ReadWrite => "",
                    Access::ReadOnly => " read-only",
                    Access::WriteOnly => " write-only",
                };
                if f.place == FieldPlace::Flattened {
                    let _ = writeln!(out, "    {}: {} flattened{boxed}", f.name.rust, ty(&f.ty));
                    continue;
                }
                let _ = writeln!(
                    out,
                    "    {}{opt}: {}{nullable}{access}{boxed}{}",
                    f.name.rust,
                    ty(&f.ty),
                    self::renamed(&f.name.rust, &f.name.wire)
                );
            }
        }
        ModelKind::Union(union) => {
            let by = union
                .discriminator
                .as_ref()
                .map(|d| format!(" by {d}"))
                .unwrap_or_default();
            let _ = writeln!(out, "  union {}{renamed}{by}", name.rust);
            for v in &union.variants {
                let tags = if v.tags.is_empty() {
                    String::new()
                } else {
                    format!(" = {}", v.tags.join(" | "))
                };
                let boxed = if v.boxed { " boxed" } else { "" };
                let _ = writeln!(out, "    {}({}){boxed}{tags}", v.name.rust, ty(&v.ty));
            }
        }
        ModelKind::Enum(variants) => {
            let values: Vec<String> = variants
                .iter()
                .map(|v| format!("{}={}", v.rust, v.wire))
                .collect();
            let _ = writeln!(out, "  enum {}{renamed} [{}]", name.rust, values.join(", "));
        }
        ModelKind::Alias(target) => {
            let _ = writeln!(out, "  type {}{renamed} = {}", name.rust, ty(target));
        }
        ModelKind::Newtype(target) => {
            let _ = writeln!(out, "  newtype {}{renamed}({})", name.rust, ty(target));
        }
    }
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
        TypeRef::U64 => "u64".into(),
        TypeRef::I128 => "i128".into(),
        TypeRef::F32 => "f32".into(),
        TypeRef::F64 => "f64".into(),
        TypeRef::DateTime => "DateTime".into(),
        TypeRef::Date => "Date".into(),
        TypeRef::Json => "Json".into(),
        TypeRef::Bytes => "Bytes".into(),
        TypeRef::Multipart => "Multipart".into(),
        TypeRef::Named(n) => n.clone(),
        TypeRef::Array(i) => format!("[{}]", ty(i)),
        TypeRef::Map(v) => format!("{{String: {}}}", ty(v)),
        TypeRef::Nullable(i) => format!("{}|null", ty(i)),
    }
}
