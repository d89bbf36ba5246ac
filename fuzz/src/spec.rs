//! The spec loader, validator, lowering and emitters: one file of a real spec
//! tree (the petstore fixture or the Docker spec) mutated line by line and
//! byte by byte, then the whole pipeline run on the tree. Nothing panics; a
//! rejected spec gets a non-empty error that names a file; and a spec that
//! validates never meets an "internal generator error" later.

use std::path::{Path, PathBuf};

use docker_codegen::{Error, LowerOptions};

use crate::Target;

/// One spec tree copied into a scratch directory, with its files' texts.
struct Tree {
    dir: PathBuf,
    files: Vec<(String, String)>,
}

impl Tree {
    fn copy(from: &Path, to: PathBuf) -> Result<Tree, String> {
        let _ = std::fs::remove_dir_all(&to);
        std::fs::create_dir_all(&to).map_err(|e| format!("{}: {e}", to.display()))?;
        let mut files = Vec::new();
        for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|x| x == "yaml") {
                let name = path
                    .file_name()
                    .expect("a file")
                    .to_string_lossy()
                    .into_owned();
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                std::fs::write(to.join(&name), &text).map_err(|e| e.to_string())?;
                files.push((name, text));
            }
        }
        files.sort();
        Ok(Tree { dir: to, files })
    }
}

pub struct Spec {
    trees: [Tree; 2],
}

impl Spec {
    pub fn new(workspace: &Path) -> Result<Spec, String> {
        let scratch = std::env::temp_dir().join(format!("drapi-fuzz-spec-{}", std::process::id()));
        Ok(Spec {
            trees: [
                Tree::copy(
                    &workspace.join("generator/tests/fixtures/petstore"),
                    scratch.join("petstore"),
                )?,
                Tree::copy(&workspace.join("spec"), scratch.join("docker"))?,
            ],
        })
    }
}

impl Drop for Spec {
    fn drop(&mut self) {
        if let Some(parent) = self.trees[0].dir.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
}

/// Line-level edits that keep most of the YAML shape: the byte-level ones
/// of the runner rarely get past the YAML parser.
fn mutate_lines(rng: &mut fastrand::Rng, text: &str) -> String {
    const VALUES: [&str; 12] = [
        "~",
        "\"\"",
        "1st",
        "self",
        "type",
        "String",
        "new",
        "[]",
        "{}",
        "\"1.99\"",
        "- x",
        "driver name",
    ];
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..rng.usize(1..=4) {
        if lines.is_empty() {
            break;
        }
        let i = rng.usize(..lines.len());
        match rng.u8(..6) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let line = lines[i].clone();
                lines.insert(i, line);
            }
            2 => {
                let j = rng.usize(..lines.len());
                lines.swap(i, j);
            }
            3 => lines[i] = format!("  {}", lines[i]),
            4 => lines[i] = lines[i].trim_start_matches(' ').to_string(),
            _ => {
                if let Some((key, _)) = lines[i].split_once(": ") {
                    lines[i] = format!("{key}: {}", VALUES[rng.usize(..VALUES.len())]);
                }
            }
        }
    }
    lines.join("\n") + "\n"
}

impl Target for Spec {
    fn generate(&mut self, rng: &mut fastrand::Rng) -> Vec<u8> {
        // The small tree most of the time: the Docker spec takes longer per run.
        let tree = u8::from(rng.u8(..4) == 0);
        let file = rng.usize(..self.trees[tree as usize].files.len());
        let text = &self.trees[tree as usize].files[file].1;
        let mut input = vec![tree, file as u8];
        input.extend_from_slice(mutate_lines(rng, text).as_bytes());
        input
    }

    fn run(&mut self, input: &[u8]) -> Result<(), String> {
        let [tree, file, text @ ..] = input else {
            return Ok(());
        };
        let tree = &self.trees[usize::from(*tree & 1)];
        let (name, original) = &tree.files[usize::from(*file) % tree.files.len()];
        let path = tree.dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        let result = std::panic::catch_unwind(|| {
            docker_codegen::generate(&tree.dir, &LowerOptions::default())
        });
        std::fs::write(&path, original).map_err(|e| format!("{}: {e}", path.display()))?;
        match result {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(Error::Emit(message))) => Err(format!(
                "{name}: the spec validated but the emitter failed: {message}"
            )),
            Ok(Err(Error::Spec(problems))) => {
                let text = problems.to_string();
                if text.contains(".yaml") {
                    Ok(())
                } else {
                    Err(format!("{name}: an error that names no file: {text}"))
                }
            }
            Ok(Err(Error::Version(message))) if message.trim().is_empty() => {
                Err(format!("{name}: an empty version error"))
            }
            Ok(Err(Error::Version(_))) => Ok(()),
        }
    }
}
