//! `dwvd`: inspect, parse and build DWVD v2.0 region images.
//!
//! Exit status: 0 on success; 1 on a format error (`parse`, `build`) or when `inspect`
//! found corruption; 2 on a usage or I/O error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dwvd::{Failure, Format, Kind, demo, hexdump, human, image, inspect, schema};

/// Inspect, parse and build images of the DWVD v2.0 Streaming Append (STRE), WORM
/// Immutable (WORM) and Compliance Vault (CMVT) regions.
#[derive(Debug, Parser)]
#[command(name = "dwvd", version, about, long_about = None)]
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
        /// The raw image file.
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
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Build a region image from a JSON description (the schema `parse` prints).
    Build {
        /// The region's kind.
        kind: Kind,
        /// The JSON description.
        description: PathBuf,
        /// Block size in bytes (512..=65536).
        #[arg(long)]
        block_size: usize,
        /// The image file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// CMVT: a P-256 private key (32-byte scalar, hex) to sign passports that have no
        /// `signature` (deterministic, RFC 6979).
        #[arg(long)]
        signing_key: Option<String>,
    },
    /// Walk every block of an image holding any mix of regions; decode and summarise the
    /// known regions; report corrupt blocks and torn regions without stopping.
    Inspect {
        /// The raw image file.
        image: PathBuf,
        /// Block size in bytes; found from the trailers when not given.
        #[arg(long)]
        block_size: Option<usize>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// A SEC1 public key (hex) to verify the vaults' passports with.
        #[arg(long)]
        public_key: Option<String>,
        /// Show this block's bytes beside its decoded fields instead of the report.
        #[arg(long, value_name = "BLOCK")]
        hexdump: Option<u64>,
    },
    /// Write a demo image holding all three regions and print its inspection.
    Demo {
        /// Where to write the image (default: a file in the temporary directory).
        image: Option<PathBuf>,
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
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Format(error)) => {
            let report = serde_json::json!({
                "error": error.kind().as_str(),
                "message": error.to_string(),
            });
            println!("{report}");
            ExitCode::from(1)
        }
        Err(Failure::Corruption) => ExitCode::from(1),
        Err(Failure::Usage(error)) => {
            let _ = writeln!(std::io::stderr(), "dwvd: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Parse {
            kind,
            image,
            block_size,
            offset,
            blocks,
            public_key,
            format,
        } => {
            let key = public_key.as_deref().map(image::public_key).transpose()?;
            let block_size = dwvd_regions::BlockSize::new(block_size).map_err(Failure::Format)?;
            let region = image::read_region(&image, offset, blocks, block_size)?;
            if let Some(error) =
                blocks.and_then(|blocks| image::short_region(region.len(), blocks, block_size))
            {
                return Err(Failure::Format(error));
            }
            let parsed =
                schema::parse(kind, &region, block_size, key.as_ref()).map_err(Failure::Format)?;
            let mut out = std::io::stdout().lock();
            match format {
                Format::Json => writeln!(out, "{}", parsed.to_json())?,
                Format::Human => human::print(&mut out, &parsed, block_size)?,
            }
            Ok(())
        }
        Command::Build {
            kind,
            description,
            block_size,
            output,
            signing_key,
        } => {
            let key = signing_key.as_deref().map(image::signing_key).transpose()?;
            let block_size = dwvd_regions::BlockSize::new(block_size).map_err(Failure::Format)?;
            let text = std::fs::read(&description).map_err(|error| {
                anyhow::anyhow!("cannot read description {}: {error}", description.display())
            })?;
            let bytes = schema::build(kind, &text, block_size, key.as_ref())?;
            std::fs::write(&output, bytes)
                .map_err(|error| anyhow::anyhow!("cannot write {}: {error}", output.display()))?;
            Ok(())
        }
        Command::Inspect {
            image,
            block_size,
            json,
            public_key,
            hexdump,
        } => {
            let key = public_key.as_deref().map(image::public_key).transpose()?;
            let options = inspect::Options {
                block_size,
                json,
                key,
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
        Command::Demo { image } => {
            if demo::run(image).map_err(Failure::Usage)? {
                Ok(())
            } else {
                Err(Failure::Corruption)
            }
        }
    }
}
