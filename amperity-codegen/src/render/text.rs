//! Formatting a generated file a piece at a time, on every core.
//!
//! A module of a large document is tens of megabytes of Rust. Built as one token stream,
//! parsed as one `syn::File` and printed at once, the tokens, syn's copy of them and the
//! syntax tree of the whole file are all alive together: some twenty times the text's
//! size, most of the generator's time spent allocating and freeing them. Here each item
//! (or each item inside a long `impl` or `mod` block) is rendered, parsed and printed on
//! its own and appended to the text, so only a few items' tokens exist at a time.
//!
//! The text is the same as printing the whole file at once: prettyplease ends every item
//! with a forced line break and lays out each item from its own indentation, never from
//! its neighbours, so the file is the concatenation of its items, and the items of a
//! block are the lines between a block's braces when printed inside any block at the same
//! depth. The snapshot tests and `cargo xtask regen --check` hold the generator to that.
//!
//! Printing is most of the generator's time, and items print independently: the items
//! of a list ([`FileText::items_of`], [`FileText::block_of`]) are rendered and printed
//! by one worker thread per core, a chunk at a time, and appended in their order.

use std::collections::BTreeMap;
use std::panic;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use proc_macro2::TokenStream;
use quote::quote;

use crate::error::{Error, ErrorKind, Result};

/// What kind of block items go in: it decides what they may be (`self`, associated
/// `type`s and `const`s only in an `impl`; statements in a function's body).
#[derive(Debug, Clone, Copy)]
pub enum Inside {
    Impl,
    Mod,
    Fn,
}

/// Items a worker renders and prints per turn: enough that handing over text is rare,
/// few enough that the workers finish together.
const CHUNK: usize = 16;

/// A file's text, built item by item: the printed pieces are kept as they come and
/// joined once at the end, into a string of the exact size. (Growing one string instead
/// copies tens of megabytes at every step and leaves the old buffers to the allocator.)
pub struct FileText {
    /// The file, for error messages (the module or `lib`).
    what: String,
    pieces: Vec<String>,
    /// The pieces' total length.
    len: usize,
}

impl FileText {
    /// A file that starts with `header` and a blank line.
    pub fn new(header: &str, what: &str) -> Self {
        let mut file = FileText {
            what: what.to_owned(),
            pieces: Vec::new(),
            len: 0,
        };
        file.push(format!("{header}\n"));
        file
    }

    /// Appends top-level items; inner attributes (`#![doc = ".."]`) only in the first
    /// call.
    pub fn items(&mut self, tokens: TokenStream) -> Result<()> {
        let printed = print(&self.what, tokens)?;
        self.push(printed);
        Ok(())
    }

    /// Appends the items `render` makes of each of `parts` (nothing for `None`), in the
    /// order of `parts`, printed on every core.
    pub fn items_of<T: Sync>(
        &mut self,
        parts: &[T],
        render: impl Fn(&T) -> Option<TokenStream> + Sync,
    ) -> Result<()> {
        self.print_each(parts, &render, None)
    }

    /// Appends a braced item (`impl Client { .. }`, `pub mod stubs { .. }`) whose body
    /// goes on with what `render` makes of each of `parts`, printed inside a block of the
    /// same kind and spliced in before the closing brace. `container` holds the block's
    /// attributes, header and first items (possibly none).
    pub fn block_of<T: Sync>(
        &mut self,
        container: TokenStream,
        inside: Inside,
        parts: &[T],
        render: impl Fn(&T) -> TokenStream + Sync,
    ) -> Result<()> {
        let printed = print(&self.what, container)?;
        // An empty body prints as `{}` on the header's line; a body as `{`, the items and
        // a line with `}` alone.
        let (open, empty) = match printed.strip_suffix("{}\n") {
            Some(open) => (format!("{open}{{\n"), true),
            None => match printed.strip_suffix("}\n") {
                Some(open) => (open.to_owned(), false),
                None => return Err(bug(&self.what, "a block that does not end with `}`")),
            },
        };
        self.push(open);
        let opened = self.pieces.len();
        self.print_each(parts, &|part: &T| Some(render(part)), Some(inside))?;
        if empty && self.pieces.len() == opened {
            // Nothing went in: the block stays `{}`, as printed.
            if let Some(open) = self.pieces.pop() {
                self.len -= open.len();
            }
            self.push(printed);
        } else {
            self.push("}\n".to_owned());
        }
        Ok(())
    }

    pub fn finish(self) -> String {
        let mut text = String::with_capacity(self.len);
        for piece in self.pieces {
            text.push_str(&piece);
        }
        text
    }

    /// Appends what `render` makes of each part, printed by the workers a chunk at a time
    /// and appended in order as the chunks come in.
    fn print_each<T: Sync>(
        &mut self,
        parts: &[T],
        render: &(dyn Fn(&T) -> Option<TokenStream> + Sync),
        inside: Option<Inside>,
    ) -> Result<()> {
        let chunks: Vec<&[T]> = parts.chunks(CHUNK).collect();
        let workers = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(chunks.len());
        if workers <= 1 {
            for chunk in chunks {
                let printed = print_chunk(&self.what, chunk, render, inside)?;
                self.push(printed);
            }
            return Ok(());
        }
        let next = AtomicUsize::new(0);
        let (sender, receiver) = mpsc::channel::<(usize, Result<String>)>();
        let what = self.what.clone();
        let what = what.as_str();
        std::thread::scope(|scope| {
            let mut handles = Vec::new();
            for _ in 0..workers {
                let (sender, next, chunks) = (sender.clone(), &next, &chunks);
                let worker = move || {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(chunk) = chunks.get(index) else {
                            break;
                        };
                        let printed = print_chunk(what, chunk, render, inside);
                        let failed = printed.is_err();
                        // The receiver is gone after an error elsewhere: stop too.
                        if sender.send((index, printed)).is_err() || failed {
                            break;
                        }
                    }
                };
                // Rendering and printing recurse as deep as the types nest: the
                // generator's own stack size, and its name (see `generate_crate`).
                if let Ok(handle) = std::thread::Builder::new()
                    .name(crate::GENERATOR_THREAD.to_owned())
                    .stack_size(crate::GENERATOR_STACK)
                    .spawn_scoped(scope, worker)
                {
                    handles.push(handle);
                }
            }
            drop(sender);
            let appended = self.append_in_order(receiver, chunks.len(), &next);
            for handle in handles {
                if let Err(payload) = handle.join() {
                    panic::resume_unwind(payload);
                }
            }
            match appended? {
                // No worker could be started (a sandbox, say): print here.
                done if done < chunks.len() => {
                    for chunk in &chunks[done..] {
                        let printed = print_chunk(what, chunk, render, inside)?;
                        self.push(printed);
                    }
                    Ok(())
                }
                _ => Ok(()),
            }
        })
    }

    /// Appends the chunks the workers send, in their order; returns how many were
    /// appended. On an error, tells the workers to stop (`next` past the end).
    fn append_in_order(
        &mut self,
        receiver: mpsc::Receiver<(usize, Result<String>)>,
        count: usize,
        next: &AtomicUsize,
    ) -> Result<usize> {
        let mut waiting = BTreeMap::new();
        let mut done = 0;
        for (index, printed) in receiver {
            match printed {
                Ok(text) => {
                    waiting.insert(index, text);
                }
                Err(e) => {
                    next.store(count, Ordering::Relaxed);
                    return Err(e);
                }
            }
            while let Some(text) = waiting.remove(&done) {
                self.push(text);
                done += 1;
            }
        }
        Ok(done)
    }

    fn push(&mut self, piece: String) {
        self.len += piece.len();
        self.pieces.push(piece);
    }
}

/// The text of one chunk: each part rendered and printed on its own (inside a block when
/// `inside` says so, and taken out of it).
fn print_chunk<T>(
    what: &str,
    chunk: &[T],
    render: &(dyn Fn(&T) -> Option<TokenStream> + Sync),
    inside: Option<Inside>,
) -> Result<String> {
    let mut text = String::new();
    for part in chunk {
        let Some(item) = render(part) else {
            continue;
        };
        let Some(inside) = inside else {
            text.push_str(&print(what, item)?);
            continue;
        };
        let wrapped = match inside {
            Inside::Impl => quote!(impl __Block { #item }),
            Inside::Mod => quote!(mod __block { #item }),
            Inside::Fn => quote!(fn __block() { #item }),
        };
        let printed = print(what, wrapped)?;
        let inner = printed
            .split_once("{\n")
            .and_then(|(_, inner)| inner.strip_suffix("}\n"))
            .ok_or_else(|| bug(what, "an item printed outside its block"))?;
        text.push_str(inner);
    }
    Ok(text)
}

/// Tokens → text, by prettyplease.
fn print(what: &str, tokens: TokenStream) -> Result<String> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        bug(
            what,
            &format!("the code generated for `{what}` does not parse: {e}"),
        )
    })?;
    Ok(prettyplease::unparse(&file))
}

fn bug(what: &str, message: &str) -> Error {
    Error {
        document: what.to_owned(),
        pointer: String::new(),
        kind: ErrorKind::Internal,
        message: format!("generator bug: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(i: usize) -> TokenStream {
        let name = quote::format_ident!("method_{i}");
        quote! {
            /// A method.
            pub fn #name(&self, first_argument_with_a_long_name: ::std::string::String, second_argument_with_a_long_name: u64) -> ::std::result::Result<(), crate::Error> {
                if second_argument_with_a_long_name > 3 { Ok(()) } else { Err(crate::Error::new(first_argument_with_a_long_name)) }
            }
        }
    }

    fn stub(i: usize) -> TokenStream {
        let name = quote::format_ident!("Stub{i}");
        quote! { pub struct #name { field: u8 } impl #name { pub fn new() -> Self { Self { field: 0 } } } }
    }

    /// Piece by piece, on several threads, gives the text of the whole file printed at
    /// once, in order (more items than one chunk, so that the workers share them).
    #[test]
    fn pieces_print_as_the_whole_file() {
        let numbers: Vec<usize> = (0..3 * CHUNK + 1).collect();
        let methods = numbers.iter().map(|&i| method(i));
        let structs = numbers.iter().map(|&i| stub(i));
        let odd = numbers.iter().filter(|&&i| i % 2 == 1).map(|&i| stub(i));
        let whole = quote! {
            #![doc = " A file."]
            pub struct Client;
            impl Client {
                pub fn new() -> Self { Client }
                #( #methods )*
            }
            /// Stubs.
            pub mod stubs { #( #structs )* }
            pub mod empty {}
            pub fn check() { #( let _ = #numbers; )* }
            #( #odd )*
        };
        let expected = format!(
            "// header\n\n{}",
            prettyplease::unparse(&syn::parse2(whole).unwrap())
        );
        let mut file = FileText::new("// header\n", "test");
        file.items(quote!(#![doc = " A file."] pub struct Client;))
            .unwrap();
        let client = quote!(impl Client { pub fn new() -> Self { Client } });
        file.block_of(client, Inside::Impl, &numbers, |&i| method(i))
            .unwrap();
        let stubs = quote!(
            #[doc = " Stubs."]
            pub mod stubs {}
        );
        file.block_of(stubs, Inside::Mod, &numbers, |&i| stub(i))
            .unwrap();
        file.block_of(
            quote!(
                pub mod empty {}
            ),
            Inside::Mod,
            &[] as &[usize],
            |&i| stub(i),
        )
        .unwrap();
        file.block_of(
            quote!(
                pub fn check() {}
            ),
            Inside::Fn,
            &numbers,
            |i| quote!(let _ = #i;),
        )
        .unwrap();
        file.items_of(&numbers, |&i| (i % 2 == 1).then(|| stub(i)))
            .unwrap();
        assert_eq!(file.finish(), expected);
    }

    /// Tokens that do not parse are the generator's bug, reported as such.
    #[test]
    fn an_item_that_does_not_parse_is_an_internal_error() {
        let numbers: Vec<usize> = (0..2 * CHUNK).collect();
        let mut file = FileText::new("", "test");
        let e = file
            .items_of(&numbers, |&i| {
                Some(if i == CHUNK + 1 {
                    quote!(fn ;)
                } else {
                    stub(i)
                })
            })
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Internal, "{e}");
        assert!(e.message.contains("does not parse"), "{e}");
    }
}
