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
    /// The budget the rate limit counts against, shared by modules whose requests count
    /// against one limit (a fleet limiter's key); the module's name unless told.
    pub rate_limit_family: String,
    /// What the client's builder needs for credentials.
    pub security: Security,
}

/// What the document says about credentials (`securitySchemes`, `security`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Security {
    /// The API key a requirement names, and where it goes.
    pub api_key: Option<ApiKey>,
    /// Operations may be called without credentials.
    pub optional: bool,
}

/// Where an API key is sent: the parameter's name as the document spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiKey {
    Header(String),
    Query(String),
}

/// A server entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// The constant (no variables) or function (with variables) in the generated
    /// `servers` module, and the description or label it was named after.
    pub name: Name,
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
    /// The schema's `example`, as the document writes it (the test kit's samples).
    pub example: Option<serde_json::Value>,
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
    /// A type that contains itself through arrays or maps (`Tree = [Tree]`): an alias
    /// would be a cycle, so a struct that wraps the type and (de)serializes as it.
    Newtype(TypeRef),
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
    /// The Rust variant name, and the pointer of the part it was made from.
    pub name: Name,
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
    /// `readOnly` / `writeOnly`.
    pub access: Access,
    /// The property's `example`, as the document writes it (the test kit's samples).
    pub example: Option<serde_json::Value>,
    /// Whether the field is a property or the struct's share of a union.
    pub place: FieldPlace,
}

/// Where a field's value sits in the JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldPlace {
    /// Under its property name (`name.wire`).
    Property,
    /// Beside the struct's properties (`#[serde(flatten)]`): an `allOf` part that is a
    /// union of objects, whose variant's properties join the struct's. Always required,
    /// never `Option`; `name.wire` is empty.
    Flattened,
}

/// Which direction a property travels in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Both ways (the usual case).
    ReadWrite,
    /// `readOnly: true`: only in responses. Never sent, never asked for by a constructor,
    /// and an `Option` even when required (a value built by the caller has none).
    ReadOnly,
    /// `writeOnly: true`: only in requests. An `Option` even when required, because
    /// responses leave it out.
    WriteOnly,
}

impl Field {
    /// Whether the Rust field is an `Option`.
    pub fn optional(&self) -> bool {
        !self.required || self.nullable || self.access != Access::ReadWrite
    }

    /// Whether a request body's constructor takes it as an argument.
    pub fn constructor_argument(&self) -> bool {
        self.required && self.access != Access::ReadOnly
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
    /// `u64`: an integer whose bounds are past `i64` but within `0..=u64::MAX`.
    U64,
    /// `i128`: an integer whose bounds are past `i64` and `u64` but within `i128`.
    I128,
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
    /// `runtime::Multipart`: a `multipart/form-data` request body, built part by part
    /// (files as bytes with a file name and media type, other fields as text or JSON).
    Multipart,
    /// A model, by Rust name.
    Named(String),
    /// `Vec<T>`.
    Array(Box<TypeRef>),
    /// `BTreeMap<String, T>`: an object of arbitrary keys.
    Map(Box<TypeRef>),
    /// `Option<T>`: a `nullable` array item or map value.
    Nullable(Box<TypeRef>),
}

impl TypeRef {
    /// Whether a value of this type is one query value (a scalar), so that it can be sent
    /// as `name=value` as it is; `models` resolves named types (enums and aliases of
    /// scalars are scalars).
    pub fn is_scalar(&self, models: &BTreeMap<String, Model>) -> bool {
        match self {
            TypeRef::String
            | TypeRef::Bool
            | TypeRef::I32
            | TypeRef::I64
            | TypeRef::U64
            | TypeRef::I128
            | TypeRef::F32
            | TypeRef::F64
            | TypeRef::DateTime
            | TypeRef::Date => true,
            TypeRef::Json
            | TypeRef::Bytes
            | TypeRef::Multipart
            | TypeRef::Array(_)
            | TypeRef::Map(_) => false,
            TypeRef::Nullable(inner) => inner.is_scalar(models),
            TypeRef::Named(name) => match models.get(name).map(|m| &m.kind) {
                Some(ModelKind::Enum(_)) => true,
                Some(ModelKind::Alias(target)) => {
                    // An alias that names itself is not a scalar (nor anything finite).
                    !matches!(target, TypeRef::Named(n) if n == name) && target.is_scalar(models)
                }
                _ => false,
            },
        }
    }
}

/// One operation of the API.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Rust method name and operationId.
    pub name: Name,
    /// The request builder's type name (and the operationId).
    pub builder: Name,
    /// How the client method takes the required parameters.
    pub arguments: Arguments,
    /// The HTTP method.
    pub method: Method,
    /// The path template as written in the document (without the query string a path key
    /// may carry, when that is read as query parameters: `lower/path_query.rs`).
    pub path: String,
    /// The path split into literal text and parameters.
    pub path_parts: Vec<PathPart>,
    /// Parameters other than the ambient headers, in document order.
    pub params: Vec<Param>,
    /// `name=value` pairs the path key's query string sends with every request.
    pub fixed_query: Vec<(String, String)>,
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
    /// The operation's own server (path-level or operation-level `servers`): its first
    /// entry with the variables' defaults, used instead of the client's base URL.
    pub server: Option<String>,
}

/// An HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    /// Every method a path item can hold, in the order the generator visits them.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The keys of a path item that hold operations, in the order of [`Method::ALL`].
    pub const KEYS: [&'static str; 8] = [
        Method::Get.key(),
        Method::Put.key(),
        Method::Post.key(),
        Method::Delete.key(),
        Method::Options.key(),
        Method::Head.key(),
        Method::Patch.key(),
        Method::Trace.key(),
    ];

    /// The method as HTTP spells it: `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// The key of a path item that holds it: `get`.
    pub const fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a client method takes an operation's required parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Arguments {
    /// One argument each (and the body), in document order.
    Positional,
    /// Too many to pass one by one (clippy's `too_many_arguments`): one struct of this
    /// name in `requests` whose public fields are the required parameters; the body
    /// stays an argument of its own.
    Struct(Name),
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
    /// The `data` field, and whether the model makes it optional.
    pub items_field: Name,
    pub items_optional: bool,
    /// The Rust name of the body's `next_token` field, and whether it is optional.
    pub token_field: Name,
    pub token_optional: bool,
    /// The `next_token` query parameter of the operation: its setter's field and wire name.
    pub token_param: Name,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    /// Text copied as is.
    Literal(String),
    /// The path parameter of this name (its field and its name in the document).
    Param(Name),
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
    /// How a value of `ty` is written into the query, path or header.
    pub style: Style,
}

/// How a parameter's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Scalars as text; arrays of scalars one pair per element (`name=a&name=b`, the
    /// OpenAPI default), or joined in a path or header.
    Plain,
    /// An array of scalars that is not exploded (`explode: false`, `spaceDelimited`,
    /// `pipeDelimited`): one `name=a,b,c` pair joined with this separator.
    Joined(&'static str),
    /// An object, a map, an array of objects or an untyped value, written through serde:
    /// `style: form` exploded (`x=1&y=2`, the default), `form` not exploded
    /// (`name=x,1,y,2`) or `deepObject` (`name[x]=1`). Values that are not scalars inside
    /// it are sent as JSON text.
    Object(ObjectStyle),
}

/// The ways OpenAPI writes an object into a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectStyle {
    /// `x=1&y=2`.
    FormExploded,
    /// `name=x,1,y,2`.
    Form,
    /// `name[x]=1&name[y]=2`.
    DeepObject,
    /// `name={"x":1}`: a parameter described by `content` with a JSON media type instead
    /// of by `schema`, the whole value as JSON text.
    Json,
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
    /// `multipart/form-data` (request bodies only): a `runtime::Multipart`.
    Multipart,
    /// `text/*`: a `String`.
    Text,
    /// Anything else (`application/octet-stream`, images, ...): bytes as they are.
    Bytes,
}

/// What a successful answer carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Success {
    /// Every documented 2xx status (or, with none documented, any 2xx status) carries
    /// the same payload, or none.
    Single {
        /// The documented 2xx statuses; empty when the document lists none (a `default`
        /// response, say).
        statuses: Vec<u16>,
        payload: Option<Payload>,
    },
    /// The 2xx statuses carry different payloads (200 with a body, 202 and 204 without,
    /// say): the operation returns an enum with one variant per status.
    Outcomes {
        /// The enum's type name in `requests`.
        name: Name,
        outcomes: Vec<Outcome>,
    },
}

impl Success {
    /// The documented 2xx statuses.
    pub fn statuses(&self) -> Vec<u16> {
        match self {
            Success::Single { statuses, .. } => statuses.clone(),
            Success::Outcomes { outcomes, .. } => outcomes.iter().map(|o| o.status).collect(),
        }
    }

    /// The payload when every success carries the same one.
    pub fn payload(&self) -> Option<&Payload> {
        match self {
            Success::Single { payload, .. } => payload.as_ref(),
            Success::Outcomes { .. } => None,
        }
    }
}

/// A response body: its type, how it is encoded, and the media type asked for with
/// `Accept`.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    pub ty: TypeRef,
    pub media: Media,
    pub content_type: String,
}

/// One 2xx status of an operation with several distinct outcomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: u16,
    /// The enum variant: the status's reason phrase (`Ok`, `Accepted`, `NoContent`), and
    /// the status as text.
    pub name: Name,
    pub payload: Option<Payload>,
    /// The payload is boxed, because it is much larger than the other variants
    /// (clippy's `large_enum_variant`).
    pub boxed: bool,
}
