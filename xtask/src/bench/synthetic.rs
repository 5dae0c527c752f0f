//! The limit document: a synthetic OpenAPI 3.0 document with exactly as many operations as
//! the generator accepts ([`MAX_OPERATIONS`](amperity_codegen::limits::MAX_OPERATIONS)),
//! shaped like a large public API so that generating it costs what a real one would.
//!
//! The document is a catalogue of resources, five operations each (list, create, get,
//! update, delete), as REST APIs of that size are (Azure's, Stripe's, GitHub's): every
//! operation has a description, path parameters (one or two: a quarter of the resources
//! are nested under another one), list operations have cursor, filter and sort query
//! parameters, bodies and responses are JSON and refer to component schemas of four to
//! eleven properties, with enums, formats, arrays, maps, nullable fields and references
//! between resources (cycles included). Nothing is random: the same count gives the same
//! bytes, so every run and every tool reads one document.

use serde_json::{Map, Value, json};

/// Operations per resource: list, create, get, update, delete.
const PER_RESOURCE: usize = 5;

/// The groups resources belong to (the first path segment).
const GROUPS: &[&str] = &[
    "billing",
    "catalog",
    "crm",
    "data",
    "identity",
    "inventory",
    "marketing",
    "messaging",
    "network",
    "orders",
    "payments",
    "reporting",
    "search",
    "security",
    "shipping",
    "storage",
    "support",
    "analytics",
    "compute",
    "workflow",
];

/// The nouns resources are named after, within a group.
const NOUNS: &[&str] = &[
    "account", "address", "alert", "asset", "audit", "batch", "bucket", "campaign", "channel",
    "charge", "cluster", "contact", "coupon", "dataset", "device", "discount", "domain", "event",
    "export", "feature", "file", "folder", "group", "import", "invoice", "job", "key", "label",
    "ledger", "member", "metric", "note", "order", "payout", "plan", "policy", "price", "product",
    "queue", "quota", "refund", "region", "report", "role", "rule", "segment", "session", "ticket",
    "token", "webhook",
];

/// Lifecycle states: each resource's `status` enum takes three to six of them.
const STATES: &[&str] = &[
    "active",
    "pending",
    "suspended",
    "archived",
    "failed",
    "deleted",
];

/// A synthetic document with exactly `operations` operations (a multiple of five, at most
/// `GROUPS.len() * NOUNS.len() * 5`), as pretty-printed JSON.
pub fn document(operations: usize) -> String {
    assert!(
        operations.is_multiple_of(PER_RESOURCE)
            && operations / PER_RESOURCE <= GROUPS.len() * NOUNS.len(),
        "{operations} operations: a multiple of {PER_RESOURCE}, at most {}",
        GROUPS.len() * NOUNS.len() * PER_RESOURCE
    );
    let resources: Vec<Resource> = (0..operations / PER_RESOURCE).map(Resource::new).collect();
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for resource in &resources {
        let parent = resource.parent().map(|i| &resources[i]);
        let (collection, item) = resource.paths(parent);
        paths.insert(collection, resource.collection_item(parent));
        paths.insert(item, resource.item_item(parent));
        let owner = &resources[resource.owner(resources.len())];
        resource.add_schemas(&mut schemas, owner);
    }
    schemas.insert("Error".to_owned(), error_schema());
    schemas.insert("Currency".to_owned(), currency_schema());
    let document = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Synthetic Platform API",
            "version": "2026-01-01",
            "description": format!(
                "A synthetic document with {operations} operations on {} resources, shaped \
                 like a large public REST API, for measuring generators at their limit.",
                resources.len()
            ),
        },
        "servers": [{"url": "https://api.example.com/v1", "description": "Production"}],
        "tags": GROUPS.iter().map(|g| json!({"name": g, "description": format!("The {g} resources.")})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {"schemas": schemas},
    });
    serde_json::to_string_pretty(&document).expect("a JSON value serializes")
}

/// One resource of the catalogue: its names, and the few numbers that vary its shape.
struct Resource {
    index: usize,
    group: &'static str,
    noun: &'static str,
    /// PascalCase schema name (`BillingInvoice`).
    schema: String,
}

impl Resource {
    fn new(index: usize) -> Self {
        let group = GROUPS[index % GROUPS.len()];
        let noun = NOUNS[index / GROUPS.len() % NOUNS.len()];
        Resource {
            index,
            group,
            noun,
            schema: format!("{}{}", pascal(group), pascal(noun)),
        }
    }

    /// Every fourth resource (past the first of its group) lives under an earlier resource
    /// of its group: `/billing/accounts/{account_id}/invoices`.
    fn parent(&self) -> Option<usize> {
        (self.index % 4 == 3 && self.index >= GROUPS.len()).then(|| self.index - GROUPS.len())
    }

    /// The resource its `owner` property refers to: one of another group, so that
    /// references cross the document (and, now and then, close a cycle).
    fn owner(&self, count: usize) -> usize {
        (self.index * 7 + 3) % count
    }

    fn plural(&self) -> String {
        plural(self.noun)
    }

    fn id_parameter(&self) -> String {
        format!("{}_id", self.noun)
    }

    /// The collection and item paths.
    fn paths(&self, parent: Option<&Resource>) -> (String, String) {
        let base = match parent {
            Some(p) => format!(
                "/{}/{}/{{{}}}/{}",
                self.group,
                p.plural(),
                p.id_parameter(),
                self.plural()
            ),
            None => format!("/{}/{}", self.group, self.plural()),
        };
        let item = format!("{base}/{{{}}}", self.id_parameter());
        (base, item)
    }

    fn operation_id(&self, verb: &str, plural: bool) -> String {
        let noun = if plural {
            self.plural()
        } else {
            self.noun.to_owned()
        };
        format!("{verb}-{}-{}", self.group, noun.replace('_', "-"))
    }

    /// `/group/nouns`: list (cursor pages, filters, sort) and create.
    fn collection_item(&self, parent: Option<&Resource>) -> Value {
        let mut parameters = parent_parameters(parent);
        parameters.extend(self.list_parameters());
        json!({
            "get": {
                "operationId": self.operation_id("list", true),
                "summary": format!("List {} {}", self.group, self.plural()),
                "description": format!(
                    "Returns a page of {} {}, newest first unless `sort` says otherwise. \
                     Pass the `next_token` of a page to get the next one; the last page has none.",
                    self.group,
                    self.plural()
                ),
                "tags": [self.group],
                "parameters": parameters,
                "responses": responses("200", &format!("{}List", self.schema), "A page of results."),
            },
            "post": {
                "operationId": self.operation_id("create", false),
                "summary": format!("Create a {} {}", self.group, self.noun),
                "description": format!("Creates a {} and returns it with its new `id`.", self.noun),
                "tags": [self.group],
                "parameters": parent_parameters(parent),
                "requestBody": body(&format!("{}Create", self.schema)),
                "responses": responses("201", &self.schema, "Created."),
            },
        })
    }

    /// `/group/nouns/{noun_id}`: get, update (merge patch), delete.
    fn item_item(&self, parent: Option<&Resource>) -> Value {
        let mut parameters = parent_parameters(parent);
        parameters.push(path_parameter(
            &self.id_parameter(),
            &format!("The {}'s identifier.", self.noun),
        ));
        let mut get_parameters = parameters.clone();
        if self.index.is_multiple_of(3) {
            get_parameters.push(json!({
                "name": "expand",
                "in": "query",
                "description": "Related objects to include in the answer, by property name.",
                "style": "form",
                "explode": false,
                "schema": {"type": "array", "items": {"type": "string", "enum": ["owner", "metadata"]}},
            }));
        }
        json!({
            "get": {
                "operationId": self.operation_id("get", false),
                "summary": format!("Get a {} {}", self.group, self.noun),
                "description": format!("Returns one {} by its identifier.", self.noun),
                "tags": [self.group],
                "parameters": get_parameters,
                "responses": responses("200", &self.schema, "The resource."),
            },
            "patch": {
                "operationId": self.operation_id("update", false),
                "summary": format!("Update a {} {}", self.group, self.noun),
                "description": format!(
                    "Changes the fields given and leaves the others as they are; returns the updated {}.",
                    self.noun
                ),
                "tags": [self.group],
                "parameters": parameters.clone(),
                "requestBody": body(&format!("{}Update", self.schema)),
                "responses": responses("200", &self.schema, "The updated resource."),
            },
            "delete": {
                "operationId": self.operation_id("delete", false),
                "summary": format!("Delete a {} {}", self.group, self.noun),
                "description": format!("Deletes the {}. Deleting it again answers 404.", self.noun),
                "tags": [self.group],
                "parameters": parameters,
                "responses": {
                    "204": {"description": "Deleted."},
                    "404": error_response("No such resource."),
                },
            },
        })
    }

    /// `limit`, `next_token`, `with_total`, a status filter, and on some a sort order and a
    /// time filter.
    fn list_parameters(&self) -> Vec<Value> {
        let mut list = vec![
            query(
                "limit",
                json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": 1000, "default": 100}),
                "The most results on one page.",
            ),
            query(
                "next_token",
                json!({"type": "string"}),
                "The token of the page to get, from the previous page.",
            ),
            query(
                "with_total",
                json!({"type": "boolean"}),
                "Also count every result (slower).",
            ),
            query(
                "status",
                json!({"type": "string", "enum": self.states()}),
                "Only results in this state.",
            ),
        ];
        if self.index.is_multiple_of(2) {
            list.push(query(
                "sort",
                json!({"type": "string", "enum": ["created_at", "-created_at", "name", "-name"]}),
                "The order of the results; `-` for descending.",
            ));
        }
        if self.index % 5 == 1 {
            list.push(query(
                "created_after",
                json!({"type": "string", "format": "date-time"}),
                "Only results created after this instant (RFC 3339).",
            ));
        }
        list
    }

    fn states(&self) -> Vec<&'static str> {
        STATES[..3 + self.index % 4].to_vec()
    }

    /// The resource, its create and update bodies, and its page.
    fn add_schemas(&self, schemas: &mut Map<String, Value>, owner: &Resource) {
        let properties = self.properties(owner);
        let mut create = properties.clone();
        for read_only in ["id", "created_at", "updated_at"] {
            create.remove(read_only);
        }
        let update = create.clone();
        schemas.insert(
            self.schema.clone(),
            json!({
                "type": "object",
                "description": format!("A {} of the {} service.", self.noun, self.group),
                "required": ["id", "name", "status", "created_at"],
                "properties": properties,
            }),
        );
        schemas.insert(
            format!("{}Create", self.schema),
            json!({
                "type": "object",
                "description": format!("A new {}.", self.noun),
                "required": ["name"],
                "properties": create,
            }),
        );
        schemas.insert(
            format!("{}Update", self.schema),
            json!({
                "type": "object",
                "description": format!("The fields of a {} to change.", self.noun),
                "properties": update,
            }),
        );
        schemas.insert(
            format!("{}List", self.schema),
            json!({
                "type": "object",
                "description": format!("A page of {}.", self.plural()),
                "required": ["data"],
                "properties": {
                    "data": {"type": "array", "items": {"$ref": schema_ref(&self.schema)}},
                    "next_token": {"type": "string", "description": "The next page's token; absent on the last page."},
                    "total": {"type": "integer", "format": "int64", "description": "Every result, when `with_total` was set."},
                },
            }),
        );
    }

    /// Four fixed properties and up to seven more, depending on the resource.
    fn properties(&self, owner: &Resource) -> Map<String, Value> {
        let mut properties = Map::new();
        let mut add = |name: &str, schema: Value| {
            properties.insert(name.to_owned(), schema);
        };
        add(
            "id",
            json!({"type": "string", "readOnly": true, "description": format!("The {}'s identifier.", self.noun)}),
        );
        add(
            "name",
            json!({"type": "string", "maxLength": 256, "description": "A name people read."}),
        );
        add(
            "status",
            json!({"type": "string", "enum": self.states(), "description": "Where it is in its lifecycle."}),
        );
        add(
            "created_at",
            json!({"type": "string", "format": "date-time", "readOnly": true, "description": "When it was created."}),
        );
        let extra: [(&str, Value); 7] = [
            (
                "description",
                json!({"type": "string", "nullable": true, "description": "What it is for, in a sentence or two."}),
            ),
            (
                "updated_at",
                json!({"type": "string", "format": "date-time", "readOnly": true, "description": "When it last changed."}),
            ),
            (
                "tags",
                json!({"type": "array", "items": {"type": "string"}, "description": "Labels for searching."}),
            ),
            (
                "metadata",
                json!({"type": "object", "additionalProperties": {"type": "string"}, "description": "Key-value pairs of the caller's own."}),
            ),
            ("owner", json!({"$ref": schema_ref(&owner.schema)})),
            (
                "amount",
                json!({"type": "object", "description": "An amount of money.", "required": ["value", "currency"], "properties": {
                    "value": {"type": "integer", "format": "int64", "description": "In the currency's smallest unit."},
                    "currency": {"$ref": schema_ref("Currency")},
                }}),
            ),
            (
                "enabled",
                json!({"type": "boolean", "default": true, "description": "Whether it takes part."}),
            ),
        ];
        let count = self.index % (extra.len() + 1);
        for (name, schema) in extra.into_iter().take(count) {
            add(name, schema);
        }
        properties
    }
}

fn parent_parameters(parent: Option<&Resource>) -> Vec<Value> {
    parent
        .map(|p| {
            path_parameter(
                &p.id_parameter(),
                &format!("The identifier of the {} it belongs to.", p.noun),
            )
        })
        .into_iter()
        .collect()
}

fn path_parameter(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": {"type": "string"}})
}

fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "description": description, "schema": schema})
}

fn body(schema: &str) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": {"$ref": schema_ref(schema)}}}})
}

/// A success with a JSON body, and the two errors every operation may answer.
fn responses(status: &str, schema: &str, description: &str) -> Value {
    json!({
        status: {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref(schema)}}}},
        "400": error_response("The request is not valid."),
        "404": error_response("No such resource."),
    })
}

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref("Error")}}}})
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "description": "What went wrong.",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "A stable, machine-readable code."},
            "message": {"type": "string", "description": "What went wrong, for people."},
            "details": {"type": "array", "items": {"type": "string"}},
        },
    })
}

fn currency_schema() -> Value {
    json!({"type": "string", "description": "ISO 4217 currency code.", "enum": ["EUR", "GBP", "JPY", "USD"]})
}

fn schema_ref(name: &str) -> String {
    format!("#/components/schemas/{name}")
}

fn pascal(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn plural(noun: &str) -> String {
    match noun {
        "address" | "batch" => format!("{noun}es"),
        "policy" => "policies".to_owned(),
        _ => format!("{noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operations(document: &Value) -> usize {
        document["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| item.as_object().unwrap().len())
            .sum()
    }

    #[test]
    fn the_document_has_exactly_the_operations_asked_for_and_is_the_same_every_time() {
        let text = document(amperity_codegen::limits::MAX_OPERATIONS);
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(operations(&value), amperity_codegen::limits::MAX_OPERATIONS);
        assert_eq!(text, document(amperity_codegen::limits::MAX_OPERATIONS));
    }

    /// A small one generates (the benchmark would otherwise measure an error message).
    #[test]
    fn a_small_document_generates() {
        let text = document(100);
        let input = amperity_codegen::ApiInput {
            module: "api",
            document: "synthetic.json",
            bytes: text.as_bytes(),
            sha256: "synthetic",
            feature: None,
            rate_limit: None,
            rate_limit_family: None,
            overlays: &[],
            conventions: None,
        };
        let options = crate::corpus::generate::options("synthetic", "../amperity-runtime");
        let files = amperity_codegen::generate_crate(&options, &[input]).expect("generates");
        let requests: String = files
            .files
            .iter()
            .filter(|(path, _)| path.ends_with(".rs"))
            .map(|(_, text)| text.as_str())
            .collect();
        assert!(requests.contains("fn list_billing_accounts"), "list");
        assert!(requests.contains("fn delete_catalog_account"), "delete");
    }
}
