//! `inspect`: walk every block of an image, group blocks into regions, decode and
//! summarise the known ones, and report corruption without stopping.
//!
//! The image is streamed block by block (memory is bounded by the largest region being
//! decoded, not by the image), with a progress bar on a terminal for large images.
//!
//! * [`detect`] — the block size, given or found from the trailers;
//! * [`walk`] — the walk: typed block lines, region reports and a summary, whatever the
//!   output format; each block is read once and its checksum verified once;
//! * [`lanes`] — the walk's reader threads, one per core, reading and verifying chunks;
//! * [`regions`] — STRE, WORM and CMVT regions assembled from the walk's blocks and
//!   decoded, and the WORM logs' cross-check against checkpoints;
//! * [`render`] — the walk's items as text or as streamed JSON.
//!
//! Reading the image is [`crate::image`]'s. A run opens the image once and reads only
//! that handle, by position ([`ReadAt`]): its length, detection, the walk, stored regions
//! and logs read again all judge the one file, even if its path is replaced meanwhile.

mod container;
mod detect;
mod lanes;
mod regions;
mod render;
mod stored;
mod walk;

use std::io::Write;
use std::path::Path;

use anyhow::anyhow;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use p256::ecdsa::VerifyingKey;

pub use detect::{SizeSource, block_size_of, given_size};
pub use regions::{
    Details, RegionKind, RegionReport, Signatures, StreamSummary, VaultSummary, WormSummary,
    worm_region_blocks,
};
pub use walk::{BlockLine, BlockState, Sink, Start, Summary, walk};

use crate::image::{Opened, ReadAt};
use crate::{Failure, image};

/// What `inspect` was asked for.
#[derive(Debug)]
pub struct Options {
    pub block_size: Option<usize>,
    pub json: bool,
    pub key: Option<VerifyingKey>,
    /// A signature that does not verify makes the image not clean (exit status 1).
    pub strict: bool,
}

/// Images at least this large get a progress bar (on a terminal).
const PROGRESS_THRESHOLD: u64 = 32 << 20;
/// The report's output buffer.
const REPORT_BUFFER_BYTES: usize = 64 << 10;
/// The largest region decoded, in bytes: memory stays bounded whatever a header claims.
/// A larger region is reported as not decoded.
pub const MAX_REGION_BYTES: usize = 32 << 20;

/// Inspects the image at `path`, writing the report to `out`. Returns whether the image
/// is clean: every block verifies and every region decodes. The path is opened once.
pub fn inspect(path: &Path, options: &Options, out: &mut impl Write) -> Result<bool, Failure> {
    let opened = image::open(path)?;
    inspect_opened(&path.display().to_string(), &opened, options, out)
}

/// [`inspect`] of an image already open, shown as `name`: its length is the handle's,
/// and every read is of that handle (its path, if it has one, is not opened again).
pub fn inspect_opened(
    name: &str,
    opened: &Opened,
    options: &Options,
    out: &mut impl Write,
) -> Result<bool, Failure> {
    let length = opened
        .length()
        .map_err(|error| anyhow!(error).context(format!("cannot read {name}")))?;
    inspect_source(name, length, opened, options, out)
}

/// [`inspect`] over any source of `length` bytes, read by position only: block size
/// detection, the walk (all its reader threads), stored regions and WORM logs read again
/// all read `source`. `name` is shown as the image's name.
pub fn inspect_source<R: ReadAt + Sync + ?Sized>(
    name: &str,
    length: u64,
    source: &R,
    options: &Options,
    out: &mut impl Write,
) -> Result<bool, Failure> {
    // A DWVD v2.0 container says its block size and where its regions are.
    let head = image::read_head(source, container::head_bytes())?;
    let size_of_image = |blocks: usize| length.checked_div(u64::try_from(blocks).unwrap_or(1));
    let found = container::read(&head, u64::MAX);
    let (block_size, size_source) = match (&found, options.block_size) {
        (Some(Ok(found)), None) => match container::block_size(found) {
            Some(size) => (size, SizeSource::Container),
            None => block_size_of(source, None)?,
        },
        _ => block_size_of(source, options.block_size)?,
    };
    let whole = size_of_image(block_size.get()).unwrap_or(0);
    // Read again now that the image's block count is known (extents past its end).
    let (container, container_error) = match container::read(&head, whole) {
        Some(Ok(found)) if container::block_size(&found) == Some(block_size) => (Some(found), None),
        Some(Ok(_)) => (
            None,
            Some("the block size given is not the container's".to_string()),
        ),
        Some(Err(reason)) => (None, Some(reason)),
        None => (None, None),
    };
    let _ = found;
    if length == 0 {
        return Err(anyhow!("{name} is empty: there are no blocks to inspect").into());
    }
    let size = u64::try_from(block_size.get()).unwrap_or(u64::MAX);
    let start = Start {
        name,
        length,
        block_size,
        source: size_source,
        whole_blocks: length.checked_div(size).unwrap_or(0),
        trailing: length.checked_rem(size).unwrap_or(0),
        container: container.as_ref(),
        container_error: container_error.as_deref(),
    };
    let progress = progress_bar(length);
    // One write per 64 KiB of report (about 1,300 block lines), not per 8 KiB.
    let mut out = std::io::BufWriter::with_capacity(REPORT_BUFFER_BYTES, out);
    let key = options.key.as_ref();
    let summary = if options.json {
        walk(
            source,
            &start,
            key,
            &progress,
            &mut render::Json::new(&mut out),
        )?
    } else {
        walk(
            source,
            &start,
            key,
            &progress,
            &mut render::Human::new(&mut out),
        )?
    };
    out.flush()?;
    let invalid_signatures: usize = summary
        .regions
        .iter()
        .filter_map(|region| match &region.details {
            Details::Vault(vault) => vault
                .signatures
                .as_ref()
                .map(|signatures| signatures.invalid),
            _ => None,
        })
        .sum();
    Ok(summary.clean && !(options.strict && invalid_signatures > 0))
}

/// A progress bar on standard error for an image of `length` bytes, or a hidden one for
/// a small image.
fn progress_bar(length: u64) -> ProgressBar {
    if length < PROGRESS_THRESHOLD {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} inspecting [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}
