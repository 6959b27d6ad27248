//! The `dwvd` tool's library: parsing, building and inspecting DWVD v2.0 region images.
//! The binary (`main.rs`) is its command line; the fuzz targets use the inspector.
// The workspace's lints hold here (Cargo.toml's [workspace.lints]), but for missing_docs:
// this library is the binary's internals and the fuzz targets', not a published API, and
// its serde and clap structs (the golden vectors' JSON schema, command arguments) are
// documented where that schema is (README, tests/data/golden/*.json). Every public type
// is Debug, and the no-panic set holds.
#![allow(missing_docs)]

pub mod checkpoints;
pub mod demo;
pub mod hexdump;
pub mod human;
pub mod image;
pub mod inspect;
pub mod schema;
pub mod time;
pub mod verify;
pub mod wear;
pub mod worm;

use clap::ValueEnum;

/// A region kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Streaming Append region.
    Stre,
    /// WORM Immutable region.
    Worm,
    /// Compliance Vault region.
    Cmvt,
}

/// How a command prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object.
    Json,
    /// Readable text and tables.
    Human,
}

/// The output switch every subcommand has: `--format human|json`, with `--json` as
/// a shorter way to ask for JSON. Each command has its own default.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct OutputArgs {
    /// Output format (each command has its default: JSON for parse and the worm proofs,
    /// text for the others).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

impl OutputArgs {
    /// The format asked for, or `default`.
    pub fn or(self, default: Format) -> Format {
        if self.json {
            Format::Json
        } else {
            self.format.unwrap_or(default)
        }
    }
}

/// Why a command failed, and so its exit status.
#[derive(Debug)]
pub enum Failure {
    /// The image (or description) breaks the format: a message on standard error, and
    /// with JSON output the `{"error", "message"}` object on standard output; exit
    /// status 1.
    Format(dwvd_regions::Error),
    /// A check found and reported a problem (`inspect`: corruption or a log inconsistent
    /// with its checkpoint; `worm verify-proof`: a proof that does not verify): exit
    /// status 1.
    Corruption,
    /// A block the region needs is blank — all `0x00` (never written) or all `0xFF`
    /// (erased flash) — so there is no region there, or not all of it: the core's
    /// checksum error, whose kind (`checksum_mismatch`) the JSON object keeps, with a
    /// message that calls the block unused rather than corrupt (SPEC §1: a blank block is
    /// not corruption); exit status 1, like any format error.
    BlankBlock {
        /// The core's error about the block.
        error: dwvd_regions::Error,
        /// The byte the block is filled with: `0x00` or `0xFF`.
        fill: u8,
    },
    /// A usage or I/O error: a message on standard error, exit status 2.
    Usage(anyhow::Error),
    /// A usage error the format names (a block size outside 512..=65536): a message on
    /// standard error, and with JSON output the `{"error", "message"}` object on standard
    /// output too; exit status 2.
    BadArgument(dwvd_regions::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure::Usage(error)
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Failure::Usage(error.into())
    }
}

impl Failure {
    /// The format error `error` found in `region` (blocks of `block_size`, counted from
    /// the region's first): [`Failure::BlankBlock`] when it is a checksum error about a
    /// blank block, [`Failure::Format`] otherwise.
    pub fn in_region(
        error: dwvd_regions::Error,
        region: &[u8],
        block_size: dwvd_regions::BlockSize,
    ) -> Self {
        let blank = (error.kind() == dwvd_regions::ErrorKind::ChecksumMismatch
            && error.location().origin() == Some(dwvd_regions::BlockOrigin::Region))
        .then(|| error.block())
        .flatten()
        .and_then(|block| usize::try_from(block).ok())
        .and_then(|block| region.chunks_exact(block_size.get()).nth(block))
        .filter(|block| dwvd_regions::block::is_blank(block))
        .and_then(|block| block.first().copied());
        match blank {
            Some(fill) => Failure::BlankBlock { error, fill },
            None => Failure::Format(error),
        }
    }

    /// The message of a [`Failure::BlankBlock`]: `block 0: blank (all 0x00: never
    /// written), not a block of this region: nothing was written there`.
    pub fn blank_block_message(error: &dwvd_regions::Error, fill: u8) -> String {
        let what = if fill == 0 {
            "never written"
        } else {
            "erased flash"
        };
        let block = error
            .block()
            .map_or_else(String::new, |block| format!("block {block}: "));
        format!(
            "{block}blank (all 0x{fill:02X}: {what}), not a block of this region: nothing \
             was written there"
        )
    }
}

/// A block size argument, or the usage error it is.
pub fn block_size_argument(bytes: usize) -> Result<dwvd_regions::BlockSize, Failure> {
    dwvd_regions::BlockSize::new(bytes).map_err(Failure::BadArgument)
}

/// A tag as the tool shows it: its four characters when they are printable ASCII, else
/// its value in hex (`0x00FF12AB`) — never an escaped string.
pub fn tag_text(tag: dwvd_regions::Tag) -> String {
    let ascii = tag.to_ascii();
    match std::str::from_utf8(&ascii) {
        Ok(text)
            if ascii
                .iter()
                .all(|byte| byte.is_ascii_graphic() || *byte == b' ') =>
        {
            text.to_string()
        }
        _ => format!("0x{:08X}", tag.to_u32()),
    }
}

/// A passport framework as the tool names it: the SPEC's name, `dwvd checkpoint` for the
/// tool's own signed checkpoints, or `unknown (N)`.
pub fn framework_text(framework: dwvd_regions::vault::Framework) -> String {
    if framework == dwvd_regions::transparency::CHECKPOINT_FRAMEWORK {
        "dwvd checkpoint".to_string()
    } else {
        framework.to_string()
    }
}

/// `count` and the noun, singular or plural: `1 region`, `3 regions`.
pub fn counted(count: impl Into<u64>, singular: &str, plural: &str) -> String {
    let count = count.into();
    format!("{count} {}", if count == 1 { singular } else { plural })
}
