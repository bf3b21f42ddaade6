//! Timestamps as SQLite's `datetime()` writes them, so the operator's queries
//! (`created_at > datetime('now','-5 minutes')`) compare correctly.

/// `YYYY-MM-DD HH:MM:SS` (UTC) for milliseconds since the epoch.
pub fn sqlite_datetime(epoch_ms: u64) -> String {
    let secs = epoch_ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_sqlite() {
        assert_eq!(sqlite_datetime(0), "1970-01-01 00:00:00");
        assert_eq!(sqlite_datetime(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(sqlite_datetime(1_796_344_496_789), "2026-12-04 00:34:56");
    }
}
