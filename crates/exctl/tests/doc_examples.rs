//! Every command example in README.md and docs/ runs, so examples cannot
//! rot. A ```sh block is run as a shell script (`set -e`) with `exctl` on
//! the PATH, in a fresh sandbox per file: a new home (HOME, so the default
//! instance folder is used as a reader's would be) and a copy of
//! docs/examples/ in the working folder; the blocks of one file run in
//! order, each seeing what the earlier ones did. A block fenced
//! ```sh no-run (a server, a download, a GPU) is only parsed, by the
//! command line's own tests.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The runnable ```sh blocks of a Markdown file, in order.
pub fn runnable_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

fn run_file(name: &str) -> usize {
    let text = std::fs::read_to_string(root().join(name)).unwrap();
    let blocks = runnable_blocks(&text);
    let sandbox = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("docs/examples"),
        &sandbox.path().join("docs/examples"),
    );
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_exctl")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for block in &blocks {
        let out = Command::new("sh")
            .args(["-e", "-c", block])
            .current_dir(sandbox.path())
            .env("HOME", sandbox.path().join("home"))
            .env("PATH", &path)
            .env_remove("EXCTL_HOME")
            .env_remove("EXCTL_DB")
            .env_remove("EXCTL_LISTS")
            .env_remove("EXCTL_DATA")
            .env_remove("EXCTL_USER")
            // The default instance folder must be the sandbox's, never the
            // developer's: XDG_DATA_HOME would win over HOME.
            .env_remove("XDG_DATA_HOME")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: this example failed:\n{block}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    blocks.len()
}

#[test]
fn the_readme_examples_run() {
    assert!(run_file("README.md") >= 1);
}

#[test]
fn the_docs_examples_run() {
    let mut ran = 0;
    let mut names: Vec<String> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    for name in names {
        ran += run_file(&format!("docs/{name}"));
    }
    assert!(ran >= 2, "{ran} blocks ran");
}
