//! The walk over both documents: servers, operations (`operation.rs`) and component schemas.
//! Schemas are compared in `schema.rs`; every change is classified by `rules.rs`; at the end,
//! changes of one shared component are merged and all are sorted.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;

use super::resolve::{Doc, SchemaRef};
use super::rules::{self, Direction};
use super::schema::{Ctx, Sub};
use super::{Change, ChangeKind, Class, Document, Location, Side};
use crate::Result;
use crate::error::Pointer;

/// Both documents and the changes found so far.
pub(crate) struct Differ<'a> {
    pub(super) old: Doc<'a>,
    pub(super) new: Doc<'a>,
    changes: Vec<Change>,
    /// Schema pairs (old pointer, new pointer) compared under the current root: the guard
    /// against `$ref` cycles and repeated work.
    pub(super) seen: BTreeSet<(String, String)>,
    /// Every schema pair compared from an operation, so the pass over component schemas only
    /// compares what no operation reached.
    pub(super) compared: BTreeSet<(String, String)>,
}

impl<'a> Differ<'a> {
    pub(crate) fn new(old: Document<'a>, new: Document<'a>) -> Self {
        Self {
            old: Doc::new(old.name, old.spec),
            new: Doc::new(new.name, new.spec),
            changes: Vec::new(),
            seen: BTreeSet::new(),
            compared: BTreeSet::new(),
        }
    }

    /// Every change, merged and sorted.
    pub(crate) fn run(mut self) -> Result<Vec<Change>> {
        self.servers();
        self.operations()?;
        self.components()?;
        Ok(finish(self.changes))
    }

    pub(super) fn push(
        &mut self,
        class: Class,
        kind: ChangeKind,
        side: Side,
        pointer: &Pointer,
        label: String,
        description: String,
    ) {
        self.changes.push(Change {
            class,
            kind,
            location: Location {
                side,
                pointer: pointer.as_str().to_owned(),
                label,
            },
            description,
            also: Vec::new(),
        });
    }

    /// Servers are matched by URL, then (for a moved server) by description.
    fn servers(&mut self) {
        let (old, new) = (&self.old.spec.servers, &self.new.spec.servers);
        let at = |index: usize| Pointer::root().join("servers").join(index);
        let label = |server: &openapiv3::Server| {
            format!(
                "servers › {}",
                server.description.as_deref().unwrap_or(&server.url)
            )
        };
        let mut unmatched_new: Vec<usize> = (0..new.len()).collect();
        let mut unmatched_old = Vec::new();
        for (i, server) in old.iter().enumerate() {
            match unmatched_new.iter().position(|&j| new[j].url == server.url) {
                Some(position) => {
                    let j = unmatched_new.remove(position);
                    self.server_variables(server, &new[j], &at(j), label(&new[j]));
                }
                None => unmatched_old.push(i),
            }
        }
        for i in unmatched_old {
            let server = &old[i];
            let moved = unmatched_new.iter().position(|&j| {
                server.description.is_some() && new[j].description == server.description
            });
            match moved {
                Some(position) => {
                    let j = unmatched_new.remove(position);
                    let description = format!("URL changed from {} to {}", server.url, new[j].url);
                    // A moved base URL is a renamed URL: every request to the old one fails.
                    self.push(
                        rules::removed(),
                        ChangeKind::ServerChanged,
                        Side::New,
                        &at(j),
                        label(&new[j]),
                        description,
                    );
                }
                None => self.push(
                    rules::removed(),
                    ChangeKind::ServerRemoved,
                    Side::Old,
                    &at(i),
                    label(server),
                    format!("server removed ({})", server.url),
                ),
            }
        }
        for j in unmatched_new {
            let description = format!("server added ({})", new[j].url);
            self.push(
                rules::added(),
                ChangeKind::ServerAdded,
                Side::New,
                &at(j),
                label(&new[j]),
                description,
            );
        }
    }

    /// Same URL, so the same variables; only their defaults can differ.
    fn server_variables(
        &mut self,
        old: &openapiv3::Server,
        new: &openapiv3::Server,
        at: &Pointer,
        label: String,
    ) {
        let (Some(old_vars), Some(new_vars)) = (&old.variables, &new.variables) else {
            return;
        };
        let mut names: Vec<&String> = new_vars.keys().collect();
        names.sort();
        for name in names {
            if let (Some(o), Some(n)) = (old_vars.get(name), new_vars.get(name))
                && o.default != n.default
            {
                self.push(
                    rules::default_changed(),
                    ChangeKind::DefaultChanged,
                    Side::New,
                    &at.join("variables").join(name),
                    format!("{label} › variable {name}"),
                    format!("default changed from {:?} to {:?}", o.default, n.default),
                );
            }
        }
    }

    /// Component schemas added and removed, and those no operation reached compared in
    /// both directions.
    fn components(&mut self) -> Result<()> {
        let old = self.old.spec.components.as_ref().map(|c| &c.schemas);
        let new = self.new.spec.components.as_ref().map(|c| &c.schemas);
        let names: BTreeSet<&String> = old
            .into_iter()
            .flat_map(IndexMap::keys)
            .chain(new.into_iter().flat_map(IndexMap::keys))
            .collect();
        for name in names {
            let at = Pointer::root()
                .join("components")
                .join("schemas")
                .join(name);
            let label = format!("components › schema {name}");
            match (old.and_then(|s| s.get(name)), new.and_then(|s| s.get(name))) {
                (Some(_), None) => self.push(
                    rules::removed(),
                    ChangeKind::SchemaRemoved,
                    Side::Old,
                    &at,
                    label,
                    "schema removed".to_owned(),
                ),
                (None, Some(_)) => self.push(
                    rules::added(),
                    ChangeKind::SchemaAdded,
                    Side::New,
                    &at,
                    label,
                    "schema added".to_owned(),
                ),
                (Some(o), Some(n)) => {
                    self.seen = self.compared.clone();
                    let (old_sub, new_sub) = (
                        Sub {
                            schema: SchemaRef::Plain(o),
                            at: &at,
                        },
                        Sub {
                            schema: SchemaRef::Plain(n),
                            at: &at,
                        },
                    );
                    self.compare_schema(
                        old_sub,
                        new_sub,
                        &Ctx::root(Direction::Both, label, false),
                    )?;
                }
                (None, None) => {}
            }
        }
        Ok(())
    }
}

/// How deep a label goes: steps (` › `), fields (`.`), items (`[]`) and map values (`{}`).
fn depth(label: &str) -> usize {
    ["›", ".", "[]", "{}"]
        .iter()
        .map(|step| label.matches(step).count())
        .sum()
}

/// Merges the changes of one shared thing (same class, kind, pointer and description, seen
/// from several operations) into one change with the other labels in `also`, then sorts.
fn finish(changes: Vec<Change>) -> Vec<Change> {
    type Key = (Class, ChangeKind, Side, String, String);
    let mut groups: BTreeMap<Key, BTreeSet<String>> = BTreeMap::new();
    for change in changes {
        let key = (
            change.class,
            change.kind,
            change.location.side,
            change.location.pointer,
            change.description,
        );
        groups.entry(key).or_default().insert(change.location.label);
    }
    let mut merged: Vec<Change> = groups
        .into_iter()
        .filter_map(|((class, kind, side, pointer, description), labels)| {
            // The shallowest place names the change best (`v` rather than `self.v`).
            let label = labels.iter().min_by_key(|l| (depth(l), *l))?.clone();
            let also = labels.into_iter().filter(|l| *l != label).collect();
            Some(Change {
                class,
                kind,
                location: Location {
                    side,
                    pointer,
                    label,
                },
                description,
                also,
            })
        })
        .collect();
    merged.sort_by(|a, b| {
        let key = |c: &Change| {
            (
                c.class,
                c.location.label.clone(),
                c.kind,
                c.description.clone(),
                c.location.pointer.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    merged
}
