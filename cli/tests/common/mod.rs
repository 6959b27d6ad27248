//! The golden vectors, shared with the core's tests (../tests/data/golden).
#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value;

pub struct Case {
    pub name: String,
    pub meta: Value,
    pub bin: PathBuf,
}

impl Case {
    pub fn kind(&self) -> &str {
        self.meta["kind"].as_str().unwrap()
    }
    pub fn block_size(&self) -> String {
        self.meta["block_size"].to_string()
    }
    pub fn image(&self) -> Vec<u8> {
        std::fs::read(&self.bin).unwrap()
    }
}

pub fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/golden")
}

pub fn cases() -> Vec<Case> {
    let mut cases: Vec<Case> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .filter_map(|path| {
            let meta: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            meta.get("kind")?;
            Some(Case {
                name: path.file_stem().unwrap().to_str().unwrap().to_owned(),
                bin: path.with_extension("bin"),
                meta,
            })
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

pub fn dwvd() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("dwvd").unwrap()
}
