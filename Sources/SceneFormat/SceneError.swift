/// A problem with a scene file: which file, where in it (a JSON path such as `objects[2].material.roughness`),
/// and a sentence that says what was expected.
public struct SceneError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The scene file as the user named it.
    public var file: String
    /// JSON path of the offending value; empty for the whole document.
    public var path: String
    public var message: String

    public init(file: String, path: String, message: String) {
        self.file = file; self.path = path; self.message = message
    }

    /// One line: `scenes/still.json: objects[2].material.roughness: expected a number in 0...1, got 1.7`.
    public var description: String { path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)" }
}
