extension Command {
    /// Every command, in the order `shiftlens --help` lists them. Add new commands here.
    public static let all: [Command] = [
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
        .version,
    ]

    static let version = Command(
        name: "version", summary: "Print the tool's version.", usage: "shiftlens version"
    ) { _, console in
        console.out("shiftlens \(ShiftLensCLI.version)")
        return ExitCode.ok
    }
}
