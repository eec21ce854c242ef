import Foundation
import ShiftLensCLI

exit(ShiftLensCLI.run(Array(CommandLine.arguments.dropFirst())))
