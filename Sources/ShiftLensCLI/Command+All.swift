extension Command {
    /// Every command, in the order `shiftlens --help` lists them. Add new commands here.
    public static let all: [Command] = [
        .demo,
        .run,
        .initPilot,
        .version,
        .probe,
        .benchKernels,
        .bench,
        .inspect,
        .embed,
        .render,
    ]

    static let version = Command(
        name: "version", summary: "Print the tool's version.", usage: "shiftlens version"
    ) { _, console in
        console.out("shiftlens \(ShiftLensCLI.version)")
        return ExitCode.ok
    }
}
