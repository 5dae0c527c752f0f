//! The model (IR) between the OpenAPI document and the Rust code.
//!
//! Everything a renderer needs is decided here, while lowering: every name as a
//! {rust, wire} pair, which parameters are ambient, which types are inline, and the
//! order of everything (models in a `BTreeMap`, operations sorted by Rust name).
//! Renderers only read it.

use std::collections::BTreeMap;

pub use crate::names::Name;

/// One API: one OpenAPI document, rendered as one module of the generated crate.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// The module name in the generated crate, e.g. `control_plane`.
    pub module: String,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The servers, in document order; the first one is the default base URL.
    pub servers: Vec<Server>,
    /// The tenant header the document requires on every operation (`amperity-tenant`).
    pub tenant_header: Option<String>,
    /// The api-version header and its values, when the document has one.
    pub api_version: Option<ApiVersion>,
    /// Every named type: component schemas and inline types named after their owner.
    pub models: BTreeMap<String, Model>,
    /// Every operation, sorted by Rust name.
    pub operations: Vec<Operation>,
    /// Requests per second the API allows (from Amperity's documentation, not the
    /// document); the client's default rate limit.
    pub rate_limit: Option<u32>,
}

/// A server entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// The constant or function name in the generated `servers` module.
    pub name: String,
    /// The URL template as written in the document.
    pub url: String,
    /// The description.
    pub description: Option<String>,
    /// Template variables, in the order they appear in the URL.
    pub variables: Vec<Name>,
    /// The URL with every variable replaced by its default value.
    pub default_url: String,
}

/// The `api-version` header: set once on the client, typed, overridable.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiVersion {
    /// The header name as the document spells it.
    pub header: String,
    /// The documented values, as enum variants.
    pub values: Vec<Name>,
    /// The value sent unless the caller overrides it.
    pub default: String,
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Rust type name, and the schema name (or the owner path, for inline types).
    pub name: Name,
    /// The schema's description.
    pub doc: Option<String>,
    /// What kind of type.
    pub kind: ModelKind,
    /// Where the schema is in the document.
    pub pointer: String,
    /// Whether it is a request body: it then gets a constructor and setters.
    pub request_body: bool,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelKind {
    /// An object with known properties.
    Struct(Vec<Field>),
    /// A string enum; unknown values are kept, not rejected.
    Enum(Vec<Name>),
    /// Another type under this name (`pub type X = ...`).
    Alias(TypeRef),
    /// `oneOf`/`anyOf`: one of several types.
    Union(Union),
}

/// The variants of a `oneOf`/`anyOf`, in document order. Without a discriminator the
/// first variant that decodes wins; with one, its property picks the variant. Either way
/// a value that fits no variant is kept as JSON in an `Unknown` variant, so a new kind
/// added by the server does not break decoding.
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    pub variants: Vec<Variant>,
    /// The discriminator property's wire name.
    pub discriminator: Option<String>,
}

/// One variant of a [`Union`].
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The Rust variant name.
    pub name: String,
    pub ty: TypeRef,
    /// The discriminator values that select this variant.
    pub tags: Vec<String>,
    /// Boxed because the union contains itself through it.
    pub boxed: bool,
}

/// A property of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Rust field name and JSON property name.
    pub name: Name,
    /// The property's type (without the `Option` that `required`/`nullable` add).
    pub ty: TypeRef,
    /// Listed in `required`.
    pub required: bool,
    /// `nullable: true`.
    pub nullable: bool,
    /// The property's description.
    pub doc: Option<String>,
    /// Stored behind a `Box` because the type contains itself (a recursive schema).
    pub boxed: bool,
}

impl Field {
    /// Whether the Rust field is an `Option`.
    pub fn optional(&self) -> bool {
        !self.required || self.nullable
    }
}

/// A type used by a field, parameter, body or response.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32` (`format: int32`).
    I32,
    /// `i64` (integers without a narrower format).
    I64,
    /// `f32` (`format: float`).
    F32,
    /// `f64`.
    F64,
    /// `chrono::DateTime<Utc>` (`format: date-time`).
    DateTime,
    /// `chrono::NaiveDate` (`format: date`).
    Date,
    /// `serde_json::Value`: an untyped schema.
    Json,
    /// `bytes::Bytes`: a body that is not JSON, form or text.
    Bytes,
    /// A model, by Rust name.
    Named(String),
    /// `Vec<T>`.
    Array(Box<TypeRef>),
    /// `BTreeMap<String, T>`: an object of arbitrary keys.
    Map(Box<TypeRef>),
}

/// One operation of the API.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Rust method name and operationId.
    pub name: Name,
    /// The request builder's type name.
    pub builder: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template as written in the document.
    pub path: String,
    /// The path split into literal text and parameters (indexes into `params`).
    pub path_parts: Vec<PathPart>,
    /// Parameters other than the ambient headers, in document order.
    pub params: Vec<Param>,
    /// The JSON request body.
    pub body: Option<Body>,
    /// What a 2xx answer carries.
    pub success: Success,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// Where the operation is in the document.
    pub pointer: String,
    /// Set when the operation follows Amperity's cursor-pagination convention.
    pub pagination: Option<Pagination>,
}

/// A cursor-paginated list operation: an optional `next_token` query parameter, and a
/// success body with a `data` array and a `next_token` string. The runtime's pager walks
/// it; these are the names the glue needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    /// The Rust name of the list body's model.
    pub page: String,
    /// The type of one item of `data`.
    pub item: TypeRef,
    /// The Rust name of the `data` field, and whether the model makes it optional.
    pub items_field: String,
    pub items_optional: bool,
    /// The Rust name of the body's `next_token` field, and whether it is optional.
    pub token_field: String,
    pub token_optional: bool,
    /// The index of the `next_token` query parameter in [`Operation::params`].
    pub token_param: usize,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    /// Text copied as is.
    Literal(String),
    /// The path parameter at this index of [`Operation::params`].
    Param(usize),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// A path segment.
    Path,
    /// A query pair.
    Query,
    /// A request header.
    Header,
}

/// A parameter of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Rust argument/setter name and the parameter's name in the document.
    pub name: Name,
    /// Where it goes.
    pub location: Location,
    /// Its type.
    pub ty: TypeRef,
    /// Required parameters are arguments of the client method; the others are setters.
    pub required: bool,
    /// The description.
    pub doc: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// How the caller's value becomes query pairs.
    pub keys: QueryKeys,
    /// For an array query parameter that is not exploded (`explode: false`,
    /// `spaceDelimited`, `pipeDelimited`): the separator of its one `name=a,b,c` pair.
    /// `None`: one pair per element (`name=a&name=b`, the OpenAPI default).
    pub separator: Option<&'static str>,
}

/// Whether a query parameter's key is fixed or chosen by the caller at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKeys {
    /// `name=value` (the usual case; arrays repeat the name).
    Fixed,
    /// `name[key]=value` for each pair the caller adds: `style: deepObject` on a map, or
    /// a parameter whose description documents that bracket notation (Amperity's
    /// Profile API `filter[<attribute>]=<value>`). `ty` is the value type.
    Bracketed,
    /// `key=value` for each pair the caller adds: the parameter's name is a placeholder
    /// such as `<linking-key>`. `ty` is the value type.
    CallerNamed,
}

impl QueryKeys {
    /// Whether the caller supplies keys (the setter takes a key and a value and may be
    /// called again).
    pub fn caller_chosen(self) -> bool {
        self != QueryKeys::Fixed
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Its type.
    pub ty: TypeRef,
    /// Whether the operation requires it.
    pub required: bool,
    /// The description.
    pub doc: Option<String>,
    /// How it is encoded, and the media type sent as `Content-Type`.
    pub media: Media,
    pub content_type: String,
}

/// How a body is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/json` and `+json` types: serde_json.
    Json,
    /// `application/x-www-form-urlencoded`: a flat struct or map, form-encoded.
    Form,
    /// `text/*`: a `String`.
    Text,
    /// Anything else (`application/octet-stream`, images, ...): bytes as they are.
    Bytes,
}

/// The success outcome of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Success {
    /// The documented 2xx statuses.
    pub statuses: Vec<u16>,
    /// The body they carry; `None` for bodiless success, or when `outcomes` is set.
    pub body: Option<TypeRef>,
    /// How the body is encoded, and the media type asked for with `Accept`.
    pub media: Media,
    pub content_type: Option<String>,
    /// When the 2xx statuses carry different bodies (200 with a body, 202 and 204
    /// without, say): one outcome per status, and the operation returns an enum of them.
    pub outcomes: Vec<Outcome>,
}

/// One 2xx status of an operation with several distinct outcomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: u16,
    /// The enum variant: the status's reason phrase (`Ok`, `Accepted`, `NoContent`).
    pub name: String,
    pub body: Option<TypeRef>,
    pub media: Media,
}
