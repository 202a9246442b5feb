import Dataset
import FileSafety
import Foundation
import Geometry
import Media

/// What `ImageDataset.process` made.
public struct ImageSummary: Sendable {
    /// The photographs, in the order given to COLMAP (by name).
    public var names: [String]
    /// Indices into `names` of the photographs with recovered cameras, and of those without.
    public var registered: [Int]
    public var unregistered: [Int]
    public var partial: Bool
    public var poseSource: String
    /// The focal length prior from EXIF, pixels at the written size (nil: none in the files).
    public var focalPrior: Double?
    public var width: Int
    public var height: Int
    public var output: URL
    public var seconds: Double
}

/// A folder of photographs → dataset folder (docs/video.md, "Photographs"): every JPEG and PNG in it (by name),
/// turned upright by its EXIF orientation, scaled to `maxSide`, written as `images/frame_<n>.png`; cameras
/// from COLMAP (exhaustive matching by default: photographs have no order in time), started from the EXIF
/// focal length when the files have one; `transforms.json` and `metadata.json` (the original names of the
/// frames). The folder is staged and renamed into place; COLMAP's workspace stays in `colmap/`.
public enum ImageDataset {
    /// File extensions read as photographs (case-insensitive).
    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]
    public static let maxPhotos = 10_000

    /// The photographs in `folder`, by name.
    public static func photos(in folder: URL) throws -> [URL] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw IngestError("\(folder.path): not a folder of photographs")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { !$0.hasPrefix(".") && extensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }.sorted()
        guard names.count >= 2 else {
            throw IngestError("\(folder.path): \(names.count) photographs (JPEG or PNG) found; at least 2 are needed to recover cameras")
        }
        guard names.count <= maxPhotos else { throw IngestError("\(folder.path): \(names.count) photographs, more than the limit of \(maxPhotos)") }
        return names.map { folder.appendingPathComponent($0) }
    }

    /// True when `path` is a folder holding photographs and no transforms file (so not a dataset folder).
    public static func isPhotoFolder(_ path: String) -> Bool {
        let url = URL(fileURLWithPath: path)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { return false }
        let fm = FileManager.default
        if fm.fileExists(atPath: url.appendingPathComponent("transforms.json").path) || fm.fileExists(atPath: url.appendingPathComponent("transforms_train.json").path) {
            return false
        }
        return ((try? photos(in: url)) ?? []).count >= 2
    }

    public static func process(folder: URL, output: URL, overwrite: Bool, settings: VideoSettings,
                               progress: (String) -> Void = { _ in }) throws -> ImageSummary {
        let start = DispatchTime.now()
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        let files = try photos(in: folder)
        let colmap = try COLMAP.locate()
        let staged = try StagedFolder(destination: output, overwrite: overwrite)
        var committed = false
        defer { if !committed { staged.discard() } }

        let (size, focal) = try writeFrames(files, into: staged, maxSide: settings.maxSide, progress: progress)
        let indices = Array(0..<files.count)
        let poses = try colmap.recoverPoses(of: Set(indices), in: staged, size: size, settings: settings, focalPrior: focal, progress: progress)
        let registered = indices.filter { poses.cameras[$0] != nil }, unregistered = indices.filter { poses.cameras[$0] == nil }
        let partial = registered.count * 2 < files.count
        let frames = registered.map { DatasetFrame(stem: VideoDataset.stem($0), split: nil, camera: poses.cameras[$0]!) }
        if !frames.isEmpty {
            try Data((DatasetLayout.transforms(frames: frames, groundTruth: false).rendered() + "\n").utf8).write(to: staged.url("transforms.json"))
        }
        let n = poses.normalization
        let record: [(String, JSONOutput)] = [
            ("status", .string(partial ? "partial" : "complete")),
            ("source", .object([("folder", .string(folder.path)), ("photographs", .integer(files.count)),
                                ("files", .array(files.map { .string($0.lastPathComponent) })),
                                ("width", .integer(size.0)), ("height", .integer(size.1)),
                                ("focal_prior_px", focal.map { .number(($0 * 1000).rounded() / 1000) } ?? .null),
                                ("focal_prior_rule", .string("EXIF FocalLengthIn35mmFilm × longer side / 36 mm, given to COLMAP as its camera's starting focal length"))])),
            ("poses", .object([
                ("source", .string(poses.source)), ("registered", .integer(registered.count)),
                ("unregistered", .array(unregistered.map { .string(files[$0].lastPathComponent) })),
                ("normalization", .object([
                    ("rule", .string("+Z = the cameras' mean up; the middle 90% of COLMAP's points centred and scaled into [-1, 1]^3")),
                    ("scale", .number(n.scale)), ("center", .vector([n.center.x, n.center.y, n.center.z])), ("rotation", DatasetLayout.matrix(n.rotation)),
                ])),
            ])),
            ("timings", .object([("total_s", .number((seconds() * 1000).rounded() / 1000))])),
        ]
        try Data((JSONOutput.object(record).rendered() + "\n").utf8).write(to: staged.url("metadata.json"))
        try staged.commit()
        committed = true
        let summary = ImageSummary(names: files.map(\.lastPathComponent), registered: registered, unregistered: unregistered, partial: partial,
                                   poseSource: poses.source, focalPrior: focal, width: size.0, height: size.1, output: staged.destination, seconds: seconds())
        if partial {
            throw IngestError(.partiallyRegistered(registered: registered.count, selected: files.count, source: poses.source, output: output.path))
        }
        return summary
    }

    /// Decodes every photograph upright, scales it to `maxSide`, writes it as `images/frame_<n>.png`; all must have
    /// one size (one camera). Returns the size and the EXIF focal length in pixels at that size, when every JPEG
    /// that has one agrees.
    static func writeFrames(_ files: [URL], into folder: StagedFolder, maxSide: Int?, progress: (String) -> Void) throws -> ((Int, Int), Double?) {
        try folder.makeFolder(DatasetLayout.images)
        var size: (Int, Int)? = nil, focals: [Double] = []
        for (i, file) in files.enumerated() {
            progress("reading photographs [\(i + 1)/\(files.count)]")
            var image: Image8
            let data: Data
            do { data = try Data(contentsOf: file) } catch { throw IngestError("\(file.path): cannot read the photograph") }
            // both decoders refuse a size beyond the pixel budget before allocating pixels
            let isJPEG = JPEG.isJPEG(data)
            image = isJPEG ? try JPEG.decode(data, name: file.path) : try PNG.decode(data, name: file.path).as8
            if let f = isJPEG ? EXIF.focalPixels(jpeg: data, width: image.width, height: image.height) : nil { focals.append(f / Double(max(image.width, image.height))) }
            if let maxSide, max(image.width, image.height) > maxSide {
                let s = Double(maxSide) / Double(max(image.width, image.height))
                image = image.areaResampled(width: max(1, Int((Double(image.width) * s).rounded())), height: max(1, Int((Double(image.height) * s).rounded())))
            }
            if let size, size != (image.width, image.height) {
                throw IngestError("\(file.path): is \(image.width)x\(image.height) upright, but \(files[0].lastPathComponent) is \(size.0)x\(size.1); give photographs of one camera in one orientation (one folder per size)")
            }
            size = (image.width, image.height)
            try PNG.write(image, to: folder.url(DatasetLayout.path(DatasetLayout.images, VideoDataset.stem(i))))
        }
        let s = size!
        // the prior, relative to the longer side, when the files agree within 1%
        guard let first = focals.first, focals.allSatisfy({ abs($0 - first) <= 0.01 * first }) else { return (s, nil) }
        return (s, first * Double(max(s.0, s.1)))
    }
}
