import Foundation

/// The few EXIF fields Orbit uses, read from a JPEG's APP1 segment with every offset checked against the
/// file (written here: the JPEG shim reads only the orientation tag, and libexif would be a new dependency for
/// one more tag). A damaged or absent EXIF block is nil, never an error: it is a hint.
public enum EXIF {
    /// The focal length in 35 mm film terms (tag FocalLengthIn35mmFilm), millimetres, when the file has one.
    public static func focalLength35mm(jpeg data: Data) -> Double? {
        guard let tiff = app1(data) else { return nil }
        return focal35(tiff)
    }

    /// The focal length in pixels for an image of `width` × `height` (either orientation): the 35 mm equivalent
    /// scaled by the longer side over the 36 mm of the film's longer side.
    public static func focalPixels(jpeg data: Data, width: Int, height: Int) -> Double? {
        guard let f = focalLength35mm(jpeg: data), f > 1, f < 2000 else { return nil }
        return f * Double(max(width, height)) / 36
    }

    /// The TIFF block of the first `Exif\0\0` APP1 segment.
    static func app1(_ data: Data) -> [UInt8]? {
        let b = [UInt8](data.prefix(1 << 20))
        guard b.count > 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        var i = 2
        while i + 4 <= b.count, b[i] == 0xFF {
            let marker = b[i + 1]
            if marker == 0xDA || marker == 0xD9 { return nil }  // image data: no EXIF before it
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { return nil }
            if marker == 0xE1, length >= 8, Array(b[(i + 4)..<(i + 10)]) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
                return Array(b[(i + 10)..<(i + 2 + length)])
            }
            i += 2 + length
        }
        return nil
    }

    static func focal35(_ t: [UInt8]) -> Double? {
        guard t.count >= 8 else { return nil }
        let little: Bool
        if t[0] == 0x49, t[1] == 0x49 { little = true } else if t[0] == 0x4D, t[1] == 0x4D { little = false } else { return nil }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= t.count else { return nil }
            return little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        /// The value field (its offset) of `tag` in the directory at `ifd`.
        func entry(_ ifd: Int, _ tag: Int) -> Int? {
            guard let count = u16(ifd), count <= 1000 else { return nil }
            for k in 0..<count {
                let e = ifd + 2 + 12 * k
                guard let found = u16(e) else { return nil }
                if found == tag { return e + 8 }
            }
            return nil
        }
        guard let ifd0 = u32(4), let pointer = entry(ifd0, 0x8769), let exif = u32(pointer), let value = entry(exif, 0xA405),
              let f = u16(value), f > 0 else { return nil }
        return Double(f)
    }
}
