//! HTTP dates as servers really write them (`Sunset`, `Deprecation`, `Retry-After`).
//!
//! RFC 9110 §5.6.7 asks recipients to accept all three HTTP-date forms (IMF-fixdate,
//! RFC 850 and asctime) and, in its introduction to field values, to be lenient. Amperity's
//! versioning page shows `Deprecation: Tue, 1 Sep 2024 23:59:59 GMT` — 1 September 2024
//! was a Sunday, and the day has one digit. A strict RFC 2822 parser (chrono's) refuses
//! both, and the notice would lose its date exactly where the documentation shows one. So
//! the weekday is read past and never checked: the day, month, year and time say when.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// Parses an HTTP date in any of the three forms, with any weekday (or none), a day of one
/// or two digits, a month of any case (`Sep`, `SEP`, `September`) and a zone of `GMT`,
/// `UTC`, `UT`, `Z` or `±hhmm` (asctime has none: GMT). `None` when it is not a date.
pub(crate) fn http_date(value: &str) -> Option<DateTime<Utc>> {
    http_date_in(value, Utc::now().year())
}

/// [`http_date`] with the current year given, which decides the century of an RFC 850
/// two-digit year: RFC 9110 reads one that would be more than 50 years ahead as the
/// most recent past year with those digits.
fn http_date_in(value: &str, this_year: i32) -> Option<DateTime<Utc>> {
    let mut tokens: Vec<&str> = value
        .split(|c: char| c.is_ascii_whitespace() || c == ',' || c == '-')
        .filter(|t| !t.is_empty())
        .collect();
    // A leading word that is not a month is the weekday (whatever it says).
    if tokens
        .first()
        .is_some_and(|t| t.bytes().all(|b| b.is_ascii_alphabetic()) && month(t).is_none())
    {
        tokens.remove(0);
    }
    let (day, month_name, year, time, zone) = match tokens[..] {
        // IMF-fixdate and RFC 850: `1 Sep 2024 23:59:59 GMT`, `01-Sep-24 23:59:59 GMT`.
        [day, month_name, year, time, zone] => (day, month_name, year, time, Some(zone)),
        // A zone left out is GMT: HTTP dates are always in GMT.
        [day, month_name, year, time] if day.bytes().all(|b| b.is_ascii_digit()) => {
            (day, month_name, year, time, None)
        }
        // asctime: `Sep  1 23:59:59 2024`.
        [month_name, day, time, year] => (day, month_name, year, time, None),
        _ => return None,
    };
    let offset = match zone {
        None => 0,
        Some(zone) => zone_offset(zone)?,
    };
    let date = NaiveDate::from_ymd_opt(
        full_year(year, this_year)?,
        month(month_name)?,
        number(day, 2)?,
    )?;
    let time = NaiveTime::parse_from_str(time, "%H:%M:%S").ok()?;
    FixedOffset::east_opt(offset)?
        .from_local_datetime(&date.and_time(time))
        .single()
        .map(|at| at.with_timezone(&Utc))
}

/// The month of `name` by its first three letters, in any case.
fn month(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = name.get(..3)?.to_ascii_lowercase();
    let index = MONTHS.iter().position(|m| *m == prefix)?;
    // Whatever follows the three letters must be letters too (`September`, not `Sep9`).
    name.bytes()
        .all(|b| b.is_ascii_alphabetic())
        .then_some(index as u32 + 1)
}

/// A number of at most `digits` digits.
fn number(text: &str, digits: usize) -> Option<u32> {
    (!text.is_empty() && text.len() <= digits && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn full_year(text: &str, this_year: i32) -> Option<i32> {
    if text.len() == 4 {
        return number(text, 4).map(|y| y as i32);
    }
    let two = number(text, 2)? as i32;
    let century = this_year - this_year.rem_euclid(100);
    let year = century + two;
    Some(if year > this_year + 50 {
        year - 100
    } else {
        year
    })
}

/// Seconds east of GMT.
fn zone_offset(zone: &str) -> Option<i32> {
    if ["GMT", "UTC", "UT", "Z"]
        .iter()
        .any(|z| zone.eq_ignore_ascii_case(z))
    {
        return Some(0);
    }
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        // `-` splits tokens, so a negative offset arrives without its sign: `0500`.
        b'0'..=b'9' => (-1, zone),
        _ => return None,
    };
    if digits.len() != 4 {
        return None;
    }
    let hours = number(&digits[..2], 2)? as i32;
    let minutes = number(&digits[2..], 2)? as i32;
    (minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> Option<DateTime<Utc>> {
        Some(
            DateTime::parse_from_rfc3339(rfc3339)
                .unwrap()
                .with_timezone(&Utc),
        )
    }

    #[test]
    fn the_three_forms_of_rfc_9110() {
        let expected = at("1994-11-06T08:49:37Z");
        assert_eq!(
            http_date_in("Sun, 06 Nov 1994 08:49:37 GMT", 2026),
            expected
        );
        assert_eq!(
            http_date_in("Sunday, 06-Nov-94 08:49:37 GMT", 2026),
            expected
        );
        assert_eq!(http_date_in("Sun Nov  6 08:49:37 1994", 2026), expected);
    }

    #[test]
    fn any_weekday_or_none_and_a_one_digit_day() {
        // Amperity's versioning page: both dates were Sundays.
        assert_eq!(
            http_date_in("Tue, 1 Sep 2024 23:59:59 GMT", 2026),
            at("2024-09-01T23:59:59Z")
        );
        assert_eq!(
            http_date_in("Wed, 1 Dec 2024 23:59:59 GMT", 2026),
            at("2024-12-01T23:59:59Z")
        );
        assert_eq!(
            http_date_in("1 December 2024 23:59:59 utc", 2026),
            at("2024-12-01T23:59:59Z")
        );
        assert_eq!(
            http_date_in("Someday, 01 Dec 2024 23:59:59 +0100", 2026),
            at("2024-12-01T22:59:59Z")
        );
        assert_eq!(
            http_date_in("Sun, 01 Dec 2024 18:59:59 -0500", 2026),
            at("2024-12-01T23:59:59Z")
        );
    }

    #[test]
    fn two_digit_years_are_never_more_than_fifty_years_ahead() {
        assert_eq!(
            http_date_in("Monday, 01-Jan-76 00:00:00 GMT", 2026),
            at("2076-01-01T00:00:00Z")
        );
        assert_eq!(
            http_date_in("Monday, 01-Jan-77 00:00:00 GMT", 2026),
            at("1977-01-01T00:00:00Z")
        );
    }

    #[test]
    fn what_is_not_a_date_is_none() {
        for bad in [
            "",
            "tomorrow",
            "Sun, 31 Feb 2024 00:00:00 GMT",
            "Sun, 01 Foo 2024 00:00:00 GMT",
            "Sun, 01 Sep 2024 25:00:00 GMT",
            "Sun, 01 Sep 2024 23:59:59 PST",
            "Sun, 001 Sep 2024 23:59:59 GMT",
            "Sun, 01 Sep9 2024 23:59:59 GMT",
            "Sun, 01 Sep 2024",
            "1688169599",
        ] {
            assert_eq!(http_date_in(bad, 2026), None, "{bad:?}");
        }
    }
}
