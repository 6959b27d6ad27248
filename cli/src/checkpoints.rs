//! `inspect`'s cross-check of WORM logs against the signed checkpoints (the core's
//! `transparency::Checkpoint`, stored as vault passports) found in the same image: a log
//! is consistent with a checkpoint when its first `size` records still hash to the
//! checkpoint's root. Fewer records than `size` is a truncation; another root a rewrite.
//! With a public key, a checkpoint whose signature does not verify is not checked against
//! any log (a forgery says nothing about it), and one that verifies but names no WORM
//! region of the image is a problem: its region was removed or its header changed.

use std::collections::BTreeMap;

use dwvd_regions::transparency::{
    CHECKPOINT_NOTES_PREFIX, Checkpoint, Hash, TransparencyError, TreeBuilder,
};
use dwvd_regions::vault::VaultView;
use dwvd_regions::worm::WriteRecord;
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
    /// Its signature does not verify with `--public-key`: not checked against the log.
    SignatureInvalid,
    /// Several WORM regions share the checkpoint's id and it is consistent with another
    /// of them: it is that region's checkpoint, not this one's.
    OtherRegion,
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
    /// of the log (with a valid signature, or none checked), or (with a key) a checkpoint
    /// whose signature does not verify.
    pub fn problem(&self) -> Option<&'static str> {
        match self.status {
            Standing::Truncated => Some("truncated_below_checkpoint"),
            Standing::Rewritten => Some("rewritten_since_checkpoint"),
            Standing::SignatureInvalid => Some("checkpoint_signature_invalid"),
            Standing::Consistent | Standing::Malformed | Standing::OtherRegion => None,
        }
    }

    /// What a region line starts with when this check is its problem.
    pub fn headline(&self) -> &'static str {
        match self.status {
            Standing::Truncated => "TRUNCATED below a checkpoint",
            Standing::Rewritten => "REWRITTEN since a checkpoint",
            Standing::SignatureInvalid => "CHECKPOINT SIGNATURE INVALID",
            Standing::Consistent | Standing::Malformed | Standing::OtherRegion => "",
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
    /// Whether it is a problem: its signature verified with `--public-key`, so its region
    /// was removed from the image or had its header changed (which changes its id).
    pub problem: bool,
    /// What it means, in words.
    pub detail: String,
}

impl UnmatchedCheckpoint {
    pub fn new(found: &FoundCheckpoint) -> Self {
        let checkpoint = found.checkpoint.as_ref().ok();
        let object_id = found.object_id.hyphenated().to_string();
        let tree_size = checkpoint.map(|checkpoint| checkpoint.tree_size);
        let problem = found.signature_valid == Some(true) && checkpoint.is_some();
        let detail = match (found.signature_valid, tree_size) {
            (Some(true), Some(size)) => format!(
                "signed checkpoint for region {object_id} (size {size}) matches no WORM region in this image: the region was removed or its header changed"
            ),
            (Some(true), None) => {
                "not an error: its notes do not read as a checkpoint".to_string()
            }
            (Some(false), _) => {
                "not an error: its signature does not verify, so it says nothing about any log"
                    .to_string()
            }
            (None, _) => "not an error: signature not checked (give --public-key to make a signed checkpoint without its region one)".to_string(),
        };
        Self {
            passport_id: found.passport_id.hyphenated().to_string(),
            object_id,
            vault_first_block: found.vault_first_block,
            tree_size,
            root: checkpoint.map(|checkpoint| hex::encode(checkpoint.root)),
            signature: signature_word(found.signature_valid),
            problem,
            detail,
        }
    }

    /// One line for the text report.
    pub fn text(&self) -> String {
        let size = self
            .tree_size
            .map_or_else(|| "?".to_string(), |size| size.to_string());
        let root = self.root.as_deref().map_or("?", short);
        if self.problem {
            return format!(
                "PROBLEM: {} (root {root}; passport {}, vault at block {})",
                self.detail, self.passport_id, self.vault_first_block
            );
        }
        format!(
            "passport {} in the vault at block {}: object {}, size {size}, root {root}; {}",
            self.passport_id, self.vault_first_block, self.object_id, self.detail
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

/// Checks `log` (a WORM region's records) against each of `checkpoints` in one streaming pass over its records
/// (a `TreeBuilder`, read at each checkpoint's size: O(log n) memory for the tree).
pub fn check_log<'r>(
    log: impl ExactSizeIterator<Item = &'r WriteRecord>,
    checkpoints: &[&FoundCheckpoint],
) -> Vec<CheckpointCheck> {
    let records = u64::try_from(log.len()).unwrap_or(u64::MAX);
    let mut sizes: Vec<u64> = checkpoints
        .iter()
        .filter(|found| found.signature_valid != Some(false))
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
fn roots_at<'r>(
    mut records: impl Iterator<Item = &'r WriteRecord>,
    sizes: &[u64],
) -> Vec<(u64, Hash)> {
    let mut roots = Vec::with_capacity(sizes.len());
    let mut wanted = sizes.iter().copied().peekable();
    let mut tree = TreeBuilder::new();
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
    if let Ok(checkpoint) = &found.checkpoint {
        check.tree_size = Some(checkpoint.tree_size);
        check.root = Some(hex::encode(checkpoint.root));
        check.ticks = Some(checkpoint.ticks.get());
    }
    if found.signature_valid == Some(false) {
        check.status = Standing::SignatureInvalid;
        check.detail = "not checked against the log — its signature does not verify, so it says nothing about the log".to_string();
        return check;
    }
    let checkpoint = match &found.checkpoint {
        Ok(checkpoint) => checkpoint,
        Err(error) => {
            check.detail = format!("MALFORMED — {error}");
            return check;
        }
    };
    let size = checkpoint.tree_size;
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

/// Settles checkpoints whose id several WORM regions share (regions with the same
/// capacity, retention and creation time have the same `worm_region_id`). `checks[r]`
/// holds region r's checks, each with the index of its checkpoint. A checkpoint
/// consistent with one of them is that region's: for the others it reads `OtherRegion`,
/// no problem. Only one consistent with none of them stays a truncation or rewrite on
/// each, with a note that the id is ambiguous.
pub fn settle_shared_ids(checks: &mut [Vec<(usize, CheckpointCheck)>]) {
    let mut by_checkpoint: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
    for (region, region_checks) in checks.iter().enumerate() {
        for (at, (checkpoint, _)) in region_checks.iter().enumerate() {
            by_checkpoint
                .entry(*checkpoint)
                .or_default()
                .push((region, at));
        }
    }
    for places in by_checkpoint.values().filter(|places| places.len() > 1) {
        let standing = |(region, at): (usize, usize)| {
            checks
                .get(region)
                .and_then(|region_checks| region_checks.get(at))
                .map(|(_, check)| check.status)
        };
        let matched = places
            .iter()
            .any(|place| standing(*place) == Some(Standing::Consistent));
        for (region, at) in places {
            let Some((_, check)) = checks
                .get_mut(*region)
                .and_then(|region_checks| region_checks.get_mut(*at))
            else {
                continue;
            };
            if !matches!(check.status, Standing::Truncated | Standing::Rewritten) {
                continue;
            }
            if matched {
                check.status = Standing::OtherRegion;
                check.detail = "checkpoint of another region with the same id — it is consistent with another WORM region of this image, not with this one".to_string();
            } else {
                check.detail = format!(
                    "{} (the id is ambiguous: {} WORM regions of this image share it, and the checkpoint matches none of them)",
                    check.detail,
                    places.len()
                );
            }
        }
    }
}
