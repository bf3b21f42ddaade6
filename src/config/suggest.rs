//! "Did you mean ...?": the nearest valid name to a misspelled one.

/// Names operators bring from other gateways and from the original manual ("per-user rate
/// 50/min", "KV TTL"), with the key that means it here.
const ALIASES: [(&str, &str); 10] = [
    ("rate_per_minute", "requests"),
    ("requests_per_minute", "requests"),
    ("rate", "requests"),
    ("limit", "requests"),
    ("ttl", "kv_ttl_seconds"),
    ("kv_ttl", "kv_ttl_seconds"),
    ("window", "window_seconds"),
    ("period", "window_seconds"),
    ("timeout", "timeout_ms"),
    ("user_header", "header"),
];

/// The candidate closest to `word` by edit distance, if it is close enough to be a typo
/// (at most a third of the word's length, and at least one edit allowed). A near miss of a
/// known alias suggests the key the alias stands for, when that key is a candidate.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    let aliased = ALIASES
        .iter()
        .filter_map(|(alias, key)| Some((*alias, *candidates.iter().find(|c| *c == key)?)));
    candidates
        .iter()
        .map(|c| (*c, *c))
        .chain(aliased)
        .map(|(spelling, c)| (edit_distance(word, spelling), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, counting a swap of two neighbours as one edit (optimal string
/// alignment), since transposed letters are the commonest typo.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_key_and_strangers_find_none() {
        let keys = ["requests", "window_seconds", "kv_ttl_seconds", "binding"];
        assert_eq!(did_you_mean("reqeusts", &keys), Some("requests"));
        assert_eq!(did_you_mean("window_secs", &keys), Some("window_seconds"));
        assert_eq!(did_you_mean("colour", &keys), None);
        assert_eq!(
            did_you_mean("rate_per_minuet", &keys),
            Some("requests"),
            "the manual's name for it"
        );
        assert_eq!(did_you_mean("ttl", &keys), Some("kv_ttl_seconds"));
        assert_eq!(
            did_you_mean("timeout", &keys),
            None,
            "an alias only counts where its key is valid"
        );
    }
}
