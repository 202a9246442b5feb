import ArgumentParser
import FileSafety
import Ingest
import Reconstruction
import Foundation

/// Prints an error as one line and exits 1; the one place that turns library errors into messages that
/// name this command line's options.
func fail(_ error: Error) -> Never {
    FileHandle.standardError.write(Data("orbit: error: \(message(for: error))\n".utf8))
    Foundation.exit(1)
}

/// One line for any error: typed errors in their own words with the option that fixes them, system
/// errors through `SystemMessage`, never a raw Foundation or Swift description.
func message(for error: Error) -> String {
    var text: String
    switch error {
    case let e as FileSafetyError:
        switch e.reason {
        case .exists: text = "\(e.path): already exists; pass --overwrite to replace it"
        case .notEmpty: text = "\(e.path): the output folder is not empty; pass --overwrite to replace it"
        case .outside(let base): text = "\(e.path): leads outside \(base); keep referenced files inside that folder, or pass --allow-outside-paths"
        default: text = e.description
        }
    case let e as BudgetError:
        text = e.description.replacingOccurrences(of: "raise the memory limit", with: "raise the limit with --max-memory GB")
            .replacingOccurrences(of: "raise the work limit", with: "raise the limit with --max-samples N")
    case let e as ValidationError: text = e.message
    case let e as IngestError: text = ingestText(e)
    case let e as ExtractionError: text = extractionText(e)
    case let e as CustomStringConvertible where e.description.hasSuffix("(or allow outside paths)"):
        text = String(e.description.dropLast("(or allow outside paths)".count)) + "(or pass --allow-outside-paths)"
    case let e as DecodingError: text = "damaged data: \(decodingText(e))"
    case let e where SystemMessage.isSystemError(e): text = SystemMessage.describe(e)
    case let e as CustomStringConvertible: text = e.description
    default: text = "\(type(of: error))"
    }
    // one line, whatever a library put in its text, naming destinations rather than their staging names
    text = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
    return text.replacingOccurrences(of: #"/\.([^/]+)\.partial-[0-9]+-[0-9a-f]{8}"#, with: "/$1", options: .regularExpression)
}

/// The video pipeline's typed errors, naming the options that fix them.
private func ingestText(_ error: IngestError) -> String {
    switch error.reason {
    case .colmapMissing:
        return "COLMAP is not installed (it recovers the camera poses): run scripts/bootstrap or apt-get install colmap; or give the poses with --poses"
    case .posesMissing(let path): return "\(path): --poses: no such file or folder"
    case let .fewerPosedFrames(video, posed, decoded, poses):
        return "\(video): only \(posed) of its \(decoded) frames have poses in \(poses); ask for at most \(posed) with --frames"
    case let .fewerFrames(video, decoded, asked, note):
        return "\(video): the clip has \(decoded) frames\(note), fewer than the \(asked) asked for; use --frames \(decoded) or fewer"
    case let .partiallyRegistered(registered, selected, source, output):
        return "only \(registered) of \(selected) frames have poses (\(source)); the partial result is kept in \(output) and labelled "
            + "\"partial\" in its metadata.json. Try --matching exhaustive, more frames, or a sharper clip"
    case .other: return error.description
    }
}

/// Mesh extraction's typed errors, naming the options that fix them.
private func extractionText(_ error: ExtractionError) -> String {
    switch error.reason {
    case let .emptyAtThreshold(threshold, peak):
        return String(format: "the threshold %g gives an empty mesh (the density peaks at %g in this region); use a lower --threshold or leave it out for the automatic one",
                      threshold, peak)
    case .noVisibleSurface: return "no training view sees a surface in this region: the field is empty or the region misses it; check --bounds"
    case .nothingToCompare(let cropped): return "\(cropped ? "no surface inside --bounds" : "a mesh has no area"): nothing to compare"
    case .other: return error.description
    }
}

private func decodingText(_ error: DecodingError) -> String {
    switch error {
    case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
        let path = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return path.isEmpty ? "not valid JSON" : "\(path): missing or of the wrong type"
    @unknown default: return "not valid JSON"
    }
}
