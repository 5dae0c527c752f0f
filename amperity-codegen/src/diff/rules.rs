//! Amperity's versioning rules, in one place: every change the walk finds is classified by
//! one of these functions, so the rules are read (and tested) here, not scattered.
//!
//! Source: the "Breaking changes" and "Non-breaking changes" lists in the API overview of
//! every Amperity document (`info.description`).

use super::Class::{self, Breaking, NonBreaking};

/// Which way data flows through the schema being compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Direction {
    /// Sent by the client: parameters, request bodies.
    Request,
    /// Sent by the server: response bodies.
    Response,
    /// Unknown (a component schema no operation uses): breaking if it breaks either way.
    Both,
}

fn by_direction(direction: Direction, request: Class, response: Class) -> Class {
    match direction {
        Direction::Request => request,
        Direction::Response => response,
        Direction::Both if request == Breaking || response == Breaking => Breaking,
        Direction::Both => NonBreaking,
    }
}

/// Adding something clients may use but need not: an operation, a response field, a status
/// code, a media type, a server, a schema, an enum value.
pub(crate) fn added() -> Class {
    NonBreaking
}

/// Removing or renaming anything (an operation, an operationId, a parameter, a field, a
/// media type, a server, a schema, an enum value).
pub(crate) fn removed() -> Class {
    Breaking
}

/// A new input (parameter or request body): breaking only when clients must now send it.
pub(crate) fn input_added(required: bool) -> Class {
    if required { Breaking } else { NonBreaking }
}

/// A new object field: a required request field is a new mandatory input; a response field
/// is something clients may ignore.
pub(crate) fn field_added(direction: Direction, required: bool) -> Class {
    by_direction(direction, input_added(required), NonBreaking)
}

/// An input becoming required breaks callers that omit it; a response field becoming
/// optional breaks clients that relied on it being there.
pub(crate) fn required_changed(direction: Direction, now_required: bool) -> Class {
    let request = if now_required { Breaking } else { NonBreaking };
    let response = if now_required { NonBreaking } else { Breaking };
    by_direction(direction, request, response)
}

/// A response value that may now be null breaks clients that relied on a value; an input
/// that may no longer be null breaks clients that send null.
pub(crate) fn nullable_changed(direction: Direction, now_nullable: bool) -> Class {
    let request = if now_nullable { NonBreaking } else { Breaking };
    let response = if now_nullable { Breaking } else { NonBreaking };
    by_direction(direction, request, response)
}

/// Any change of type or format ("modifying a data type").
pub(crate) fn type_changed() -> Class {
    Breaking
}

/// A schema now accepts fewer values (an enum where there was none, a map whose values now
/// have a type, an object that no longer allows unlisted properties): inputs that were valid
/// may be rejected; responses only get narrower.
pub(crate) fn restricted(direction: Direction) -> Class {
    by_direction(direction, Breaking, NonBreaking)
}

/// A schema now accepts more values: inputs only get more freedom; responses may carry
/// values clients do not expect.
pub(crate) fn relaxed(direction: Direction) -> Class {
    by_direction(direction, NonBreaking, Breaking)
}

/// An object now allows unlisted properties: for responses this is "adding a response field",
/// which Amperity lists as non-breaking, so unlike [`relaxed`] it never breaks.
pub(crate) fn additional_properties_allowed() -> Class {
    NonBreaking
}

/// `default` values in these documents are examples; the generated client never sends them.
pub(crate) fn default_changed() -> Class {
    NonBreaking
}

/// Adding pagination to an existing operation: clients that read one answer now miss the
/// rest.
pub(crate) fn pagination_added() -> Class {
    Breaking
}

/// Deprecation is a notice, not a change of behavior.
pub(crate) fn deprecation_changed() -> Class {
    NonBreaking
}

/// A status code gone from an operation's responses. Error codes (4xx, 5xx, `default`) are
/// not breaking: the runtime maps every non-2xx answer to the same error, listed or not, so
/// no client depends on an error code being documented. A success (or informational, or
/// redirect) code gone means the answer clients decode is gone.
pub(crate) fn response_removed(status: &str) -> Class {
    let error = status == "default" || status.starts_with('4') || status.starts_with('5');
    if error { NonBreaking } else { Breaking }
}

#[cfg(test)]
mod tests {
    use super::Direction::{Both, Request, Response};
    use super::*;

    #[test]
    fn removing_anything_breaks_and_adding_does_not() {
        assert_eq!(removed(), Breaking);
        assert_eq!(added(), NonBreaking);
        assert_eq!(type_changed(), Breaking);
        assert_eq!(pagination_added(), Breaking);
        assert_eq!(default_changed(), NonBreaking);
        assert_eq!(deprecation_changed(), NonBreaking);
    }

    #[test]
    fn a_new_input_breaks_only_when_required() {
        assert_eq!(input_added(true), Breaking);
        assert_eq!(input_added(false), NonBreaking);
        assert_eq!(field_added(Request, true), Breaking);
        assert_eq!(field_added(Request, false), NonBreaking);
    }

    #[test]
    fn a_new_response_field_never_breaks() {
        assert_eq!(field_added(Response, true), NonBreaking);
        assert_eq!(field_added(Response, false), NonBreaking);
    }

    #[test]
    fn required_changes_depend_on_direction() {
        assert_eq!(required_changed(Request, true), Breaking);
        assert_eq!(required_changed(Request, false), NonBreaking);
        assert_eq!(required_changed(Response, false), Breaking);
        assert_eq!(required_changed(Response, true), NonBreaking);
    }

    #[test]
    fn nullable_changes_depend_on_direction() {
        assert_eq!(nullable_changed(Response, true), Breaking);
        assert_eq!(nullable_changed(Response, false), NonBreaking);
        assert_eq!(nullable_changed(Request, true), NonBreaking);
        assert_eq!(nullable_changed(Request, false), Breaking);
    }

    #[test]
    fn restricting_breaks_inputs_and_relaxing_breaks_outputs() {
        assert_eq!(restricted(Request), Breaking);
        assert_eq!(restricted(Response), NonBreaking);
        assert_eq!(relaxed(Request), NonBreaking);
        assert_eq!(relaxed(Response), Breaking);
        assert_eq!(additional_properties_allowed(), NonBreaking);
    }

    #[test]
    fn unknown_direction_takes_the_stricter_reading() {
        assert_eq!(field_added(Both, true), Breaking);
        assert_eq!(field_added(Both, false), NonBreaking);
        assert_eq!(required_changed(Both, true), Breaking);
        assert_eq!(required_changed(Both, false), Breaking);
        assert_eq!(nullable_changed(Both, true), Breaking);
        assert_eq!(restricted(Both), Breaking);
    }

    #[test]
    fn removing_an_error_code_does_not_break_but_a_success_code_does() {
        for code in ["400", "404", "429", "4XX", "500", "5XX", "default"] {
            assert_eq!(response_removed(code), NonBreaking, "{code}");
        }
        for code in ["200", "201", "204", "2XX", "302", "101"] {
            assert_eq!(response_removed(code), Breaking, "{code}");
        }
    }
}
