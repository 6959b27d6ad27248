//! `dwvd worm`: the Merkle tree over a WORM region's write log (RFC 6962, the core's
//! `transparency` module) — roots, inclusion and consistency proofs as JSON documents, a
//! verifier for those documents that needs nothing but the document, and signed
//! checkpoints written as vault descriptions for `dwvd build cmvt`.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use dwvd_regions::block::{Block, Checksums};
use dwvd_regions::transparency::{
    Checkpoint, ConsistencyProof, Hash, InclusionProof, LogLeaves, TransparencyError, leaf_hash,
    node_hash, root, split_point, subtree_root, worm_region_id,
};
use dwvd_regions::worm::{RECORD_LEN, WormView, WriteRecord};
use dwvd_regions::{BlockSize, Ticks};
use p256::ecdsa::SigningKey;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zerocopy::{FromBytes, IntoBytes};

use crate::schema::VaultDescription;
use crate::{Failure, image, inspect};
use dwvd_regions::RegionView;

/// Where a WORM region is: the image, its block size, and where in the file it starts.
#[derive(Debug, Clone, clap::Args)]
pub struct RegionArgs {
    /// The raw image file (the WORM region starts at `--offset`; blocks after the region
    /// are not read).
    pub image: PathBuf,
    /// Block size in bytes (512..=65536).
    #[arg(long)]
    pub block_size: usize,
    /// Where the region starts in the file, in bytes.
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    /// How many blocks the region may take (default: as many as its header's record count
    /// needs, read only up to 32 MiB).
    #[arg(long)]
    pub blocks: Option<u64>,
}

/// A WORM region read from an image: its bytes, and how to view them.
///
/// Reading it checks each block's checksum (as it is read, on every core); the rest of
/// the checks run once, when a command takes its [`view`](Self::view).
#[derive(Debug)]
pub struct LoadedRegion {
    bytes: image::RegionBuffer,
    block_size: BlockSize,
    /// Whether every block's checksum matched when it was read: the view then skips
    /// them; otherwise it checks them again, for its own first error.
    checksums: Checksums,
}

impl LoadedRegion {
    /// Reads the region `args` names. Its checks are [`view`](Self::view)'s.
    pub fn read(args: &RegionArgs) -> Result<Self, Failure> {
        let block_size = crate::block_size_argument(args.block_size)?;
        let opened = image::open(&args.image)?;
        Self::read_opened(&opened, args, block_size)
    }

    /// [`read`](Self::read) from the input `args.image` as opened once, `image`: its
    /// header (to size the region), its length and the region are all read through that
    /// one handle, so a file renamed over the path meanwhile cannot give a region sized
    /// by one file and read from another.
    pub fn read_opened(
        image: &image::Opened,
        args: &RegionArgs,
        block_size: BlockSize,
    ) -> Result<Self, Failure> {
        let blocks = match args.blocks {
            Some(blocks) => Some(blocks),
            None => Some(region_blocks(image, &args.image, args.offset, block_size)?),
        };
        // Every block's checksum is verified as its share of the region is read, on
        // every core.
        let (bytes, checksums_match) = image::read_region_checking(
            image,
            &args.image,
            args.offset,
            blocks,
            block_size,
            |block| Block::new_checked(block).is_ok_and(|block| block.checksum_ok()),
        )?;
        if let Some(error) = args
            .blocks
            .and_then(|blocks| image::short_region(bytes.len(), blocks, block_size))
        {
            return Err(Failure::Format(error));
        }
        Ok(Self {
            bytes,
            block_size,
            checksums: if checksums_match {
                Checksums::AlreadyVerified
            } else {
                Checksums::Verify
            },
        })
    }

    /// The checked view of the region (what follows it in the file is not read): every
    /// check of the core's [`WormView`] but the block checksums already verified when
    /// the region was read (its bytes do not change after). A region that does not pass
    /// is a format error, the view's own first error.
    pub fn view(&self) -> Result<WormView<'_>, Failure> {
        WormView::new_checked_prefix_with(&self.bytes, self.block_size, self.checksums)
            .map(|(view, _)| view)
            .map_err(|error| Failure::in_region(error, &self.bytes, self.block_size))
    }
}

/// `dwvd worm root`'s output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootDocument {
    /// The document's layout version (1).
    #[serde(default = "schema_version")]
    pub schema_version: u32,
    pub object_id: String,
    pub records: u64,
    pub tree_size: u64,
    pub root: String,
}

/// An inclusion proof: record `leaf_index` is in the tree whose root is `root`, of
/// `tree_size` records (a size the proof does not bind: only the root does). `record` (the 52 bytes as stored) or `leaf_hash` must be present; when
/// both are, the leaf hash must be the record's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionDocument {
    /// The document's layout version (1).
    #[serde(default = "schema_version")]
    pub schema_version: u32,
    pub tree_size: u64,
    pub leaf_index: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_hash: Option<String>,
    pub root: String,
    pub inclusion: Vec<String>,
}

/// A consistency proof: the tree of `first_size` records (root `first_root`) is a prefix
/// of the tree of `second_size` records (root `second_root`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyDocument {
    /// The document's layout version (1).
    #[serde(default = "schema_version")]
    pub schema_version: u32,
    pub first_size: u64,
    pub second_size: u64,
    pub first_root: String,
    pub second_root: String,
    pub consistency: Vec<String>,
}

/// The layout version of the tool's proof and root documents.
pub const fn schema_version() -> u32 {
    1
}

/// The tree size asked for, or the log's whole length.
fn tree_size_or_all(view: &WormView<'_>, tree_size: Option<u64>) -> u64 {
    tree_size.unwrap_or_else(|| view.record_count())
}

/// A tree or proof error while reading a log: the log cannot give what was asked (a size
/// beyond it, an index outside the tree) — a usage error, exit status 2.
fn asked_too_much(error: TransparencyError) -> Failure {
    Failure::Usage(anyhow!("{error}"))
}

/// Subtrees smaller than this are hashed on one thread: a piece of work worth handing to
/// another core (4096 records: about 0.3 ms).
const PARALLEL_MIN_RECORDS: u64 = 4096;

/// The root of the first `tree_size` records of `log` (the core's
/// [`root`](dwvd_regions::transparency::root)), hashed on every core: RFC 6962's tree
/// splits at the largest power of two below its size ([`split_point`]) into two
/// independent subtrees, hashed in parallel (rayon), split again until the pieces are
/// small or there are enough of them for the threads, and joined with [`node_hash`].
///
/// # Errors
///
/// As [`root`](dwvd_regions::transparency::root): a size beyond the log, a record it
/// cannot give.
pub fn parallel_root<L: LogLeaves + Sync + ?Sized>(
    log: &L,
    tree_size: u64,
) -> Result<Hash, TransparencyError> {
    // Enough pieces for work stealing to even out the threads: 4 per thread.
    let depth = rayon::current_num_threads()
        .next_power_of_two()
        .trailing_zeros()
        .saturating_add(2);
    parallel_root_with(log, tree_size, depth, PARALLEL_MIN_RECORDS)
}

/// [`parallel_root`], splitting at most `depth` times and never a range below
/// `min_records` (the tests split every range, down to single records).
fn parallel_root_with<L: LogLeaves + Sync + ?Sized>(
    log: &L,
    tree_size: u64,
    depth: u32,
    min_records: u64,
) -> Result<Hash, TransparencyError> {
    fn range<L: LogLeaves + Sync + ?Sized>(
        log: &L,
        start: u64,
        end: u64,
        depth: u32,
        min_records: u64,
    ) -> Result<Hash, TransparencyError> {
        let size = end.saturating_sub(start);
        if depth == 0 || size < 2 || size < min_records {
            return subtree_root(log, start, end);
        }
        let middle = start.saturating_add(split_point(size));
        let below = depth.saturating_sub(1);
        let (left, right) = rayon::join(
            || range(log, start, middle, below, min_records),
            || range(log, middle, end, below, min_records),
        );
        Ok(node_hash(&left?, &right?))
    }
    if tree_size > log.record_count() {
        // The core's error for a tree larger than the log.
        return root(log, tree_size);
    }
    range(log, 0, tree_size, depth, min_records)
}

/// `dwvd worm root`: the log's region id and the root of its first `tree_size` records,
/// hashed on every core ([`parallel_root`]).
pub fn root_document(
    region: &LoadedRegion,
    tree_size: Option<u64>,
) -> Result<RootDocument, Failure> {
    let view = region.view()?;
    let tree_size = tree_size_or_all(&view, tree_size);
    let root = parallel_root(&view, tree_size).map_err(asked_too_much)?;
    Ok(RootDocument {
        schema_version: schema_version(),
        object_id: worm_region_id(view.header()).hyphenated().to_string(),
        records: view.record_count(),
        tree_size,
        root: hex::encode(root),
    })
}

/// `dwvd worm prove --record I`: the inclusion proof of record `index`.
pub fn prove_inclusion(
    region: &LoadedRegion,
    index: u64,
    tree_size: Option<u64>,
) -> Result<InclusionDocument, Failure> {
    let view = region.view()?;
    let tree_size = tree_size_or_all(&view, tree_size);
    let proof = InclusionProof::generate(&view, index, tree_size).map_err(asked_too_much)?;
    let root = root(&view, tree_size).map_err(asked_too_much)?;
    let record = LogLeaves::record(&view, index)
        .ok_or_else(|| anyhow!("record {index} could not be read from the log"))?;
    Ok(InclusionDocument {
        schema_version: schema_version(),
        tree_size,
        leaf_index: index,
        record: Some(hex::encode(record.as_bytes())),
        leaf_hash: Some(hex::encode(leaf_hash(&record))),
        root: hex::encode(root),
        inclusion: proof.hashes().iter().map(hex::encode).collect(),
    })
}

/// `dwvd worm prove --from M`: the consistency proof from the tree of `first_size`
/// records to the tree of `tree_size` (default: all).
pub fn prove_consistency(
    region: &LoadedRegion,
    first_size: u64,
    tree_size: Option<u64>,
) -> Result<ConsistencyDocument, Failure> {
    let view = region.view()?;
    let second_size = tree_size_or_all(&view, tree_size);
    let proof =
        ConsistencyProof::generate(&view, first_size, second_size).map_err(asked_too_much)?;
    Ok(ConsistencyDocument {
        schema_version: schema_version(),
        first_size,
        second_size,
        first_root: hex::encode(root(&view, first_size).map_err(asked_too_much)?),
        second_root: hex::encode(root(&view, second_size).map_err(asked_too_much)?),
        consistency: proof.hashes().iter().map(hex::encode).collect(),
    })
}

/// What `dwvd worm checkpoint` was asked for.
#[derive(Debug)]
pub struct CheckpointRequest<'a> {
    pub key: &'a SigningKey,
    pub ticks: Ticks,
    pub object_id: Option<Uuid>,
    pub tree_size: Option<u64>,
    /// A vault description to add the checkpoint's passport to.
    pub append_to: Option<&'a Path>,
}

/// `dwvd worm checkpoint`: the signed checkpoint of the log, as a vault description (a new
/// one of generation 1, or `append_to` with the passport added — replacing a passport
/// with the same id, so running it twice changes nothing). The passports of `append_to`
/// are kept as written (a passport without `signature` stays without one, for `build` to
/// sign); the file must still match the schema.
pub fn checkpoint_description(
    region: &LoadedRegion,
    request: &CheckpointRequest<'_>,
) -> Result<serde_json::Value, Failure> {
    let view = region.view()?;
    let tree_size = tree_size_or_all(&view, request.tree_size);
    let checkpoint = Checkpoint::of_log(&view, tree_size, request.ticks).map_err(asked_too_much)?;
    let object_id = request
        .object_id
        .unwrap_or_else(|| worm_region_id(view.header()));
    let passport = checkpoint
        .to_passport(object_id, request.key)
        .map_err(|error| anyhow!("cannot sign the checkpoint: {error}"))?;
    let entry = serde_json::to_value(&passport).context("cannot describe the checkpoint")?;
    let mut description = match request.append_to {
        Some(path) => {
            let text = image::read_all(path)
                .with_context(|| format!("cannot read vault description {}", path.display()))?;
            let mismatch = || {
                format!(
                    "{} does not match the schema `dwvd parse cmvt` prints",
                    path.display()
                )
            };
            let document: serde_json::Value =
                serde_json::from_slice(&text).with_context(mismatch)?;
            serde_json::from_value::<VaultDescription>(document.clone()).with_context(mismatch)?;
            document
        }
        None => serde_json::json!({ "generation": 1, "passports": [] }),
    };
    if let Some(passports) = description
        .get_mut("passports")
        .and_then(serde_json::Value::as_array_mut)
    {
        // Ids compared as GUIDs: the file may spell them in capitals or braces.
        passports.retain(|kept| {
            kept.get("passport_id")
                .and_then(serde_json::Value::as_str)
                .and_then(|id| Uuid::parse_str(id).ok())
                != Some(passport.passport_id())
        });
        passports.push(entry);
    }
    Ok(description)
}

/// A proof document read from a file (or `-`: standard input).
#[derive(Debug)]
pub enum ProofDocument {
    Inclusion(InclusionDocument),
    Consistency(ConsistencyDocument),
}

impl ProofDocument {
    /// Reads a document `dwvd worm prove` printed. Anything else is a usage error.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = if path == Path::new("-") {
            let mut text = Vec::new();
            std::io::stdin()
                .read_to_end(&mut text)
                .context("cannot read the proof from standard input")?;
            text
        } else {
            std::fs::read(path).with_context(|| format!("cannot read proof {}", path.display()))?
        };
        let value: serde_json::Value =
            serde_json::from_slice(&text).context("the proof is not JSON")?;
        let kind = (
            value.get("inclusion").is_some(),
            value.get("consistency").is_some(),
        );
        match kind {
            (true, false) => Ok(Self::Inclusion(serde_json::from_value(value).context(
                "the inclusion proof does not match `dwvd worm prove --record`'s schema",
            )?)),
            (false, true) => Ok(Self::Consistency(serde_json::from_value(value).context(
                "the consistency proof does not match `dwvd worm prove --from`'s schema",
            )?)),
            _ => bail!(
                "the document is not a proof: it needs one of `inclusion` or `consistency` (what `dwvd worm prove` prints)"
            ),
        }
    }
}

/// Roots the user trusts, in place of the ones the proof carries.
#[derive(Debug, Default, Clone, Copy)]
pub struct TrustedRoots {
    /// The inclusion proof's root, or the consistency proof's second (newer) root.
    pub root: Option<Hash>,
    /// The consistency proof's first (older) root.
    pub first_root: Option<Hash>,
}

/// A proof's verdict: `Ok(what was shown)` or `Err(why not)`.
pub type Verdict = Result<String, String>;

/// Verifies a proof document from its contents alone (and any trusted roots). A field
/// that is not hex of the right length is a usage error; a proof that does not verify is
/// the verdict `Err`.
pub fn verify_document(document: &ProofDocument, trusted: TrustedRoots) -> anyhow::Result<Verdict> {
    let source = |given: Option<Hash>| {
        if given.is_some() {
            "given"
        } else {
            "from the proof"
        }
    };
    match document {
        ProofDocument::Inclusion(proof) => {
            if trusted.first_root.is_some() {
                bail!("--first-root is for consistency proofs; this is an inclusion proof");
            }
            let hashes = hashes(&proof.inclusion, "inclusion")?;
            let root = match trusted.root {
                Some(root) => root,
                None => hash(&proof.root, "root")?,
            };
            let from_record = proof
                .record
                .as_deref()
                .map(|text| record(text).map(|record| leaf_hash(&record)))
                .transpose()?;
            let given_leaf = proof
                .leaf_hash
                .as_deref()
                .map(|text| hash(text, "leaf_hash"))
                .transpose()?;
            let leaf = match (from_record, given_leaf) {
                (Some(computed), Some(given)) if computed != given => {
                    return Ok(Err(
                        "leaf_hash is not the leaf hash of record: one of them was changed"
                            .to_string(),
                    ));
                }
                (Some(leaf), _) | (None, Some(leaf)) => leaf,
                (None, None) => bail!("the inclusion proof has neither `record` nor `leaf_hash`"),
            };
            let verdict = InclusionProof::new(proof.leaf_index, proof.tree_size, &hashes)
                .and_then(|inclusion| inclusion.verify(&leaf, &root));
            Ok(match verdict {
                // The proof's size is not bound by the proof (RFC 9162 binds it only
                // through the root): say so rather than vouch for it.
                Ok(()) => Ok(format!(
                    "record {} is in the tree with root {} ({}; tree size {} as the proof states: a size is only as trustworthy as the root it comes with)",
                    proof.leaf_index,
                    hex::encode(root),
                    source(trusted.root),
                    proof.tree_size
                )),
                Err(error) => Err(error.to_string()),
            })
        }
        ProofDocument::Consistency(proof) => {
            let hashes = hashes(&proof.consistency, "consistency")?;
            let first_root = match trusted.first_root {
                Some(root) => root,
                None => hash(&proof.first_root, "first_root")?,
            };
            let second_root = match trusted.root {
                Some(root) => root,
                None => hash(&proof.second_root, "second_root")?,
            };
            let verdict = ConsistencyProof::new(proof.first_size, proof.second_size, &hashes)
                .and_then(|consistency| consistency.verify(&first_root, &second_root));
            Ok(match verdict {
                Ok(()) => Ok(format!(
                    "the tree of {} records (root {}, {}) is a prefix of the tree of {} records (root {}, {})",
                    proof.first_size,
                    hex::encode(first_root),
                    source(trusted.first_root),
                    proof.second_size,
                    hex::encode(second_root),
                    source(trusted.root)
                )),
                Err(error) => Err(error.to_string()),
            })
        }
    }
}

/// A 32-byte hash from 64 hex digits; `name` says which field or flag it came from.
pub fn hash(text: &str, name: &str) -> anyhow::Result<Hash> {
    hex::decode(text.trim())
        .ok()
        .and_then(|bytes| Hash::try_from(bytes).ok())
        .ok_or_else(|| anyhow!("{name} is not a SHA-256 hash (64 hex digits)"))
}

fn hashes(texts: &[String], name: &str) -> anyhow::Result<Vec<Hash>> {
    texts
        .iter()
        .enumerate()
        .map(|(index, text)| hash(text, &format!("{name}[{index}]")))
        .collect()
}

/// A write-log record from its 52 stored bytes in hex.
fn record(text: &str) -> anyhow::Result<WriteRecord> {
    let bytes = hex::decode(text.trim()).context("record is not hex")?;
    WriteRecord::read_from_bytes(&bytes).map_err(|_| {
        anyhow!(
            "record is {} bytes; a write-log record is {RECORD_LEN}",
            bytes.len()
        )
    })
}

/// How many blocks of the WORM region at `offset` of the opened input `image` (named
/// `name` in messages) to read when `--blocks` is not given (`parse worm` and every `worm` subcommand size a region this one way): block
/// 0 first, then as many as its header's record count needs (sized as `inspect` sizes a
/// WORM region), so what follows the region is not read. A damaged or short block 0 reads
/// as itself, and a count the file cannot hold reads what the file has (the parser then
/// says what is wrong). More than `inspect`'s 32 MiB per region must be asked for with
/// `--blocks`.
pub fn region_blocks(
    image: &image::Opened,
    name: &Path,
    offset: u64,
    block_size: BlockSize,
) -> Result<u64, Failure> {
    let first = image::read_region(image, name, offset, Some(1), block_size)?;
    let Some(needed) = inspect::worm_region_blocks(&first, block_size) else {
        return Ok(1);
    };
    let limit = inspect::MAX_REGION_BYTES
        .checked_div(block_size.get())
        .and_then(|blocks| u64::try_from(blocks).ok())
        .unwrap_or(0);
    let available = image
        .length()
        .with_context(|| format!("cannot read {}", name.display()))?
        .saturating_sub(offset)
        .checked_div(u64::try_from(block_size.get()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    if needed > available {
        return Ok(available.max(1));
    }
    if needed > limit {
        return Err(Failure::Usage(anyhow!(
            "the WORM region's header says it takes {needed} blocks of {} bytes, more than the {} MiB read without --blocks: give --blocks {needed} to read it all",
            block_size.get(),
            inspect::MAX_REGION_BYTES >> 20
        )));
    }
    Ok(needed)
}

#[cfg(test)]
// Tests may index, unwrap and do arithmetic and casts on small known values.
#[allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]
mod tests {
    use super::{parallel_root, parallel_root_with};
    use dwvd_regions::Ticks;
    use dwvd_regions::transparency::root;
    use dwvd_regions::worm::{LoggedWrite, WriteRecord};

    fn log(count: usize) -> Vec<WriteRecord> {
        (0..count)
            .map(|index| {
                LoggedWrite {
                    block_index: index as u64,
                    timestamp: Ticks::new(index as i64 * 7),
                    data_length: (index % 4081) as u32,
                    content_sha256: [(index * 31 % 251) as u8; 32],
                }
                .to_record()
            })
            .collect()
    }

    /// Split at every level down to single records, and as `dwvd worm root` splits:
    /// the same root as the core's sequential tree, for every size up to 300 and for
    /// large ones around powers of two.
    #[test]
    fn the_parallel_split_gives_the_sequential_root() {
        let records = log(70_000);
        for size in 0..=300u64 {
            let expected = root(&records[..], size).unwrap();
            assert_eq!(
                parallel_root_with(&records[..], size, 64, 1).unwrap(),
                expected,
                "{size}"
            );
            assert_eq!(
                parallel_root_with(&records[..], size, 3, 1).unwrap(),
                expected,
                "{size}"
            );
            assert_eq!(
                parallel_root(&records[..], size).unwrap(),
                expected,
                "{size}"
            );
        }
        for size in [
            4095u64, 4096, 4097, 8191, 8192, 8193, 16_385, 65_536, 65_537, 70_000,
        ] {
            let expected = root(&records[..], size).unwrap();
            assert_eq!(
                parallel_root(&records[..], size).unwrap(),
                expected,
                "{size}"
            );
            assert_eq!(
                parallel_root_with(&records[..], size, 6, 1000).unwrap(),
                expected,
                "{size}"
            );
        }
        assert!(parallel_root(&records[..], 70_001).is_err());
    }
}
