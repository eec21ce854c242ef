import Foundation
import Pilot
import Pipeline

extension Command {
    static let initPilot = Command(
        name: "init",
        summary: "Create a pilot folder to fill in (spec, folders, README).",
        usage: "shiftlens init DIR",
        discussion: "Writes DIR/pilot.json (commented), classes.txt, templates.txt, data/ and models/ folders and a README\nfor the person preparing the images. DIR must be new or empty; nothing is overwritten.",
        positionals: 1...1
    ) { invocation, console in
        let folder = URL(fileURLWithPath: invocation.positionals[0])
        let written = try attributing(step: "init", path: folder.path, hint: "pick a folder that does not exist yet") { try PilotScaffold.create(at: folder) }
        for path in written { console.out(folder.appendingPathComponent(path).path) }
        console.err("Created a pilot in \(folder.path). Fill in pilot.json, then run: shiftlens run \(folder.appendingPathComponent("pilot.json").path)")
        return ExitCode.ok
    }
}
