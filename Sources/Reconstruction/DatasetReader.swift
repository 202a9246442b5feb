import Dataset
import Dispatch
import FileSafety
import Foundation
import Geometry
import Media

/// Reads posed images from a dataset folder:
/// - Orbit's own folders and nerfstudio / instant-ngp folders: `transforms.json` with `fl_x`, `fl_y`, `cx`,
///   `cy`, `w`, `h` (or `camera_angle_x`), global or per frame, `file_path` with extension, and optional
///   `train_filenames` / `val_filenames` / `test_filenames`. Without split lists every 8th frame is held out
///   as val and test (the usual NeRF convention) and the rest trains.
/// - NeRF-synthetic folders: `transforms_{train,val,test}.json` with `camera_angle_x` and `file_path`
///   without extension.
/// Camera matrices are camera-to-world in OpenGL axes (docs/conventions.md).
public struct DatasetReader: Sendable {
    public var folder: URL
    /// Integer factor to shrink images by (box filter); intrinsics scale with it. Default 1.
    public var downscale: Int = 1
    /// sRGB colour composited under transparent pixels. Default white.
    public var background = Vec3(1, 1, 1)

    public init(folder: URL, downscale: Int = 1) {
        self.folder = folder
        self.downscale = downscale
    }

    /// The flavour of the folder, decided by which files it has.
    public enum Flavour: String, Sendable { case transforms, nerfSynthetic }

    public func flavour() throws -> Flavour {
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.appendingPathComponent("transforms.json").path) { return .transforms }
        if fm.fileExists(atPath: folder.appendingPathComponent("transforms_train.json").path) { return .nerfSynthetic }
        throw DatasetError(file: folder.path, message: "no transforms.json or transforms_train.json; is this a dataset folder?")
    }

    /// True when the folder defines frames for `split` (a NeRF-synthetic folder may have no test file;
    /// a transforms.json may list no test frames). Errors in the files themselves are thrown.
    public func hasFrames(in split: DatasetSplit) throws -> Bool {
        try !entries(split).entries.isEmpty
    }

    func entries(_ split: DatasetSplit) throws -> (entries: [FrameEntry], file: URL) {
        switch try flavour() {
        case .transforms:
            let file = folder.appendingPathComponent("transforms.json")
            return (try readTransforms(file, split: split), file)
        case .nerfSynthetic:
            let file = folder.appendingPathComponent("transforms_\(split.rawValue).json")
            guard FileManager.default.fileExists(atPath: file.path) else { return ([], file) }
            return (try readNeRFSynthetic(file), file)
        }
    }

    /// Reads one split.
    public func read(_ split: DatasetSplit) throws -> PosedImages {
        let (entries, file) = try entries(split)
        if entries.isEmpty, try flavour() == .nerfSynthetic, !FileManager.default.fileExists(atPath: file.path) {
            throw DatasetError(file: file.path, message: "missing: a NeRF-synthetic folder needs transforms_\(split.rawValue).json")
        }
        guard !entries.isEmpty else { throw DatasetError(file: file.path, message: "the \(split.rawValue) split has no frames") }
        // the decoded images must fit the memory budget: 4 bytes per pixel as stored, as declared by the file
        if let w = entries[0].intrinsics.width, let h = entries[0].intrinsics.height {
            let bytes = Checked.product([entries.count, w / downscale, h / downscale, 4 + 8])
            try ResourceBudget.current.checkMemory(bytes, for: file.path, what: "\(entries.count) images of \(w)x\(h) pixels")
        }

        // decode images in parallel; errors name the image file
        let results = parallelMap(entries) { entry in Result { try loadImage(entry.url, downscale: downscale) } }
        var images: [PosedImage] = []
        for (entry, result) in zip(entries, results) {
            let rgba = try result.get()
            var intrinsics = entry.intrinsics
            if let w = intrinsics.width, let h = intrinsics.height, (w / downscale != rgba.width || h / downscale != rgba.height) {
                throw DatasetError(file: entry.url.path, message: "image is \(rgba.width * downscale)x\(rgba.height * downscale) but \(file.lastPathComponent) says \(w)x\(h)")
            }
            if let first = images.first, first.rgba.width != rgba.width || first.rgba.height != rgba.height {
                throw DatasetError(file: entry.url.path, message: "image is \(rgba.width)x\(rgba.height) but earlier images of the \(split.rawValue) split are \(first.rgba.width)x\(first.rgba.height)")
            }
            let scale = 1 / Double(downscale)
            let fullWidth = intrinsics.width ?? rgba.width * downscale, fullHeight = intrinsics.height ?? rgba.height * downscale
            intrinsics.width = fullWidth; intrinsics.height = fullHeight
            let fx = try intrinsics.focalX(file: file), fy = intrinsics.fy ?? fx
            let cx = intrinsics.cx ?? Double(fullWidth) / 2, cy = intrinsics.cy ?? Double(fullHeight) / 2
            try CameraLimits.check(width: fullWidth, height: fullHeight, fx: fx, fy: fy, cx: cx, cy: cy,
                                   origin: Vec3d(entry.pose[0, 3], entry.pose[1, 3], entry.pose[2, 3]), file: file.path, field: "frames[\(entry.index)]")
            let camera = Camera(width: rgba.width, height: rgba.height, fx: fx * scale, fy: fy * scale, cx: cx * scale, cy: cy * scale,
                                cameraToWorld: entry.pose)
            images.append(PosedImage(name: entry.url.deletingPathExtension().lastPathComponent, camera: camera, rgba: rgba))
        }
        return PosedImages(images: images, background: background)
    }

    /// The cameras of one transforms file (any flavour: every frame, whatever its split), without reading
    /// the images unless the file gives no image size. Names are the frames' file stems.
    public func cameras(in file: URL) throws -> [(name: String, camera: Camera)] {
        let dict = try loadJSON(file)
        let global = try Intrinsics().overridden(by: dict, file: file, field: "")
        var out: [(name: String, camera: Camera)] = []
        for (i, frame) in try frames(dict, file: file).enumerated() {
            let field = "frames[\(i)]"
            var intrinsics = try global.overridden(by: frame, file: file, field: field + ".")
            let path = frame["file_path"] as? String
            if intrinsics.width == nil || intrinsics.height == nil {
                // no size in the file: the image's own
                guard let path else { throw DatasetError(file: file.path, message: "\(field): no image size; give w and h") }
                var url = try resolve(path, file: file, field: "\(field).file_path")
                if !FileManager.default.fileExists(atPath: url.path) { url = URL(fileURLWithPath: url.path + ".png") }
                let image = try loadImage(url, downscale: 1)
                intrinsics.width = image.width; intrinsics.height = image.height
            }
            let pose = try pose(frame, file: file, index: i)
            let w = intrinsics.width!, h = intrinsics.height!
            let fx = try intrinsics.focalX(file: file), fy = intrinsics.fy ?? fx
            let cx = intrinsics.cx ?? Double(w) / 2, cy = intrinsics.cy ?? Double(h) / 2
            try CameraLimits.check(width: w, height: h, fx: fx, fy: fy, cx: cx, cy: cy, origin: Vec3d(pose[0, 3], pose[1, 3], pose[2, 3]),
                                   file: file.path, field: field)
            let name = path.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? String(format: "view_%05d", i)
            out.append((name, Camera(width: w, height: h, fx: fx, fy: fy, cx: cx, cy: cy, cameraToWorld: pose)))
        }
        guard !out.isEmpty else { throw DatasetError(file: file.path, message: "frames: no cameras") }
        return out
    }

    // MARK: files

    struct Intrinsics: Sendable {
        var fx: Double?, fy: Double?, cx: Double?, cy: Double?, angleX: Double?
        var width: Int?, height: Int?

        func focalX(file: URL) throws -> Double {
            if let fx { return fx }
            if let angleX, let width { return Double(width) / 2 / tan(angleX / 2) }
            throw DatasetError(file: file.path, message: "no intrinsics: give fl_x (pixels) or camera_angle_x (radians)")
        }

        /// Fields of `dict` override those already set; `field` names `dict` in messages.
        func overridden(by dict: [String: Any], file: URL, field: String) throws -> Intrinsics {
            var out = self
            func number(_ key: String) throws -> Double? {
                guard let value = dict[key] else { return nil }
                guard let n = value as? NSNumber else {
                    throw DatasetError(file: file.path, message: "\(field)\(key): expected a number")
                }
                return n.doubleValue
            }
            func side(_ key: String) throws -> Int? {
                guard let d = try number(key) else { return nil }
                guard let v = CameraLimits.sideValue(d) else {
                    throw DatasetError(file: file.path, message: "\(field)\(key): expected an image side of 1...65536 pixels, got \(d)")
                }
                return v
            }
            out.fx = try number("fl_x") ?? out.fx
            out.fy = try number("fl_y") ?? out.fy
            out.cx = try number("cx") ?? out.cx
            out.cy = try number("cy") ?? out.cy
            if let angle = try number("camera_angle_x") {
                guard angle.isFinite, angle > 1e-4, angle < Double.pi - 1e-4 else {
                    throw DatasetError(file: file.path, message: "\(field)camera_angle_x: expected a field of view in radians in (0, π), got \(angle)")
                }
                out.angleX = angle
            }
            out.width = try side("w") ?? out.width
            out.height = try side("h") ?? out.height
            return out
        }
    }

    struct FrameEntry: Sendable {
        /// Index in the file's `frames`.
        var index: Int
        var url: URL
        var pose: Matrix4
        var intrinsics: Intrinsics
    }

    func loadJSON(_ url: URL) throws -> [String: Any] {
        let tree: JSONTree
        do { tree = try StrictJSON.read(url) } catch let e as JSONSyntaxError {
            throw DatasetError(file: url.path, message: "malformed JSON at line \(e.line), column \(e.column): \(e.message)")
        }
        guard let dict = tree.foundation as? [String: Any] else { throw DatasetError(file: url.path, message: "expected a JSON object at the top level") }
        return dict
    }

    func frames(_ dict: [String: Any], file: URL) throws -> [[String: Any]] {
        guard let frames = dict["frames"] as? [[String: Any]] else { throw DatasetError(file: file.path, message: "frames: missing or not an array") }
        return frames
    }

    func readTransforms(_ file: URL, split: DatasetSplit) throws -> [FrameEntry] {
        let dict = try loadJSON(file)
        let global = try Intrinsics().overridden(by: dict, file: file, field: "")
        var entries: [FrameEntry] = []
        for (i, frame) in try frames(dict, file: file).enumerated() {
            guard let path = frame["file_path"] as? String else { throw DatasetError(file: file.path, message: "frames[\(i)].file_path: missing") }
            let url = try resolve(path, file: file, field: "frames[\(i)].file_path")
            entries.append(FrameEntry(index: i, url: url, pose: try pose(frame, file: file, index: i),
                                      intrinsics: try global.overridden(by: frame, file: file, field: "frames[\(i)].")))
        }
        // split lists name images as written in file_path
        let lists = DatasetSplit.allCases.compactMap { s in (dict["\(s.rawValue)_filenames"] as? [String]).map { (s, $0) } }
        if lists.isEmpty {
            return entries.enumerated().filter { i, _ in (i % 8 == 0) == (split != .train) }.map(\.element)
        }
        guard let names = lists.first(where: { $0.0 == split })?.1 else {
            throw DatasetError(file: file.path, message: "\(split.rawValue)_filenames: missing while other split lists are given")
        }
        let wanted = Set(names.map { location($0).standardizedFileURL.path })
        let chosen = entries.filter { wanted.contains($0.url.standardizedFileURL.path) }
        if chosen.count != wanted.count {
            throw DatasetError(file: file.path, message: "\(split.rawValue)_filenames: \(wanted.count - chosen.count) names match no frame's file_path")
        }
        return chosen
    }

    func readNeRFSynthetic(_ file: URL) throws -> [FrameEntry] {
        let dict = try loadJSON(file)
        let intrinsics = try Intrinsics().overridden(by: dict, file: file, field: "")
        guard intrinsics.angleX != nil || intrinsics.fx != nil else {
            throw DatasetError(file: file.path, message: "no intrinsics: give fl_x (pixels) or camera_angle_x (radians)")
        }
        var entries: [FrameEntry] = []
        for (i, frame) in try frames(dict, file: file).enumerated() {
            guard let path = frame["file_path"] as? String else { throw DatasetError(file: file.path, message: "frames[\(i)].file_path: missing") }
            var url = try resolve(path, file: file, field: "frames[\(i)].file_path")
            // NeRF-synthetic paths leave out the extension
            if url.pathExtension.isEmpty || !FileManager.default.fileExists(atPath: url.path) {
                let png = URL(fileURLWithPath: url.path + ".png")
                if FileManager.default.fileExists(atPath: png.path) { url = png }
            }
            entries.append(FrameEntry(index: i, url: url, pose: try pose(frame, file: file, index: i),
                                      intrinsics: try intrinsics.overridden(by: frame, file: file, field: "frames[\(i)].")))
        }
        return entries
    }

    /// Where `path` points, for matching names (nothing is read).
    func location(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
    }

    /// An image path of the file, under the path policy (inside the dataset's folder unless outside paths are allowed).
    func resolve(_ path: String, file: URL, field: String) throws -> URL {
        try PathPolicy.resolve(path, in: folder, field: "\(file.lastPathComponent): \(field)")
    }

    /// A camera-to-world matrix: 3×4 or 4×4, finite, with an orthonormal right-handed rotation.
    func pose(_ frame: [String: Any], file: URL, index: Int) throws -> Matrix4 {
        let where_ = "frames[\(index)].transform_matrix"
        guard let rows = frame["transform_matrix"] as? [[Any]], rows.count == 4 || rows.count == 3, rows.allSatisfy({ $0.count == 4 }) else {
            throw DatasetError(file: file.path, message: "\(where_): expected a 4x4 matrix")
        }
        var m = Matrix4.identity
        for r in 0..<rows.count {
            for c in 0..<4 {
                guard let v = (rows[r][c] as? NSNumber)?.doubleValue, v.isFinite else {
                    throw DatasetError(file: file.path, message: "\(where_): non-finite or non-numeric entry at [\(r)][\(c)]")
                }
                m[r, c] = v
            }
        }
        let x = Vec3d(m[0, 0], m[1, 0], m[2, 0]), y = Vec3d(m[0, 1], m[1, 1], m[2, 1]), z = Vec3d(m[0, 2], m[1, 2], m[2, 2])
        let tolerance = 1e-3
        guard abs(length(x) - 1) < tolerance, abs(length(y) - 1) < tolerance, abs(length(z) - 1) < tolerance,
              abs(dot(x, y)) < tolerance, abs(dot(y, z)) < tolerance, abs(dot(x, z)) < tolerance, m.linearDeterminant > 0,
              rows.count == 3 || (m[3, 0] == 0 && m[3, 1] == 0 && m[3, 2] == 0 && m[3, 3] == 1) else {
            throw DatasetError(file: file.path, message: "\(where_): not a rigid camera-to-world transform (rotation must be orthonormal with determinant 1)")
        }
        // re-orthonormalise away the file's rounding
        let zn = normalize(z), xn = normalize(cross(y, zn)), yn = cross(zn, xn)
        for r in 0..<3 { m[r, 0] = xn[r]; m[r, 1] = yn[r]; m[r, 2] = zn[r] }
        return m
    }

    func loadImage(_ url: URL, downscale: Int) throws -> Image8 {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw DatasetError(file: url.path, message: "image missing or unreadable")
        }
        var image: Image8
        do {
            image = JPEG.isJPEG(data) ? try JPEG.decode(data, name: url.path) : try PNG.decode(data, name: url.path).as8
        } catch let error as MediaError {
            throw DatasetError(file: url.path, message: "cannot decode the image: \(error.message)")
        }
        guard image.width >= downscale, image.height >= downscale else {
            throw DatasetError(file: url.path, message: "a \(image.width)x\(image.height) image cannot be shrunk by a factor of \(downscale); use a smaller factor")
        }
        image = rgba(image)
        return downscale > 1 ? shrink(image, by: downscale) : image
    }

    /// Expands gray, gray+alpha and RGB images to RGBA.
    func rgba(_ image: Image8) -> Image8 {
        if image.channels == 4 { return image }
        var out = Image8(width: image.width, height: image.height, channels: 4)
        for i in 0..<(image.width * image.height) {
            let s = image.samples, c = image.channels, b = i * c
            let rgb: (UInt8, UInt8, UInt8) = c >= 3 ? (s[b], s[b + 1], s[b + 2]) : (s[b], s[b], s[b])
            out.samples[4 * i] = rgb.0; out.samples[4 * i + 1] = rgb.1; out.samples[4 * i + 2] = rgb.2
            out.samples[4 * i + 3] = c == 2 ? s[b + 1] : 255
        }
        return out
    }

    /// Box-filters by an integer factor (the last partial row and column are dropped).
    func shrink(_ image: Image8, by n: Int) -> Image8 {
        let w = image.width / n, h = image.height / n
        var out = Image8(width: w, height: h, channels: 4)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<4 {
                    var sum = 0
                    for dy in 0..<n { for dx in 0..<n { sum += Int(image[x * n + dx, y * n + dy, c]) } }
                    out[x, y, c] = UInt8((sum + n * n / 2) / (n * n))
                }
            }
        }
        return out
    }
}

/// `transform` applied to every element on all cores, results in order.
func parallelMap<T: Sendable, R>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
    let slots = ResultSlots<R>(count: items.count)
    DispatchQueue.concurrentPerform(iterations: items.count) { i in slots.set(i, transform(items[i])) }
    return slots.values.map { $0! }
}

/// Result storage written from several threads, each index once.
final class ResultSlots<R>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [R?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: R) { lock.lock(); values[i] = value; lock.unlock() }
}
