//! Files a command reads and writes: refusing to write the file it is reading.
//!
//! Names are not enough: `in.csv`, `./in.csv`, a symlink or a hard link to it, and stdout
//! redirected onto it (`>> in.csv`) all name one file. Files are compared by what the kernel
//! says they are (device and inode), after following symlinks.

use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::exit::UsageError;

/// The argument that means stdin (for a file read) or stdout (for a file written).
pub const STDIO: &str = "-";

/// Whether `path` is the `-` that stands for stdin or stdout.
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == STDIO
}

/// The device and inode of the regular file at `path`, if it is one: what makes two names one
/// file (links and other spellings included).
pub fn file_identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().filter(|meta| meta.is_file()).map(|meta| (meta.dev(), meta.ino()))
}

/// What a file is, as far as sameness goes.
#[derive(Clone, PartialEq, Eq)]
enum Identity {
    /// An existing regular file: its device and inode.
    File { dev: u64, ino: u64 },
    /// A file that does not exist yet (only written ones): its directory's identity and its
    /// name there, so two names for one new file still match.
    New { dir_dev: u64, dir_ino: u64, name: std::ffi::OsString },
}

/// The file one argument names: its identity, if it is a regular file (or one to be created),
/// and a name for messages. Terminals, pipes and devices have none: reading and writing one
/// terminal (`--input - --output -` at a prompt) is fine.
fn identify(path: &Path, written: bool) -> io::Result<(Option<Identity>, String)> {
    if is_stdio(path) {
        let (name, fd) = if written {
            ("stdout", io::stdout().as_fd().try_clone_to_owned())
        } else {
            ("stdin", io::stdin().as_fd().try_clone_to_owned())
        };
        // A closed stream is no file at all.
        let Ok(fd) = fd else { return Ok((None, name.to_owned())) };
        let meta = File::from(fd).metadata()?;
        let identity = meta.is_file().then(|| Identity::File { dev: meta.dev(), ino: meta.ino() });
        return Ok((identity, name.to_owned()));
    }
    let name = path.display().to_string();
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok((Some(Identity::File { dev: meta.dev(), ino: meta.ino() }), name)),
        Ok(_) => Ok((None, name)),
        Err(err) if err.kind() == io::ErrorKind::NotFound && written => {
            let (Some(file_name), Some(dir)) = (path.file_name(), path.parent()) else {
                return Ok((None, name));
            };
            let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir.to_owned() };
            match std::fs::metadata(&dir) {
                Ok(meta) => Ok((
                    Some(Identity::New {
                        dir_dev: meta.dev(),
                        dir_ino: meta.ino(),
                        name: file_name.to_owned(),
                    }),
                    name,
                )),
                // The write will fail with its own message.
                Err(_) => Ok((None, name)),
            }
        }
        // A missing input fails later, when it is opened, with its own message.
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok((None, name)),
        Err(err) => Err(err),
    }
}

/// Refuses, as a usage error, a command that would write a file it reads, or write one file
/// twice: any of `writes` that is the same file as one of `reads` or another of `writes`.
/// `-` is stdin among `reads` and stdout among `writes`. Call it before opening anything for
/// writing, so that nothing is truncated first. Only regular files count (a terminal that is
/// both stdin and stdout is fine).
///
/// # Errors
/// [`UsageError`] naming both arguments; an I/O error if a file cannot be examined.
pub fn refuse_same_file(reads: &[&Path], writes: &[&Path]) -> anyhow::Result<()> {
    let examine = |path: &Path, written: bool| {
        identify(path, written)
            .map_err(|err| anyhow::Error::new(err).context(format!("cannot examine {}", path.display())))
    };
    let reads = reads.iter().map(|p| examine(p, false)).collect::<anyhow::Result<Vec<_>>>()?;
    let writes = writes.iter().map(|p| examine(p, true)).collect::<anyhow::Result<Vec<_>>>()?;
    for (i, (written, write_name)) in writes.iter().enumerate() {
        let Some(written) = written else { continue };
        if let Some((_, read_name)) = reads.iter().find(|(read, _)| read.as_ref() == Some(written)) {
            return Err(UsageError(format!(
                "{read_name} (read) and {write_name} (written) are the same file: writing it would destroy \
                 what is being read"
            ))
            .into());
        }
        if let Some((_, other_name)) = writes[..i].iter().find(|(other, _)| other.as_ref() == Some(written)) {
            return Err(UsageError(format!(
                "{other_name} and {write_name} are the same file: it cannot be written for both"
            ))
            .into());
        }
    }
    Ok(())
}
