import CFFmpeg

/// A raster of `channels` interleaved samples per pixel, rows top to bottom.
public struct Image<Sample: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var samples: [Sample]

    public init(width: Int, height: Int, channels: Int, samples: [Sample]) {
        precondition(samples.count == width * height * channels, "sample count does not match the image size")
        self.width = width; self.height = height; self.channels = channels; self.samples = samples
    }

    public init(width: Int, height: Int, channels: Int) {
        self.init(width: width, height: height, channels: channels, samples: Array(repeating: 0, count: width * height * channels))
    }

    @inlinable public subscript(x: Int, y: Int, c: Int) -> Sample {
        get { samples[(y * width + x) * channels + c] }
        set { samples[(y * width + x) * channels + c] = newValue }
    }
}

public typealias Image8 = Image<UInt8>
public typealias Image16 = Image<UInt16>

/// A NUL-terminated C character buffer as a String.
func cText(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

/// Calls `body` with an AVFrame's plane pointers and line sizes, which Swift imports as fixed-size tuples.
func withPlanes<R>(of frame: UnsafeMutablePointer<AVFrame>,
                   _ body: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int32>) -> R) -> R {
    withUnsafeMutablePointer(to: &frame.pointee.data) { dataTuple in
        dataTuple.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { planes in
            withUnsafeMutablePointer(to: &frame.pointee.linesize) { lineTuple in
                lineTuple.withMemoryRebound(to: Int32.self, capacity: 8) { lines in body(planes, lines) }
            }
        }
    }
}
