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
            intrinsics.width = intrinsics.width ?? rgba.width * downscale
            intrinsics.height = intrinsics.height ?? rgba.height * downscale
            let full = try intrinsics.camera(pose: entry.pose, file: file, field: "frames[\(entry.index)]")
            let scale = 1 / Double(downscale)
            let camera = Camera(width: rgba.width, height: rgba.height, fx: full.fx * scale, fy: full.fy * scale, cx: full.cx * scale,
                                cy: full.cy * scale, cameraToWorld: entry.pose, distortion: full.distortion)
            images.append(PosedImage(name: entry.url.deletingPathExtension().lastPathComponent, camera: camera, rgba: rgba))
        }
        return PosedImages(images: images, background: background)
    }

    /// The cameras of one transforms file (any flavour: every frame, whatever its split), without reading
    /// the images unless the file gives no image size. Names are the frames' file stems.
    public func cameras(in file: URL) throws -> [(name: String, camera: Camera)] {
        let document = try TransformsDocument.read(file)
        var out: [(name: String, camera: Camera)] = []
        for frame in document.frames {
            let field = "frames[\(frame.index)]"
            var intrinsics = document.intrinsics(of: frame)
            if intrinsics.width == nil || intrinsics.height == nil {
                // no size in the file: the image's own
                guard let path = frame.filePath else { throw DatasetError(file: file.path, message: "\(field): no image size; give w and h") }
                var url = try resolve(path, file: file, field: "\(field).file_path")
                if !FileManager.default.fileExists(atPath: url.path) { url = URL(fileURLWithPath: url.path + ".png") }
                let image = try loadImage(url, downscale: 1)
                intrinsics.width = image.width; intrinsics.height = image.height
            }
            let name = frame.filePath.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? String(format: "view_%05d", frame.index)
            out.append((name, try intrinsics.camera(pose: TransformsDocument.orthonormalized(frame.pose), file: file, field: field)))
        }
        guard !out.isEmpty else { throw DatasetError(file: file.path, message: "frames: no cameras") }
        return out
    }

    // MARK: files

    struct FrameEntry: Sendable {
        /// Index in the file's `frames`.
        var index: Int
        var url: URL
        var pose: Matrix4
        var intrinsics: TransformsDocument.Intrinsics
    }

    func readTransforms(_ file: URL, split: DatasetSplit) throws -> [FrameEntry] {
        let document = try TransformsDocument.read(file)
        var entries: [FrameEntry] = []
        for frame in document.frames {
            guard let path = frame.filePath else { throw DatasetError(file: file.path, message: "frames[\(frame.index)].file_path: missing") }
            let url = try resolve(path, file: file, field: "frames[\(frame.index)].file_path")
            entries.append(FrameEntry(index: frame.index, url: url, pose: TransformsDocument.orthonormalized(frame.pose), intrinsics: document.intrinsics(of: frame)))
        }
        // split lists name images as written in file_path
        if document.splitLists.isEmpty {
            return entries.enumerated().filter { i, _ in (i % 8 == 0) == (split != .train) }.map(\.element)
        }
        guard let names = document.splitLists[split] else {
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
        let document = try TransformsDocument.read(file)
        guard document.intrinsics.angleX != nil || document.intrinsics.fx != nil else {
            throw DatasetError(file: file.path, message: "no intrinsics: give fl_x (pixels) or camera_angle_x (radians)")
        }
        var entries: [FrameEntry] = []
        for frame in document.frames {
            guard let path = frame.filePath else { throw DatasetError(file: file.path, message: "frames[\(frame.index)].file_path: missing") }
            var url = try resolve(path, file: file, field: "frames[\(frame.index)].file_path")
            // NeRF-synthetic paths leave out the extension
            if url.pathExtension.isEmpty || !FileManager.default.fileExists(atPath: url.path) {
                let png = URL(fileURLWithPath: url.path + ".png")
                if FileManager.default.fileExists(atPath: png.path) { url = png }
            }
            entries.append(FrameEntry(index: frame.index, url: url, pose: TransformsDocument.orthonormalized(frame.pose), intrinsics: document.intrinsics(of: frame)))
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
