import Foundation
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "assets" {
    try ExampleAssets.write(to: URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : "scenes/assets"))
}
