//! `faceauth token generate` and `faceauth token validate`.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use faceauth::token::TokenGenerator;

#[derive(Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print fresh token ids (128 random bits each), one per line.
    Generate {
        /// How many ids to print.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
        count: u64,
    },
    /// Validate token ids against the id rule; exit non-zero if any breaks it.
    Validate {
        /// The ids to validate.
        #[arg(required = true)]
        ids: Vec<String>,
    },
}

pub fn token(args: TokenArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        TokenCommand::Generate { count } => {
            let mut generator = TokenGenerator::new();
            let mut out = std::io::BufWriter::new(crate::output::stdout());
            let mut line = String::with_capacity(40);
            for _ in 0..count {
                line.clear();
                generator.next_into(&mut line)?;
                line.push('\n');
                out.write_all(line.as_bytes())?;
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Validate { ids } => {
            let mut all_ok = true;
            let mut out = crate::output::stdout();
            for id in &ids {
                match faceauth::token::validate(id) {
                    Ok(()) => writeln!(out, "ok      {id}")?,
                    Err(err) => {
                        all_ok = false;
                        writeln!(out, "invalid {:?}: {err}", faceauth::excerpt(id))?;
                    }
                }
            }
            out.flush()?;
            Ok(if all_ok { ExitCode::SUCCESS } else { ExitCode::from(crate::exit::FAILURE) })
        }
    }
}
