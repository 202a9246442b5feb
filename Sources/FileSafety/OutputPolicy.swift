import Foundation

/// Which output paths a command may write, decided before any work: never an empty path, the root folder,
/// the current folder or one of its parents, an input of the same command or a folder that holds one.
public enum OutputPolicy {
    /// `path` as an absolute URL with symbolic links resolved as far as the path exists.
    public static func resolved(_ path: String) -> URL {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        // resolve the longest existing prefix, then append the rest
        var existing = url, rest: [String] = []
        while !FileManager.default.fileExists(atPath: existing.path) && existing.path != "/" {
            rest.insert(existing.lastPathComponent, at: 0)
            existing.deleteLastPathComponent()
        }
        var out = existing.resolvingSymlinksInPath()
        for part in rest { out.appendPathComponent(part) }
        return out.standardizedFileURL
    }

    /// True when `ancestor` is `url` or one of its parents.
    public static func contains(_ ancestor: URL, _ url: URL) -> Bool {
        let a = ancestor.pathComponents, u = url.pathComponents
        return a.count <= u.count && Array(u.prefix(a.count)) == a
    }

    /// Checks that `path` may be written by a command that reads `inputs`; returns it resolved.
    @discardableResult
    public static func check(output path: String, inputs: [String] = []) throws -> URL {
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else { throw FileSafetyError(path: path, reason: .emptyPath) }
        let url = resolved(path)
        if url.path == "/" { throw FileSafetyError(path: path, reason: .protectedFolder("the root folder")) }
        let current = resolved(FileManager.default.currentDirectoryPath)
        if contains(url, current) {
            throw FileSafetyError(path: path, reason: .protectedFolder(url == current ? "the current folder" : "a parent of the current folder"))
        }
        let home = resolved(NSHomeDirectory())
        if home.path != "/" && contains(url, home) { throw FileSafetyError(path: path, reason: .protectedFolder("the home folder")) }
        for input in inputs where !input.isEmpty {
            let inputURL = resolved(input)
            if contains(url, inputURL) { throw FileSafetyError(path: path, reason: .holdsInput(input)) }
        }
        return url
    }
}
