import Foundation

extension FuzzCorpus {
    /// The hostile inputs that broke Orbit's readers before (one per class), each on top of a seed.
    /// The hostile inputs that broke Orbit's readers before (one per class), each on top of a seed.
    public func handmade() -> [FuzzCase] {
        var cases = HandmadeCases(seeds: seeds)
        cases.scenes(); cases.recipes(); cases.transforms(); cases.checkpoints(); cases.meshes(); cases.images(); cases.videos()
        return cases.cases
    }

    /// A checkpoint with one header field's text replaced (and the header length fixed).
    static func editHeader(_ checkpoint: Data, _ from: String, _ to: String) -> Data {
        let bytes = [UInt8](checkpoint)
        let length = Int(UInt32(bytes[12]) | UInt32(bytes[13]) << 8 | UInt32(bytes[14]) << 16 | UInt32(bytes[15]) << 24)
        let header = String(decoding: bytes[16..<(16 + length)], as: UTF8.self).replacingOccurrences(of: from, with: to)
        var out = Data(bytes[0..<12])
        withUnsafeBytes(of: UInt32(header.utf8.count).littleEndian) { out.append(contentsOf: $0) }
        return out + Data(header.utf8) + Data(bytes[(16 + length)...])
    }

    /// A PNG signature and IHDR claiming the given size, then a short IDAT: what a 48 kB file claiming
    /// gigabytes of pixels looks like to a reader before it decompresses anything.
    static func pngHeader(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8) -> Data {
        func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return be32(body.count) + typed + be32(Int(crc32(typed)))
        }
        let ihdr = be32(width) + be32(height) + [bitDepth, colorType, 0, 0, 0]
        // a zlib stream of one empty stored block
        let idat: [UInt8] = [0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01]
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", idat) + chunk("IEND", []))
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

/// The hand-made hostile cases, one function per family of formats.
struct HandmadeCases {
    let seeds: [FuzzFormat: [FuzzCase]]
    var cases: [FuzzCase] = []

    mutating func add(_ format: FuzzFormat, _ name: String, seed index: Int = 0, files: [String: Data], arguments: [String]? = nil) {
        guard var c = seeds[format]?[index] else { return }
        c.name = "\(format.rawValue)-\(name)"
        for (k, v) in files { c.files[k] = v }
        if let arguments { c.arguments = arguments }
        cases.append(c)
    }
    func text(_ s: String) -> Data { Data(s.utf8) }

    mutating func recipes() {
        add(.recipe, "duplicate-key", files: ["recipe.json": text(#"{"recipe": 1, "count": 1, "count": 2, "objects": {"pool": [{"type": "box"}]}}"#)])
        add(.recipe, "huge-count", files: ["recipe.json": text(#"{"recipe": 1, "count": 1e300, "objects": {"pool": [{"type": "box"}]}}"#)])
        add(.recipe, "no-room", files: ["recipe.json": text(#"{"recipe": 1, "count": 3, "floor": {}, "objects": {"count": 1000, "region": {"min": [0, 0, 0], "max": [0.1, 0.1, 0]}, "pool": [{"type": "sphere", "radius": 1}]}}"#)])
        add(.recipe, "parent-folder", files: ["recipe.json": text(#"{"recipe": 1, "count": 3, "objects": {"pool": [{"type": "folder", "path": ".."}]}}"#)])
        add(.recipe, "absolute-texture", files: ["recipe.json": text(#"{"recipe": 1, "count": 3, "objects": {"pool": [{"type": "box"}], "material": {"textures": ["/etc/hostname"]}}}"#)])
        add(.recipe, "huge-image", files: ["recipe.json": text(#"{"recipe": 1, "count": 3, "image": {"width": 8192, "height": 8192, "spp": 65536}, "camera": {"frames": 10000}, "objects": {"pool": [{"type": "box"}]}}"#)])
        add(.recipe, "huge-choice", files: ["recipe.json": text(#"{"recipe": 1, "count": 3, "objects": {"pool": [{"type": "box", "size": {"choice": ["# + Array(repeating: "0.1", count: 20_000).joined(separator: ",") + "]}}]}}")])
        add(.recipe, "empty-batch-record", seed: 1, files: ["b/batch.json": text("")])
        add(.recipe, "batch-record-negative-count", seed: 1, files: ["b/batch.json": text(#"{"recipe": {"name": "x", "hash": "h", "count": -5, "seed": 0}}"#)])
        add(.recipe, "batch-record-huge-count", seed: 1, files: ["b/batch.json": text(#"{"recipe": {"name": "x", "hash": "h", "count": 1e15, "seed": 0}}"#)])
        add(.recipe, "damaged-marker", seed: 1, files: ["b/scenes/000000/done.json": text(#"{"status": "do"#)])
    }

    mutating func scenes() {
        // scenes
        let head = #"{"format": 1, "camera": {"width": 32, "height": 32}, "rig": {"type": "orbit", "frames": 4}, "objects": "#
        add(.scene, "duplicate-key", files: ["scene.json": text(head + #"[{"type": "sphere", "radius": 1, "radius": 2}]}"#)])
        add(.scene, "latin1", files: ["scene.json": Data(head.utf8) + Data([0x5B, 0x7B, 0x22, 0x6E, 0x61, 0x6D, 0x65, 0x22, 0x3A, 0x22, 0xE9, 0x22, 0x7D, 0x5D, 0x7D])])
        add(.scene, "overflowing-number", files: ["scene.json": text(head + #"[{"type": "sphere", "radius": 1e999}]}"#)])
        add(.scene, "deep-nesting", files: ["scene.json": text(String(repeating: "[", count: 100_000))])
        add(.scene, "70000-objects", files: ["scene.json": text(head + "[" + Array(repeating: #"{"type": "sphere", "radius": 0.1}"#, count: 70_000).joined(separator: ",") + "]}")])
        add(.scene, "absolute-mesh-path", files: ["scene.json": text(head + #"[{"type": "mesh", "path": "/etc/hostname"}]}"#)])
        add(.scene, "parent-mesh-path", files: ["scene.json": text(head + #"[{"type": "mesh", "path": "../m.ply"}]}"#)])
        add(.scene, "huge-render", files: ["scene.json": text(#"{"format": 1, "camera": {"width": 8192, "height": 8192}, "render": {"spp": 65536}, "rig": {"type": "orbit", "frames": 10000}, "objects": [{"type": "sphere"}]}"#)])
        add(.scene, "long-live-clip", seed: 1, files: ["world.json": text(#"{"format": 1, "frame_rate": 240, "rig": {"type": "orbit", "frames": 4}, "physics": {"duration": 600, "clip": "live"}, "objects": [{"type": "plane", "size": [4, 4]}, {"type": "sphere", "radius": 0.2, "transform": {"translate": [0, 0, 1]}, "body": {"type": "dynamic", "mass": 1}}]}"#)])
        add(.scene, "huge-texture", files: ["tex.png": FuzzCorpus.pngHeader(width: 20000, height: 20000, bitDepth: 1, colorType: 0)])
    }

    mutating func transforms() {
        // transforms.json
        let frame = #"{"file_path": "images/f0.png", "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 3], [0, 0, 0, 1]]}"#
        func transforms(_ fields: String, frame f: String = frame) -> [String: Data] {
            ["data/transforms.json": text("{\(fields), \"frames\": [\(f), \(f.replacingOccurrences(of: "f0", with: "f1")), \(f.replacingOccurrences(of: "f0", with: "f2"))]}")]
        }
        add(.transforms, "focal-zero", files: transforms(#""fl_x": 0, "w": 16, "h": 16"#))
        add(.transforms, "focal-tiny", files: transforms(#""fl_x": 1e-300, "w": 16, "h": 16"#))
        add(.transforms, "focal-negative", files: transforms(#""fl_x": -16, "w": 16, "h": 16"#))
        add(.transforms, "size-huge", files: transforms(#""fl_x": 16, "w": 1e20, "h": 16"#))
        add(.transforms, "translation-huge", files: transforms(#""fl_x": 16"#, frame: frame.replacingOccurrences(of: "1, 3]", with: "1, 1e308]")))
        add(.transforms, "outside-image", files: transforms(#""fl_x": 16"#, frame: frame.replacingOccurrences(of: "images/f0.png", with: "/etc/hostname")))
        add(.transforms, "duplicate-key", files: transforms(#""fl_x": 16, "fl_x": 17"#))
        add(.transforms, "lens-folding", files: transforms(#""fl_x": 16, "w": 16, "h": 16, "camera_model": "OPENCV", "k1": -3, "k2": 0.5"#))
        add(.transforms, "lens-huge", files: transforms(#""fl_x": 16, "w": 16, "h": 16, "camera_model": "OPENCV", "k1": 100, "k2": -100, "p1": 100, "p2": -100"#))
        add(.transforms, "lens-fisheye-wide", files: transforms(#""fl_x": 0.1, "w": 16, "h": 16, "camera_model": "OPENCV_FISHEYE", "k1": -100, "k2": 100, "k3": -100, "k4": 100"#))
        add(.transforms, "lens-unknown-model", files: transforms(#""fl_x": 16, "camera_model": "THIN_PRISM_FISHEYE", "k1": 0.1"#))
        add(.transforms, "lens-not-a-number", files: transforms(#""fl_x": 16, "k1": [0.1]"#))
        // three cameras at one point looking three ways: their views meet where they stand (found by the fuzzer)
        add(.transforms, "cameras-at-one-point", files: ["data/transforms.json": text(#"{"fl_x": 16, "w": 16, "h": 16, "frames": [{"file_path": "images/f0.png", "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]}, {"file_path": "images/f1.png", "transform_matrix": [[0, 0, 1, 0], [0, 1, 0, 0], [-1, 0, 0, 0], [0, 0, 0, 1]]}, {"file_path": "images/f2.png", "transform_matrix": [[-1, 0, 0, 0], [0, 1, 0, 0], [0, 0, -1, 0], [0, 0, 0, 1]]}]}"#)])
        add(.transforms, "missing-test-image", files: ["data/images/f0.png": Data()])
        add(.transforms, "downscale-too-large", files: [:], arguments: ["reconstruct", "data", "--out", "out", "--iterations", "2", "--coarse", "8", "--fine", "8", "--downscale", "64", "--quiet"] + FuzzCorpus.budget)
        add(.transforms, "out-is-dataset", files: [:], arguments: ["reconstruct", "data", "--out", "data", "--overwrite", "--iterations", "2", "--quiet"] + FuzzCorpus.budget)
        add(.transforms, "out-empty", files: [:], arguments: ["generate", "--out", "", "--overwrite", "--quiet"] + FuzzCorpus.budget)
        add(.transforms, "lattice-too-large", files: [:], arguments: ["reconstruct", "data", "--out", "out", "--coarse", "512", "--fine", "512", "--quiet"] + FuzzCorpus.budget)
    }

    mutating func checkpoints() {
        // checkpoints: header fields made hostile
        if let checkpoint = seeds[.checkpoint]?.first?.files["recon/checkpoint.orbitrf"] {
            for (name, from, to) in [("resolution-huge", "\"resolution\":8", "\"resolution\":512"), ("resolution-zero", "\"resolution\":8", "\"resolution\":0"),
                                     ("short-lower", "\"lower\":[", "\"lower\":[1,"), ("blocks-negative", "\"occupancyBlocks\":2", "\"occupancyBlocks\":-2"),
                                     ("step-scale-zero", "\"stepScale\":0.5", "\"stepScale\":0"), ("patch-zero", "\"patchSize\":4", "\"patchSize\":0"),
                                     ("rays-zero", "\"raysPerBatch\":4096", "\"raysPerBatch\":0"), ("iteration-negative", "\"iteration\":2", "\"iteration\":-2")] {
                add(.checkpoint, name, files: ["recon/checkpoint.orbitrf": FuzzCorpus.editHeader(checkpoint, from, to)])
            }
            var huge = [UInt8](checkpoint)
            huge[12] = 0xFF; huge[13] = 0xFF; huge[14] = 0xFF; huge[15] = 0x7F
            add(.checkpoint, "header-length-huge", files: ["recon/checkpoint.orbitrf": Data(huge)])
        }
    }

    mutating func meshes() {
        // meshes
        let plyHead = "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n"
        add(.ply, "index-past-end", files: ["m.ply": text(plyHead + "3 0 1 7\n")])
        add(.ply, "index-negative", files: ["m.ply": text(plyHead + "3 0 -1 2\n")])
        add(.ply, "list-past-end", files: ["m.ply": text(plyHead + "200 0 1 2\n")])
        add(.ply, "two-billion-vertices", files: ["m.ply": text(plyHead.replacingOccurrences(of: "vertex 3", with: "vertex 2000000000") + "3 0 1 2\n")])
        // found by the fuzzer: assimp's triangulation asserts on a face of no vertices, and its line-based ASCII
        // reader desynchronises on a NUL or a lone carriage return inside a line
        add(.ply, "face-of-no-vertices", files: ["m.ply": text(plyHead + "0\n")])
        add(.ply, "nul-in-text", files: ["m.ply": text(plyHead.replacingOccurrences(of: "1 0 0\n", with: "1 0\u{0}0\n") + "3 0 1 2\n")])
        add(.ply, "lone-carriage-return", files: ["m.ply": text(plyHead.replacingOccurrences(of: "1 0 0\n", with: "1\r0 0\n") + "3 0 1 2\n")])
        add(.ply, "vertex-over-two-lines", files: ["m.ply": text(plyHead.replacingOccurrences(of: "1 0 0\n", with: "1 0\n0\n") + "3 0 1 2\n")])
        add(.ply, "truncated-binary", seed: 0, files: ["m.ply": seeds[.ply]![0].files["m.ply"]!.prefix(300)])
        if let glb = seeds[.glb]?.first?.files["m.glb"] {
            var claims = [UInt8](glb)
            claims[12] = 0x00; claims[13] = 0x00; claims[14] = 0x00; claims[15] = 0x80  // JSON chunk of 2 GB
            add(.glb, "chunk-claims-2GB", files: ["m.glb": Data(claims)])
        }
        add(.stl, "count-past-end", files: ["m.stl": Data(repeating: 0, count: 80) + Data([0xFF, 0xFF, 0xFF, 0x7F]) + Data(repeating: 0, count: 100)])
    }

    mutating func images() {
        // images
        add(.png, "20000-squared-1-bit", files: ["data/images/f1.png": FuzzCorpus.pngHeader(width: 20000, height: 20000, bitDepth: 1, colorType: 0)])
        add(.png, "not-a-png", files: ["data/images/f1.png": text("hello")])
        if let jpeg = seeds[.jpeg]?.first?.files["data/images/f1.jpg"] {
            add(.jpeg, "truncated", files: ["data/images/f1.jpg": jpeg.prefix(jpeg.count / 2)])
            var huge = [UInt8](jpeg)
            if let sof = (0..<(huge.count - 9)).first(where: { huge[$0] == 0xFF && huge[$0 + 1] == 0xC0 }) {
                huge[sof + 5] = 0xFD; huge[sof + 6] = 0xE8; huge[sof + 7] = 0xFD; huge[sof + 8] = 0xE8
            }
            add(.jpeg, "65000-squared", files: ["data/images/f1.jpg": Data(huge)])
        }
    }

    mutating func videos() {
        // videos
        if let mp4 = seeds[.mp4]?.first?.files["clip.mp4"] {
            add(.mp4, "half", files: ["clip.mp4": mp4.prefix(mp4.count / 2)])
            add(.mp4, "garbage", files: ["clip.mp4": Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })])
        }
    }
}
