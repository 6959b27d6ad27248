//! `inspect`'s cross-check of WORM logs against the signed checkpoints (the core's
//! `transparency::Checkpoint`, stored as vault passports) found in the same image: a log
//! is consistent with a checkpoint when its first `size` records still hash to the
//! checkpoint's root. Fewer records than `size` is a truncation; another root a rewrite.

use dwvd_regions::transparency::{
    CHECKPOINT_NOTES_PREFIX, Checkpoint, Hash, TransparencyError, TreeBuilder,
};
use dwvd_regions::vault::VaultView;
use dwvd_regions::worm::WormView;
use serde::Serialize;
use uuid::Uuid;

/// A checkpoint passport found in a vault region.
#[derive(Debug, Clone)]
pub struct FoundCheckpoint {
    /// The vault region's first block.
    pub vault_first_block: u64,
    pub passport_id: Uuid,
    /// The WORM region it is for (its `worm_region_id`, when `dwvd worm checkpoint` made it).
    pub object_id: Uuid,
    /// What its notes say, or why they do not read as a checkpoint.
    pub checkpoint: Result<Checkpoint, TransparencyError>,
    /// Whether its signature verified with the public key; `None` without a key.
    pub signature_valid: Option<bool>,
}

/// The checkpoint passports of a vault (notes starting with `dwvd-checkpoint/1 `).
/// `verified` holds each passport's signature verdict, in order, when a key was given.
pub fn in_vault(
    view: &VaultView<'_>,
    first_block: u64,
    verified: Option<&[bool]>,
) -> Vec<FoundCheckpoint> {
    view.passports()
        .enumerate()
        .filter(|(_, passport)| {
            passport
                .notes_bytes()
                .starts_with(CHECKPOINT_NOTES_PREFIX.as_bytes())
        })
        .map(|(index, passport)| FoundCheckpoint {
            vault_first_block: first_block,
            passport_id: passport.passport_id(),
            object_id: passport.object_id(),
            checkpoint: Checkpoint::from_passport_view(&passport),
            signature_valid: verified.map(|verified| verified.get(index).copied().unwrap_or(false)),
        })
        .collect()
}

/// How a log stands against one checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The first `size` records hash to the checkpoint's root.
    Consistent,
    /// The log holds fewer records than the checkpoint pinned.
    Truncated,
    /// The first `size` records hash to another root: a record was changed.
    Rewritten,
    /// The passport's notes start like a checkpoint's but do not read as one.
    Malformed,
}

/// One checkpoint's check against one WORM region, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointCheck {
    pub passport_id: String,
    pub vault_first_block: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticks: Option<i64>,
    pub status: Standing,
    /// `valid`, `invalid`, or `not checked` (no `--public-key`).
    pub signature: &'static str,
    /// The log's record count (when truncated) or the root its first `size` records have
    /// now (when rewritten).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_records: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_root: Option<String>,
    /// What the check found, in words.
    pub detail: String,
}

impl CheckpointCheck {
    /// The region status this check sets, when it is a problem: a truncation or rewrite
    /// of the log, or (with a key) a checkpoint whose signature does not verify.
    pub fn problem(&self) -> Option<&'static str> {
        match self.status {
            Standing::Truncated => Some("truncated_below_checkpoint"),
            Standing::Rewritten => Some("rewritten_since_checkpoint"),
            Standing::Consistent | Standing::Malformed => {
                (self.signature == "invalid").then_some("checkpoint_signature_invalid")
            }
        }
    }

    /// What a region line starts with when this check is its problem.
    pub fn headline(&self) -> &'static str {
        match self.status {
            Standing::Truncated => "TRUNCATED below a checkpoint",
            Standing::Rewritten => "REWRITTEN since a checkpoint",
            Standing::Consistent | Standing::Malformed => "CHECKPOINT SIGNATURE INVALID",
        }
    }

    /// One line for the text report.
    pub fn text(&self) -> String {
        let size = self
            .tree_size
            .map_or_else(|| "?".to_string(), |size| size.to_string());
        let root = self.root.as_deref().map_or("?", short);
        let signature = match self.signature {
            "valid" => "signature valid",
            "invalid" => "signature INVALID (not signed by --public-key's key)",
            _ => "signature not checked (give --public-key)",
        };
        format!(
            "checkpoint size {size} root {root} (passport {}, vault at block {}): {}; {signature}",
            self.passport_id, self.vault_first_block, self.detail
        )
    }
}

/// A checkpoint whose object id names no WORM region of the image.
#[derive(Debug, Clone, Serialize)]
pub struct UnmatchedCheckpoint {
    pub passport_id: String,
    pub object_id: String,
    pub vault_first_block: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    pub signature: &'static str,
}

impl UnmatchedCheckpoint {
    pub fn new(found: &FoundCheckpoint) -> Self {
        let checkpoint = found.checkpoint.as_ref().ok();
        Self {
            passport_id: found.passport_id.hyphenated().to_string(),
            object_id: found.object_id.hyphenated().to_string(),
            vault_first_block: found.vault_first_block,
            tree_size: checkpoint.map(|checkpoint| checkpoint.tree_size),
            root: checkpoint.map(|checkpoint| hex::encode(checkpoint.root)),
            signature: signature_word(found.signature_valid),
        }
    }

    /// One line for the text report.
    pub fn text(&self) -> String {
        let size = self
            .tree_size
            .map_or_else(|| "?".to_string(), |size| size.to_string());
        format!(
            "passport {} in the vault at block {}: object {}, size {size}, root {}",
            self.passport_id,
            self.vault_first_block,
            self.object_id,
            self.root.as_deref().map_or("?", short)
        )
    }
}

fn signature_word(valid: Option<bool>) -> &'static str {
    match valid {
        Some(true) => "valid",
        Some(false) => "invalid",
        None => "not checked",
    }
}

/// The first 16 hex digits of a hash, for text.
fn short(hex: &str) -> &str {
    hex.get(..16).unwrap_or(hex)
}

/// Checks `log` against each of `checkpoints` in one streaming pass over its records
/// (a `TreeBuilder`, read at each checkpoint's size: O(log n) memory for the tree).
pub fn check_log(log: &WormView<'_>, checkpoints: &[&FoundCheckpoint]) -> Vec<CheckpointCheck> {
    let records = u64::try_from(log.write_log_count()).unwrap_or(u64::MAX);
    let mut sizes: Vec<u64> = checkpoints
        .iter()
        .filter_map(|found| found.checkpoint.as_ref().ok())
        .map(|checkpoint| checkpoint.tree_size)
        .filter(|size| *size <= records)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    let roots = roots_at(log, &sizes);
    checkpoints
        .iter()
        .map(|found| check_one(found, records, &roots))
        .collect()
}

/// The roots of the first `size` records of `log` for each of `sizes` (ascending, each
/// at most the record count), in one pass.
fn roots_at(log: &WormView<'_>, sizes: &[u64]) -> Vec<(u64, Hash)> {
    let mut roots = Vec::with_capacity(sizes.len());
    let mut wanted = sizes.iter().copied().peekable();
    let mut tree = TreeBuilder::new();
    let mut records = log.records();
    loop {
        while wanted.next_if_eq(&tree.size()).is_some() {
            roots.push((tree.size(), tree.root()));
        }
        if wanted.peek().is_none() {
            break;
        }
        match records.next() {
            Some(record) => tree.push(record),
            None => break,
        }
    }
    roots
}

fn check_one(found: &FoundCheckpoint, records: u64, roots: &[(u64, Hash)]) -> CheckpointCheck {
    let mut check = CheckpointCheck {
        passport_id: found.passport_id.hyphenated().to_string(),
        vault_first_block: found.vault_first_block,
        tree_size: None,
        root: None,
        ticks: None,
        status: Standing::Malformed,
        signature: signature_word(found.signature_valid),
        log_records: None,
        log_root: None,
        detail: String::new(),
    };
    let checkpoint = match &found.checkpoint {
        Ok(checkpoint) => checkpoint,
        Err(error) => {
            check.detail = format!("MALFORMED — {error}");
            return check;
        }
    };
    let size = checkpoint.tree_size;
    check.tree_size = Some(size);
    check.root = Some(hex::encode(checkpoint.root));
    check.ticks = Some(checkpoint.ticks.get());
    let now = roots
        .iter()
        .find(|(at, _)| *at == size)
        .map(|(_, root)| *root);
    match now {
        None => {
            check.status = Standing::Truncated;
            check.log_records = Some(records);
            check.detail = format!(
                "TRUNCATED — the log holds {records} records, fewer than the {size} the checkpoint pinned"
            );
        }
        Some(root) if root == checkpoint.root => {
            check.status = Standing::Consistent;
            check.detail = format!(
                "consistent — the first {size} of the log's {records} records hash to its root"
            );
        }
        Some(root) => {
            check.status = Standing::Rewritten;
            check.log_root = Some(hex::encode(root));
            check.detail = format!(
                "REWRITTEN — the first {size} records hash to {}, not the checkpoint's root: a record was changed",
                short(&hex::encode(root))
            );
        }
    }
    check
}
