//! What a fake container runs: no process, a function from the command to
//! its output and exit code ([`Invocation`] to [`Outcome`]).

use super::util::shell_words;

/// A command the fake daemon "runs": a container's entrypoint and command when
/// it starts, or an exec's command.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Invocation {
    /// The words of the command, entrypoint first (`["sh", "-c", "echo hi"]`).
    pub argv: Vec<String>,
    /// The environment, `NAME=value` (the image's, then the container's).
    pub env: Vec<String>,
    /// Whether it runs with a TTY.
    pub tty: bool,
    /// The container's ID.
    pub container_id: String,
    /// The container's name, without the leading `/`.
    pub container_name: String,
    /// The image as the container was created from it (`busybox:latest`).
    pub image: String,
    /// Whether this is an exec (`docker exec`) rather than the container's main process.
    pub exec: bool,
}

/// What a command does: what it prints, and whether and how it exits.
///
/// Standard output comes first, then standard error; with a TTY both go to
/// the console and `\n` becomes `\r\n`, as a terminal writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// What it writes on standard output.
    pub stdout: Vec<u8>,
    /// What it writes on standard error.
    pub stderr: Vec<u8>,
    /// Its exit code, or `None` while it keeps running until it is stopped or
    /// killed (like `sleep 3600`).
    pub exit_code: Option<i64>,
}

impl Outcome {
    /// A command that exits with `code` and prints nothing.
    pub fn exit(code: i64) -> Self {
        Outcome {
            exit_code: Some(code),
            ..Default::default()
        }
    }

    /// A command that keeps running until it is stopped or killed.
    pub fn running() -> Self {
        Outcome::default()
    }

    /// The same, also writing `bytes` on standard output.
    pub fn with_stdout(mut self, bytes: impl AsRef<[u8]>) -> Self {
        self.stdout.extend_from_slice(bytes.as_ref());
        self
    }

    /// The same, also writing `bytes` on standard error.
    pub fn with_stderr(mut self, bytes: impl AsRef<[u8]>) -> Self {
        self.stderr.extend_from_slice(bytes.as_ref());
        self
    }
}

/// What the fake daemon runs when no program was given to
/// [`FakeDaemonBuilder::program`](super::FakeDaemonBuilder::program), and
/// what a program of your own can fall back to.
///
/// It knows a few commands of a busybox image, by the base name of the
/// first word:
///
/// - `echo ARGS...` prints its arguments (`-n`: without the newline);
/// - `true` exits 0, `false` exits 1, `exit N` exits `N`;
/// - `sleep N` keeps running until stopped (`sleep 0` exits at once), and so
///   do `cat` without arguments, `tail -f`, `top`, and `sh` without `-c`, as
///   they would waiting for input;
/// - `sh -c SCRIPT` (also `bash`, `ash`, `/bin/sh`) runs the commands of
///   `SCRIPT` separated by `;`, `&&`, `||` or newlines with the same rules,
///   stopping at the first that keeps running or exits (`exit N`); a
///   command's output goes to standard error with `>&2`, nowhere with
///   `>/dev/null`;
/// - anything else exits 0 with no output.
pub fn default_program(invocation: &Invocation) -> Outcome {
    run_words(&invocation.argv)
}

fn run_words(argv: &[String]) -> Outcome {
    let Some(first) = argv.first() else {
        return Outcome::exit(0);
    };
    let program = first.rsplit('/').next().unwrap_or(first);
    let args = &argv[1..];
    match program {
        "echo" => {
            let (newline, words) = match args.first().map(String::as_str) {
                Some("-n") => (false, &args[1..]),
                _ => (true, args),
            };
            let mut text = words.join(" ");
            if newline {
                text.push('\n');
            }
            Outcome::exit(0).with_stdout(text)
        }
        "true" | ":" => Outcome::exit(0),
        "false" => Outcome::exit(1),
        "exit" => Outcome::exit(
            args.first()
                .and_then(|code| code.parse::<i64>().ok())
                .map(|code| code.rem_euclid(256))
                .unwrap_or(0),
        ),
        "sleep" => match args.first().map(String::as_str) {
            // `sleep 0` is over at once; any other length outlasts a test.
            Some("0") => Outcome::exit(0),
            Some(_) => Outcome::running(),
            None => Outcome::exit(1).with_stderr("sleep: missing operand\n"),
        },
        "cat" if args.is_empty() => Outcome::running(),
        "top" => Outcome::running(),
        "tail" if args.iter().any(|a| a == "-f" || a == "-F") => Outcome::running(),
        "sh" | "bash" | "ash" | "dash" => match args {
            [flag, script, ..] if flag == "-c" => run_script(script),
            [] => Outcome::running(),
            _ => Outcome::exit(0),
        },
        _ => Outcome::exit(0),
    }
}

/// A shell script, trivially: its simple commands in order.
fn run_script(script: &str) -> Outcome {
    let mut outcome = Outcome::exit(0);
    let mut rest = script;
    let mut skip_next = false;
    loop {
        // The next command ends at the first separator outside quotes.
        let (command, separator, tail) = split_command(rest);
        if !skip_next {
            let mut words = shell_words(command);
            // Redirections of standard output: `>&2` (to standard error) and
            // `>/dev/null` (away).
            let to_stderr = take_word(&mut words, &[">&2", "1>&2"]);
            let to_null = take_word(&mut words, &[">/dev/null", "1>/dev/null"]);
            take_word(&mut words, &["2>&1"]);
            if !words.is_empty() {
                let step = run_words(&words);
                if to_stderr {
                    outcome.stderr.extend(step.stdout);
                } else if !to_null {
                    outcome.stdout.extend(step.stdout);
                }
                outcome.stderr.extend(step.stderr);
                let explicit_exit = words[0] == "exit";
                match step.exit_code {
                    None => {
                        outcome.exit_code = None;
                        return outcome;
                    }
                    Some(code) if explicit_exit => {
                        outcome.exit_code = Some(code);
                        return outcome;
                    }
                    Some(code) => outcome.exit_code = Some(code),
                }
            }
        }
        let succeeded = outcome.exit_code == Some(0);
        skip_next = match separator {
            "&&" => !succeeded,
            "||" => succeeded,
            _ => false,
        };
        if separator.is_empty() {
            return outcome;
        }
        rest = tail;
    }
}

/// Removes every word of `words` that is one of `any`; whether there was one.
fn take_word(words: &mut Vec<String>, any: &[&str]) -> bool {
    let before = words.len();
    words.retain(|w| !any.contains(&w.as_str()));
    words.len() != before
}

/// The first simple command of `script`, the separator after it (`;`, `&&`,
/// `||`, a newline, or empty at the end) and what follows.
fn split_command(script: &str) -> (&str, &str, &str) {
    let bytes = script.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'\\' => i += 1,
                b';' | b'\n' => return (&script[..i], &script[i..i + 1], &script[i + 1..]),
                b'&' | b'|' if bytes.get(i + 1) == Some(&b) => {
                    return (&script[..i], &script[i..i + 2], &script[i + 2..])
                }
                _ => {}
            },
        }
        i += 1;
    }
    (script, "", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(argv: &[&str]) -> Outcome {
        run_words(&argv.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn the_default_program_knows_a_few_commands() {
        assert_eq!(
            run(&["echo", "a", "b"]),
            Outcome::exit(0).with_stdout("a b\n")
        );
        assert_eq!(run(&["/bin/false"]), Outcome::exit(1));
        assert_eq!(run(&["sleep", "30"]), Outcome::running());
        assert_eq!(run(&["ls", "-l"]), Outcome::exit(0));
        assert_eq!(
            run(&["sh", "-c", "echo 'x; y'; echo z && exit 3; echo never"]),
            Outcome::exit(3).with_stdout("x; y\nz\n")
        );
        assert_eq!(
            run(&["sh", "-c", "false && echo no || echo yes"]),
            Outcome::exit(0).with_stdout("yes\n")
        );
        assert_eq!(
            run(&["sh", "-c", "echo out; echo err >&2; echo gone >/dev/null"]),
            Outcome::exit(0).with_stdout("out\n").with_stderr("err\n")
        );
        assert_eq!(
            run(&["sh", "-c", "echo up; sleep 5; echo later"]),
            Outcome::running().with_stdout("up\n")
        );
    }
}
