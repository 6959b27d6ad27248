//! `dwvd`: inspect, parse and build DWVD v2.0 region images.
//!
//! Exit status: 0 on success; 1 on a format error (`parse`, `build`, `worm`), when
//! `inspect` found corruption or when `worm verify-proof` rejects a proof; 2 on a usage or
//! I/O error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Parser, Subcommand};
use dwvd::image::SigningKeyArgs;
use dwvd::worm::{self, LoadedRegion, RegionArgs};
use dwvd::{Failure, Format, Kind, OutputArgs, demo, hexdump, human, image, inspect, schema, wear};

/// What every subcommand's exit status means (shown by --help and in the man page).
const EXIT_STATUS: &str = "\
Exit status:
  0  success: the image is clean, the proof valid, the command done
  1  a finding: corruption (inspect), a format error (parse, build, worm), an invalid
     proof (worm verify-proof), an invalid signature with --strict
  2  a usage or I/O error: a bad argument, a missing or unreadable file";

/// Inspect, parse and build images of the DWVD v2.0 Streaming Append (STRE), WORM
/// Immutable (WORM) and Compliance Vault (CMVT) regions.
#[derive(Debug, Parser)]
#[command(name = "dwvd", version, about, long_about = None, after_help = EXIT_STATUS)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse one region from a raw image and print it as JSON (the golden vectors'
    /// `expect` schema) or as tables.
    Parse {
        /// The region's kind.
        kind: Kind,
        /// The raw image file (`-`: standard input; a pipe or FIFO is read once).
        image: PathBuf,
        /// Block size in bytes (512..=65536).
        #[arg(long)]
        block_size: usize,
        /// Where the region starts in the file, in bytes.
        #[arg(long, default_value_t = 0)]
        offset: u64,
        /// How many blocks the region has (default: to the end of the file).
        #[arg(long)]
        blocks: Option<u64>,
        /// CMVT: a SEC1 public key (hex, compressed or uncompressed) to verify each
        /// passport's signature with; adds `signature_valid` to each passport.
        #[arg(long)]
        public_key: Option<String>,
        /// With --public-key: a signature that does not verify makes the exit status 1.
        #[arg(long, requires = "public_key")]
        strict: bool,
        #[command(flatten)]
        printed: OutputArgs,
    },
    /// Build a region image from a JSON description (the schema `parse` prints).
    Build {
        /// The region's kind.
        kind: Kind,
        /// The JSON description (`-`: standard input).
        description: PathBuf,
        /// Block size in bytes (512..=65536).
        #[arg(long)]
        block_size: usize,
        /// The image file to write (`-`: standard output).
        #[arg(short, long)]
        output: PathBuf,
        /// CMVT: the P-256 private key to sign passports that have no `signature`
        /// (deterministic, RFC 6979).
        #[command(flatten)]
        signing_key: SigningKeyArgs,
        /// With JSON, an error is also printed as a JSON object on standard output.
        #[command(flatten)]
        printed: OutputArgs,
    },
    /// Walk every block of an image holding any mix of regions; decode and summarise the
    /// known regions; report corrupt blocks and torn regions without stopping.
    Inspect {
        /// The raw image file (`-`: standard input; a pipe or FIFO is read once, into
        /// memory).
        image: PathBuf,
        /// Block size in bytes; found from the trailers when not given.
        #[arg(long)]
        block_size: Option<usize>,
        #[command(flatten)]
        printed: OutputArgs,
        /// A SEC1 public key (hex) to verify the vaults' passports with.
        #[arg(long)]
        public_key: Option<String>,
        /// With --public-key: a signature that does not verify makes the exit status 1
        /// (it is otherwise reported, not counted as corruption).
        #[arg(long, requires = "public_key")]
        strict: bool,
        /// Show this block's bytes beside its decoded fields instead of the report (text
        /// only).
        #[arg(long, value_name = "BLOCK", conflicts_with_all = ["json", "format", "strict"])]
        hexdump: Option<u64>,
    },
    /// Write a demo image holding all three regions and print its inspection.
    Demo {
        /// Where to write the image (default: a file in the temporary directory).
        image: Option<PathBuf>,
        /// JSON: the inspection's report only, as `inspect --json` prints it.
        #[command(flatten)]
        printed: OutputArgs,
    },
    /// Run a workload through the storage layer on simulated NOR flash (or a block
    /// device) and report the wear: erases, bytes programmed, the most-erased sector and
    /// the operations the flash lasts, per region. Formatting is not counted.
    ///
    /// Workloads: N appends of 100 bytes to a 64-slot ring; min(N, 4096) appends of 100
    /// bytes to a WORM region of that many blocks; min(N, 256) adds of ~200-byte signed
    /// passports to a vault sized for them. Each region has its own flash area.
    Wear {
        /// JSON: one object, `ring`, `worm`, `vault`, each with `operations`, `erases`,
        /// `bytes_programmed`, `max_erases_per_sector`, `mean_erases_per_sector`,
        /// `lifetime_operations`.
        #[command(flatten)]
        printed: OutputArgs,
        /// Block size in bytes (512..=65536).
        #[arg(long, default_value_t = 4096)]
        block_size: usize,
        /// The flash's erase size (sector) in bytes: a divisor of the block size.
        #[arg(long, default_value_t = 4096)]
        erase_size: usize,
        /// Ring appends (and, up to 4096 and 256, WORM appends and vault adds).
        #[arg(long, default_value_t = 10_000)]
        operations: u64,
        /// Erase cycles a sector survives.
        #[arg(long, default_value_t = 100_000)]
        endurance: u64,
        /// What the workload runs on.
        #[arg(long, value_enum, default_value_t = wear::Medium::Nor)]
        medium: wear::Medium,
    },
    /// Print the JSON Schema of a region's description (what `parse` prints and `build`
    /// reads), generated from the tool's own types.
    Schema {
        /// The region's kind.
        kind: Kind,
    },
    /// Print a shell completion script (install e.g. with
    /// `dwvd completions bash > ~/.local/share/bash-completion/completions/dwvd`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff; e.g. `dwvd man > dwvd.1 && man ./dwvd.1`).
    Man,
    /// The Merkle tree over a WORM region's write log (RFC 6962): roots, inclusion and
    /// consistency proofs, and signed checkpoints.
    Worm {
        #[command(subcommand)]
        command: WormCommand,
    },
}

#[derive(Debug, Subcommand)]
enum WormCommand {
    /// Print the region's id and the Merkle root of its first `--tree-size` records.
    Root {
        #[command(flatten)]
        region: RegionArgs,
        /// Records in the tree (default: the whole log).
        #[arg(long)]
        tree_size: Option<u64>,
        #[command(flatten)]
        printed: OutputArgs,
    },
    /// Print a proof as JSON: that a record is in the tree (`--record I`), or that an
    /// older tree is a prefix of the newer one (`--from M`).
    #[command(group(ArgGroup::new("proof").required(true).args(["record", "from"])))]
    Prove {
        #[command(flatten)]
        region: RegionArgs,
        /// Inclusion proof of this record (0-based index in the write log).
        #[arg(long, value_name = "I")]
        record: Option<u64>,
        /// Consistency proof from the tree of the first M records.
        #[arg(long, value_name = "M", alias = "consistency-from")]
        from: Option<u64>,
        /// Records in the (newer) tree (default: the whole log).
        #[arg(long)]
        tree_size: Option<u64>,
        #[command(flatten)]
        printed: OutputArgs,
    },
    /// Verify a proof `worm prove` printed, from the document alone; one-line verdict.
    /// Exit status 0 valid, 1 invalid, 2 unreadable.
    VerifyProof {
        /// The proof's JSON file, or `-` for standard input.
        proof: PathBuf,
        /// A root you trust (e.g. a checkpoint's), used instead of the proof's `root`
        /// (inclusion) or `second_root` (consistency).
        #[arg(long, value_name = "HEX")]
        root: Option<String>,
        /// Consistency proofs: the older root you trust, instead of `first_root`.
        #[arg(long, value_name = "HEX")]
        first_root: Option<String>,
        /// JSON: `{"valid": bool, "detail": TEXT}`.
        #[command(flatten)]
        printed: OutputArgs,
    },
    /// Sign a checkpoint (tree size, root, time) of the log and print it as a vault
    /// description for `dwvd build cmvt`.
    Checkpoint {
        #[command(flatten)]
        region: RegionArgs,
        /// The P-256 private key to sign the checkpoint with.
        #[command(flatten)]
        signing_key: SigningKeyArgs,
        /// When the checkpoint is taken, in ticks (100 ns since 0001-01-01 UTC).
        #[arg(long, required_unless_present = "time", conflicts_with = "time")]
        ticks: Option<i64>,
        /// When the checkpoint is taken: RFC 3339 (2025-11-29T08:00:00Z) or `now`.
        #[arg(long, value_name = "RFC3339|now")]
        time: Option<String>,
        /// The checkpoint's object id (default: the region's id, from its header; the
        /// one `inspect` matches checkpoints to regions by).
        #[arg(long, value_name = "UUID")]
        object_id: Option<String>,
        /// Records the checkpoint covers (default: the whole log).
        #[arg(long)]
        tree_size: Option<u64>,
        /// Add the checkpoint to this vault description instead of printing a new one.
        #[arg(long, value_name = "DESCRIPTION")]
        append_to: Option<PathBuf>,
        /// The output is a vault description: JSON only.
        #[command(flatten)]
        printed: OutputArgs,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version are not errors.
            let status = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return ExitCode::from(status);
        }
    };
    let format = output_format(&cli.command);
    let json = format == Format::Json;
    // An error goes to standard error; where the output is JSON, its object also goes to
    // standard output, so a script reading the JSON sees it.
    let error_object = |error: &dwvd_regions::Error, message: String| {
        let _ = writeln!(std::io::stderr(), "dwvd: {message}");
        if json {
            let report = serde_json::json!({
                "error": error.kind().as_str(),
                "message": message,
            });
            let _ = writeln!(std::io::stdout(), "{report}");
        }
    };
    match run(cli.command, format) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Format(error)) => {
            error_object(&error, error.to_string());
            ExitCode::from(1)
        }
        Err(Failure::BlankBlock { error, fill }) => {
            error_object(&error, Failure::blank_block_message(&error, fill));
            ExitCode::from(1)
        }
        Err(Failure::Corruption) => ExitCode::from(1),
        Err(Failure::BadArgument(error)) => {
            error_object(&error, error.to_string());
            ExitCode::from(2)
        }
        // A reader that stopped reading (`| head`): nothing is wrong.
        Err(Failure::Usage(error)) if closed_pipe(&error) => ExitCode::SUCCESS,
        Err(Failure::Usage(error)) => {
            let _ = writeln!(std::io::stderr(), "dwvd: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Whether `error` is a write to a pipe whose reader has gone.
fn closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The format the command prints in: what it was asked for, or its default (JSON for
/// parse, schema and the worm documents; text for the others). Its errors are JSON
/// objects on standard output too when it is JSON.
fn output_format(command: &Command) -> Format {
    match command {
        Command::Parse { printed, .. } => printed.or(Format::Json),
        Command::Build { printed, .. }
        | Command::Inspect { printed, .. }
        | Command::Demo { printed, .. }
        | Command::Wear { printed, .. } => printed.or(Format::Human),
        Command::Worm { command } => match command {
            WormCommand::Root { printed, .. }
            | WormCommand::Prove { printed, .. }
            | WormCommand::Checkpoint { printed, .. } => printed.or(Format::Json),
            WormCommand::VerifyProof { printed, .. } => printed.or(Format::Human),
        },
        Command::Schema { .. } => Format::Json,
        Command::Completions { .. } | Command::Man => Format::Human,
    }
}

fn run(command: Command, format: Format) -> Result<(), Failure> {
    match command {
        Command::Parse {
            kind,
            image,
            block_size,
            offset,
            blocks,
            public_key,
            strict,
            printed: _,
        } => {
            if public_key.is_some() && kind != Kind::Cmvt {
                return Err(Failure::Usage(anyhow::anyhow!(
                    "--public-key verifies passports: it applies to cmvt regions only"
                )));
            }
            let key = public_key.as_deref().map(image::public_key).transpose()?;
            let block_size = dwvd::block_size_argument(block_size)?;
            // A WORM region is sized by its header, as every `worm` subcommand sizes it.
            // One handle for every read (the header that sizes a WORM region, the
            // length, the region): the path is not opened again.
            let opened = image::open(&image)?;
            let place = schema::RegionPlace {
                image: &opened,
                name: &image,
                offset,
                blocks,
            };
            let parsed = schema::parse_opened(kind, place, block_size, key.as_ref())?;
            let mut out = std::io::stdout().lock();
            match format {
                Format::Json => writeln!(out, "{}", parsed.to_json())?,
                Format::Human => human::print(&mut out, &parsed, block_size)?,
            }
            if strict && parsed.invalid_signatures() > 0 {
                return Err(Failure::Corruption);
            }
            Ok(())
        }
        Command::Build {
            kind,
            description,
            block_size,
            output,
            signing_key,
            printed: _,
        } => {
            let key = signing_key.key()?;
            let block_size = dwvd::block_size_argument(block_size)?;
            let text = image::read_all(&description)?;
            let bytes = schema::build(kind, &text, block_size, key.as_ref())?;
            image::write_output(&output, &bytes)?;
            Ok(())
        }
        Command::Inspect {
            image,
            block_size,
            printed: _,
            public_key,
            strict,
            hexdump,
        } => {
            let key = public_key.as_deref().map(image::public_key).transpose()?;
            let options = inspect::Options {
                block_size,
                json: format == Format::Json,
                key,
                strict,
            };
            if let Some(block) = hexdump {
                return hexdump::show(&image, block, block_size).map_err(Failure::Usage);
            }
            let clean = inspect::inspect(&image, &options, &mut std::io::stdout().lock())?;
            if clean {
                Ok(())
            } else {
                Err(Failure::Corruption)
            }
        }
        Command::Demo { image, printed: _ } => {
            let json = format == Format::Json;
            if demo::run(image, json).map_err(Failure::Usage)? {
                Ok(())
            } else {
                Err(Failure::Corruption)
            }
        }
        Command::Wear {
            printed: _,
            block_size,
            erase_size,
            operations,
            endurance,
            medium,
        } => {
            let options = wear::Options {
                block_size,
                erase_size,
                operations,
                endurance,
                medium,
            };
            let report = wear::run(&options).map_err(Failure::Usage)?;
            let mut out = std::io::stdout().lock();
            if format == Format::Json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&report).map_err(anyhow::Error::from)?
                )?;
            } else {
                write!(out, "{}", wear::human(&report, &options))?;
            }
            Ok(())
        }
        Command::Schema { kind } => {
            let mut out = std::io::stdout().lock();
            print_json(&mut out, &schema::json_schema(kind))
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "dwvd", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(command).render(&mut out)?;
            Ok(())
        }
        Command::Worm { command } => run_worm(command, format),
    }
}

fn run_worm(command: WormCommand, format: Format) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match command {
        WormCommand::Root {
            region,
            tree_size,
            printed: _,
        } => {
            let region = LoadedRegion::read(&region)?;
            let document = worm::root_document(&region, tree_size)?;
            if format == Format::Human {
                writeln!(
                    out,
                    "region {}: root of the first {} of {} records: {}",
                    document.object_id, document.tree_size, document.records, document.root
                )?;
                return Ok(());
            }
            print_json(&mut out, &document)
        }
        WormCommand::Prove {
            region,
            record,
            from,
            tree_size,
            printed: _,
        } => {
            let region = LoadedRegion::read(&region)?;
            let human = format == Format::Human;
            match (record, from) {
                (Some(index), _) => {
                    let proof = worm::prove_inclusion(&region, index, tree_size)?;
                    if human {
                        writeln!(
                            out,
                            "record {} is in the tree of {} records, root {}; audit path ({} hashes):",
                            proof.leaf_index,
                            proof.tree_size,
                            proof.root,
                            proof.inclusion.len()
                        )?;
                        for hash in &proof.inclusion {
                            writeln!(out, "  {hash}")?;
                        }
                        return Ok(());
                    }
                    print_json(&mut out, &proof)
                }
                (None, Some(first)) => {
                    let proof = worm::prove_consistency(&region, first, tree_size)?;
                    if human {
                        writeln!(
                            out,
                            "the tree of {} records (root {}) is a prefix of the tree of {} (root {}); proof ({} hashes):",
                            proof.first_size,
                            proof.first_root,
                            proof.second_size,
                            proof.second_root,
                            proof.consistency.len()
                        )?;
                        for hash in &proof.consistency {
                            writeln!(out, "  {hash}")?;
                        }
                        return Ok(());
                    }
                    print_json(&mut out, &proof)
                }
                (None, None) => Err(anyhow::anyhow!("give --record I or --from M").into()),
            }
        }
        WormCommand::VerifyProof {
            proof,
            root,
            first_root,
            printed: _,
        } => {
            let trusted = worm::TrustedRoots {
                root: root
                    .as_deref()
                    .map(|text| worm::hash(text, "--root"))
                    .transpose()?,
                first_root: first_root
                    .as_deref()
                    .map(|text| worm::hash(text, "--first-root"))
                    .transpose()?,
            };
            let document = worm::ProofDocument::read(&proof)?;
            let verdict = worm::verify_document(&document, trusted)?;
            if format == Format::Json {
                let (valid, detail) = match &verdict {
                    Ok(shown) => (true, shown.to_string()),
                    Err(reason) => (false, reason.to_string()),
                };
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({"schema_version": 1, "valid": valid, "detail": detail})
                )?;
            }
            match verdict {
                Ok(shown) => {
                    if format == Format::Human {
                        writeln!(out, "valid: {shown}")?;
                    }
                    Ok(())
                }
                Err(reason) => {
                    if format == Format::Human {
                        writeln!(out, "INVALID: {reason}")?;
                    }
                    Err(Failure::Corruption)
                }
            }
        }
        WormCommand::Checkpoint {
            region,
            signing_key,
            ticks,
            time,
            object_id,
            tree_size,
            append_to,
            printed: _,
        } => {
            let ticks = match (ticks, time) {
                (Some(ticks), _) => ticks,
                (None, Some(time)) => dwvd::time::parse(&time)?,
                (None, None) => {
                    return Err(anyhow::anyhow!("give --time RFC3339|now or --ticks N").into());
                }
            };
            if format == Format::Human {
                return Err(Failure::Usage(anyhow::anyhow!(
                    "worm checkpoint prints a vault description for dwvd build: JSON only"
                )));
            }
            let key = signing_key.key()?.ok_or_else(|| {
                anyhow::anyhow!(
                    "a signing key is needed: give --signing-key-file PATH, set DWVD_SIGNING_KEY, or give --signing-key HEX"
                )
            })?;
            let object_id = object_id
                .as_deref()
                .map(|text| {
                    uuid::Uuid::parse_str(text)
                        .map_err(|_| anyhow::anyhow!("--object-id {text:?} is not a GUID"))
                })
                .transpose()?;
            let region = LoadedRegion::read(&region)?;
            let request = worm::CheckpointRequest {
                key: &key,
                ticks: dwvd_regions::Ticks::new(ticks),
                object_id,
                tree_size,
                append_to: append_to.as_deref(),
            };
            print_json(&mut out, &worm::checkpoint_description(&region, &request)?)
        }
    }
}

/// Prints `value` as indented JSON on its own lines.
fn print_json(out: &mut impl Write, value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(anyhow::Error::from)?;
    writeln!(out, "{text}")?;
    Ok(())
}
