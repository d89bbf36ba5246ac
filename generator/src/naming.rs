//! Rust names from wire names, aware of the acronyms Docker spells in mixed case.
//!
//! heck treats every capital as the start of a word, so `ExecIDs` becomes
//! `exec_i_ds` and `IPv4Forwarding` becomes `i_pv4_forwarding`. Here a run of
//! capitals is one word, and the lower-case tails Docker hangs on acronyms
//! (`IDs`, `IPv4`, `IOps`) stay with them: `exec_ids`, `ipv4_forwarding`,
//! `io_maximum_iops`. A capital run followed by an ordinary word gives its last
//! capital to that word (`HTTPServer` → `http_server`).

/// Lower-case tails that belong to the acronym before them rather than
/// starting a word of their own: plurals (`IDs`, `CPUs`) and `IPv4`/`IPv6`.
/// `ps` covers `IOps` (I/O operations per second).
const ACRONYM_TAILS: [&str; 4] = ["s", "v4", "v6", "ps"];

/// The words of a wire name, lower-cased: `BlkioDeviceReadIOps` → `blkio device read iops`.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        split_part(part, &mut out);
    }
    out
}

fn split_part(part: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = part.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        if chars[i].is_ascii_uppercase() {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_uppercase() {
                j += 1;
            }
            if j - i == 1 {
                // One capital: an ordinary word such as `Exec`.
                i = lower_run_end(&chars, j);
            } else {
                // A capital run: an acronym, maybe with a tail that belongs to it.
                let tail_end = lower_run_end(&chars, j);
                let tail: String = chars[j..tail_end].iter().collect();
                if tail.is_empty() || j == chars.len() {
                    i = j;
                } else if ACRONYM_TAILS.contains(&tail.as_str()) {
                    i = tail_end;
                } else {
                    // `HTTPServer`: the last capital starts the next word.
                    i = j - 1;
                }
            }
        } else {
            i = lower_run_end(&chars, i + 1);
        }
        if i == start {
            i += 1;
        }
        out.push(
            chars[start..i]
                .iter()
                .collect::<String>()
                .to_ascii_lowercase(),
        );
    }
}

/// The end of a run of lower-case letters and digits starting at `from`.
fn lower_run_end(chars: &[char], from: usize) -> usize {
    let mut k = from;
    while k < chars.len() && (chars[k].is_ascii_lowercase() || chars[k].is_ascii_digit()) {
        k += 1;
    }
    k
}

/// snake_case name for a field or parameter: `ExecIDs` → `exec_ids`.
pub fn snake(name: &str) -> String {
    let joined = words(name).join("_");
    if joined.is_empty() {
        "value".into()
    } else {
        joined
    }
}

/// The first segment of a snake_case name that is a single letter, if any
/// (`i` in `exec_i_ds`): the sign of an acronym split apart.
pub fn single_letter_segment(snake_name: &str) -> Option<&str> {
    let name = snake_name.strip_prefix("r#").unwrap_or(snake_name);
    name.split('_')
        .find(|s| s.len() == 1 && s.chars().all(|c| c.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_stay_whole() {
        for (wire, rust) in [
            ("ExecIDs", "exec_ids"),
            ("IPv4Forwarding", "ipv4_forwarding"),
            ("BlkioDeviceReadIOps", "blkio_device_read_iops"),
            ("IOMaximumIOps", "io_maximum_iops"),
            ("IOMaximumBandwidth", "io_maximum_bandwidth"),
            ("HTTPServer", "http_server"),
            ("OOMKilled", "oom_killed"),
            ("NetworkID", "network_id"),
            ("LinkLocalIPv6Address", "link_local_ipv6_address"),
            ("CPUs", "cpus"),
            ("NCPU", "ncpu"),
            ("CpuShares", "cpu_shares"),
            ("is-automated", "is_automated"),
            ("X-Registry-Auth", "x_registry_auth"),
            ("noprune", "noprune"),
            ("MemTotal", "mem_total"),
            ("SecondaryIPv6Addresses", "secondary_ipv6_addresses"),
            ("OSType", "os_type"),
            ("KernelMemoryTCP", "kernel_memory_tcp"),
        ] {
            assert_eq!(snake(wire), rust, "{wire}");
        }
    }

    #[test]
    fn finds_split_acronyms() {
        assert_eq!(single_letter_segment("exec_i_ds"), Some("i"));
        assert_eq!(single_letter_segment("x_registry_auth"), Some("x"));
        assert_eq!(single_letter_segment("exec_ids"), None);
        assert_eq!(single_letter_segment("ipv4"), None);
    }
}
