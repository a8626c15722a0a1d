//! `exctl man`: the manual pages, generated from the flags themselves
//! (clap_mangen), so they never disagree with `--help`. The Debian package
//! installs them.

use super::prelude::*;
use clap::CommandFactory;

pub(crate) fn run(args: ManArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let top = Cli::command();
    let mut written = 0;
    let mut write = |name: String, cmd: clap::Command| -> Result<()> {
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut page)?;
        let path = args.out.join(format!("{name}.1"));
        std::fs::write(&path, page).with_context(|| format!("writing {}", path.display()))?;
        written += 1;
        Ok(())
    };
    for sub in top.get_subcommands().filter(|c| !c.is_hide_set()) {
        let name = format!("exctl-{}", sub.get_name());
        write(
            name.clone(),
            sub.clone().bin_name(name.clone()).display_name(name),
        )?;
    }
    write("exctl".into(), top.clone())?;
    eprintln!("wrote {written} manual pages into {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
