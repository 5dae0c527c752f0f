//! `multipart/form-data` request bodies (RFC 7578), encoded here into bytes.
//!
//! Not reqwest's `multipart::Form`: that is a one-shot stream, and a request must be
//! sendable again after a 429 or a broken connection; its feature also brings a MIME
//! guessing crate. A form encoded once into [`Bytes`] is sent as often as needed.

use bytes::Bytes;
use serde::Serialize;

use crate::Error;

/// A `multipart/form-data` body, built part by part: text fields, JSON fields and files.
///
/// ```
/// use amperity_runtime::{FilePart, Multipart};
///
/// let form = Multipart::new()
///     .text("title", "Quarterly report")
///     .file(
///         "file",
///         FilePart::new(b"%PDF-1.7 ...".to_vec())
///             .file_name("report.pdf")
///             .content_type("application/pdf"),
///     );
/// assert_eq!(form.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Multipart {
    parts: Vec<Part>,
}

/// A file sent in a [`Multipart`] body: its bytes, and the file name and media type the
/// server sees (`application/octet-stream` unless set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    bytes: Bytes,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl FilePart {
    pub fn new(bytes: impl Into<Bytes>) -> FilePart {
        FilePart {
            bytes: bytes.into(),
            file_name: None,
            content_type: None,
        }
    }

    /// The `filename` of the part's `Content-Disposition`.
    pub fn file_name(mut self, name: impl Into<String>) -> FilePart {
        self.file_name = Some(name.into());
        self
    }

    /// The part's `Content-Type`.
    pub fn content_type(mut self, media_type: impl Into<String>) -> FilePart {
        self.content_type = Some(media_type.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    body: Bytes,
}

impl Multipart {
    pub fn new() -> Multipart {
        Multipart::default()
    }

    /// How many parts the body has.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Adds a text field (sent without a `Content-Type`, which means `text/plain`).
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Multipart {
        self.parts.push(Part {
            name: name.into(),
            file_name: None,
            content_type: None,
            body: Bytes::from(value.into()),
        });
        self
    }

    /// Adds a field sent as JSON (`Content-Type: application/json`): an object or array
    /// part, as OpenAPI encodes them by default.
    pub fn json(
        mut self,
        name: impl Into<String>,
        value: &impl Serialize,
    ) -> Result<Multipart, Error> {
        let name = name.into();
        let bytes = serde_json::to_vec(value).map_err(|e| {
            Error::InvalidRequest(format!(
                "the multipart field `{name}` does not serialize: {e}"
            ))
        })?;
        self.parts.push(Part {
            name,
            file_name: None,
            content_type: Some("application/json".to_owned()),
            body: Bytes::from(bytes),
        });
        Ok(self)
    }

    /// Adds a file.
    pub fn file(mut self, name: impl Into<String>, file: FilePart) -> Multipart {
        self.parts.push(Part {
            name: name.into(),
            file_name: Some(file.file_name.unwrap_or_else(|| "file".to_owned())),
            content_type: Some(
                file.content_type
                    .unwrap_or_else(|| "application/octet-stream".to_owned()),
            ),
            body: file.bytes,
        });
        self
    }

    /// The body and its `Content-Type` (with the boundary), the boundary being one that
    /// no part contains.
    pub(crate) fn encode(&self) -> (String, Bytes) {
        let boundary = loop {
            let candidate = format!(
                "amperity-{:016x}{:016x}",
                fastrand::u64(..),
                fastrand::u64(..)
            );
            let needle = candidate.as_bytes();
            if !self
                .parts
                .iter()
                .any(|p| p.body.windows(needle.len()).any(|w| w == needle))
            {
                break candidate;
            }
        };
        (
            format!("multipart/form-data; boundary={boundary}"),
            self.encode_with(&boundary),
        )
    }

    fn encode_with(&self, boundary: &str) -> Bytes {
        let mut out = Vec::new();
        for part in &self.parts {
            out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let mut disposition = format!("form-data; name=\"{}\"", quoted(&part.name));
            if let Some(file_name) = &part.file_name {
                disposition.push_str(&format!("; filename=\"{}\"", quoted(file_name)));
            }
            out.extend_from_slice(format!("Content-Disposition: {disposition}\r\n").as_bytes());
            if let Some(content_type) = &part.content_type {
                let content_type: String =
                    content_type.chars().filter(|c| !c.is_control()).collect();
                out.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&part.body);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        Bytes::from(out)
    }
}

/// A name or file name inside a quoted `Content-Disposition` parameter: `"`, CR and LF
/// percent-encoded, as RFC 7578 (section 2) and the HTML standard's form encoding do.
fn quoted(value: &str) -> String {
    value
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_encoded_with_their_headers() {
        let form = Multipart::new()
            .text("title", "a \"b\"")
            .json("meta", &serde_json::json!({"k": 1}))
            .unwrap()
            .file(
                "up\"load",
                FilePart::new(vec![0u8, 159, 146, 150])
                    .file_name("a\r\nb.bin")
                    .content_type("image/png"),
            )
            .file("bare", FilePart::new(&b"x"[..]));
        let body = form.encode_with("XYZ");
        let mut expected = b"--XYZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\na \"b\"\r\n\
--XYZ\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"k\":1}\r\n\
--XYZ\r\nContent-Disposition: form-data; name=\"up%22load\"; filename=\"a%0D%0Ab.bin\"\r\nContent-Type: image/png\r\n\r\n"
            .to_vec();
        expected.extend_from_slice(&[0, 159, 146, 150]);
        expected.extend_from_slice(b"\r\n--XYZ\r\nContent-Disposition: form-data; name=\"bare\"; filename=\"file\"\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n--XYZ--\r\n");
        assert_eq!(body, Bytes::from(expected));
    }

    #[test]
    fn the_boundary_is_in_no_part() {
        let (content_type, body) = Multipart::new().text("a", "1").encode();
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        assert!(boundary.len() > 30);
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
        assert_eq!(text.matches(boundary).count(), 2);
    }
}
