extension Command {
    /// Every command, in the order `shiftlens --help` lists them. Add new commands here.
    static let all: [Command] = [
        .demo,
        .initPilot,
        .run,
        .render,
        .encode,
        .merge,
        .inspect,
        .embed,
        .decode,
        .preprocess,
        .probe,
        .bench,
        .benchKernels,
        .completion,
        .version,
    ]

    static let version = Command(
        name: "version", summary: "Print the version, the commit and CPU level of the build, and this CPU's vector features.",
        usage: "shiftlens version"
    ) { _, console in
        console.out(BuildInfo.text())
        return ExitCode.ok
    }
}
