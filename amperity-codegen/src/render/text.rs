//! Formatting a generated file a piece at a time.
//!
//! A module of a large document is tens of megabytes of Rust. Built as one token stream,
//! parsed as one `syn::File` and printed at once, the tokens, syn's copy of them and the
//! syntax tree of the whole file are all alive together: some twenty times the text's
//! size, most of the generator's time spent allocating and freeing them. Here each item
//! (or each item inside a long `impl` or `mod` block) is rendered, parsed and printed on
//! its own and appended to the text, so only one item's tokens exist at a time.
//!
//! The text is the same as printing the whole file at once: prettyplease ends every item
//! with a forced line break and lays out each item from its own indentation, never from
//! its neighbours, so the file is the concatenation of its items, and the items of a
//! block are the lines between a block's braces when printed inside any block at the same
//! depth. The snapshot tests and `cargo xtask regen --check` hold the generator to that.

use proc_macro2::TokenStream;
use quote::quote;

use crate::error::{Error, ErrorKind, Result};

/// What kind of block items go in: it decides what they may be (`self`, associated
/// `type`s and `const`s only in an `impl`).
#[derive(Debug, Clone, Copy)]
pub enum Inside {
    Impl,
    Mod,
}

/// The most a file's text grows by at once (beyond what one piece needs), in bytes.
const GROWTH: usize = 4 << 20;

/// A file's text, built item by item.
pub struct FileText {
    /// The file, for error messages (the module or `lib`).
    what: String,
    text: String,
}

impl FileText {
    /// A file that starts with `header` and a blank line.
    pub fn new(header: &str, what: &str) -> Self {
        FileText {
            what: what.to_owned(),
            text: format!("{header}\n"),
        }
    }

    /// Appends top-level items; inner attributes (`#![doc = ".."]`) only in the first
    /// call.
    pub fn items(&mut self, tokens: TokenStream) -> Result<()> {
        let printed = self.print(tokens)?;
        self.push(&printed);
        Ok(())
    }

    /// Appends a braced item (`impl Client { .. }`, `pub mod stubs { .. }`) whose body
    /// goes on with `rest`, printed one at a time inside a block of the same kind and
    /// spliced in before the closing brace. `container` holds the block's attributes,
    /// header and first items (possibly none).
    pub fn block(
        &mut self,
        container: TokenStream,
        inside: Inside,
        rest: impl IntoIterator<Item = TokenStream>,
    ) -> Result<()> {
        let printed = self.print(container)?;
        // An empty body prints as `{}` on the header's line; a body as `{`, the items and
        // a line with `}` alone.
        let (open, empty) = match printed.strip_suffix("{}\n") {
            Some(open) => (format!("{open}{{\n"), true),
            None => match printed.strip_suffix("}\n") {
                Some(open) => (open.to_owned(), false),
                None => return Err(self.bug("a block that does not end with `}`")),
            },
        };
        let start = self.text.len();
        self.push(&open);
        for item in rest {
            let wrapped = match inside {
                Inside::Impl => quote!(impl __Block { #item }),
                Inside::Mod => quote!(mod __block { #item }),
            };
            let printed = self.print(wrapped)?;
            let inner = printed
                .split_once("{\n")
                .and_then(|(_, inner)| inner.strip_suffix("}\n"))
                .ok_or_else(|| self.bug("an item printed outside its block"))?;
            self.push(inner);
        }
        if empty && self.text.len() == start + open.len() {
            // Nothing went in: the block stays `{}`, as printed.
            self.text.truncate(start);
            self.push(&printed);
        } else {
            self.push("}\n");
        }
        Ok(())
    }

    pub fn finish(self) -> String {
        self.text
    }

    /// Appends `piece`, growing the text by at most [`GROWTH`] at a time: doubling would
    /// leave up to half of a file of tens of megabytes allocated and unused.
    fn push(&mut self, piece: &str) {
        let needed = piece.len();
        if self.text.capacity() - self.text.len() < needed {
            let step = needed.max(self.text.len().min(GROWTH));
            self.text.reserve_exact(step);
        }
        self.text.push_str(piece);
    }

    fn print(&self, tokens: TokenStream) -> Result<String> {
        let file: syn::File = syn::parse2(tokens).map_err(|e| {
            self.bug(&format!(
                "the code generated for `{}` does not parse: {e}",
                self.what
            ))
        })?;
        Ok(prettyplease::unparse(&file))
    }

    fn bug(&self, what: &str) -> Error {
        Error {
            document: self.what.clone(),
            pointer: String::new(),
            kind: ErrorKind::Internal,
            message: format!("generator bug: {what}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Piece by piece gives the text of the whole file printed at once.
    #[test]
    fn pieces_print_as_the_whole_file() {
        let methods: Vec<TokenStream> = (0..3)
            .map(|i| {
                let name = quote::format_ident!("method_{i}");
                quote! {
                    /// A method.
                    pub fn #name(&self, first_argument_with_a_long_name: ::std::string::String, second_argument_with_a_long_name: u64) -> ::std::result::Result<(), crate::Error> {
                        if second_argument_with_a_long_name > 3 { Ok(()) } else { Err(crate::Error::new(first_argument_with_a_long_name)) }
                    }
                }
            })
            .collect();
        let structs: Vec<TokenStream> = (0..2)
            .map(|i| {
                let name = quote::format_ident!("Stub{i}");
                quote! { pub struct #name { field: u8 } impl #name { pub fn new() -> Self { Self { field: 0 } } } }
            })
            .collect();
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
        };
        let expected = format!(
            "// header\n\n{}",
            prettyplease::unparse(&syn::parse2(whole).unwrap())
        );
        let mut file = FileText::new("// header\n", "test");
        file.items(quote!(#![doc = " A file."] pub struct Client;))
            .unwrap();
        file.block(
            quote!(impl Client { pub fn new() -> Self { Client } }),
            Inside::Impl,
            methods,
        )
        .unwrap();
        file.block(
            quote!(
                #[doc = " Stubs."]
                pub mod stubs {}
            ),
            Inside::Mod,
            structs,
        )
        .unwrap();
        file.block(
            quote!(
                pub mod empty {}
            ),
            Inside::Mod,
            Vec::new(),
        )
        .unwrap();
        assert_eq!(file.finish(), expected);
    }
}
