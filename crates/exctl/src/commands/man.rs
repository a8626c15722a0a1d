//! `exctl man`: the manual pages, generated from the flags themselves
//! (clap_mangen), so they never disagree with `--help`. The Debian package
//! installs them.

use super::prelude::*;
use clap::CommandFactory;

/// The exit statuses, on every page.
const EXIT_STATUS: &str = "Exit status: 0 done; 1 an error (I/O, the records, the data); \
2 bad input, refused with the field and the reason, nothing changed; \
3 a batch or order book with rows in error (each reported in its row); \
4 no NVML for `exctl inventory`.";

pub(crate) fn run(args: ManArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let mut top = Cli::command().after_help(EXIT_STATUS);
    // Global options (--home, --db, --user, --data) reach every command's page.
    top.build();
    let mut written = 0;
    let mut write = |page_name: String, cmd: clap::Command| -> Result<()> {
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd)
            .title(page_name.clone())
            .render(&mut page)?;
        let path = args.out.join(format!("{page_name}.1"));
        std::fs::write(&path, page).with_context(|| format!("writing {}", path.display()))?;
        written += 1;
        Ok(())
    };
    for sub in top.get_subcommands().filter(|c| !c.is_hide_set()) {
        // The page exctl-check(1) shows the command as it is typed: exctl check.
        let page = sub
            .clone()
            .bin_name(format!("exctl {}", sub.get_name()))
            .after_help(EXIT_STATUS);
        write(format!("exctl-{}", sub.get_name()), page)?;
    }
    write("exctl".into(), top.clone())?;
    eprintln!("wrote {written} manual pages into {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
