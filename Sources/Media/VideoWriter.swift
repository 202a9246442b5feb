import CFFmpeg
import Foundation

/// Encodes RGB frames into an MP4 file: H.264 (libx264 through libavcodec), yuv420p, constant frame rate.
/// Odd image sizes are padded by one edge pixel, since 4:2:0 chroma needs even dimensions.
public final class VideoWriter {
    public let url: URL
    public let width: Int, height: Int
    private let encodedWidth: Int, encodedHeight: Int
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var stream: UnsafeMutablePointer<AVStream>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var scaler: OpaquePointer?
    private var nextPTS: Int64 = 0
    private var finished = false

    /// - Parameters:
    ///   - frameRate: frames per second (converted to an exact rational where possible).
    ///   - crf: x264 constant rate factor, 0 (lossless) ... 51. Default 18 (visually lossless).
    public init(url: URL, width: Int, height: Int, frameRate: Double, crf: Int = 18) throws {
        self.url = url; self.width = width; self.height = height
        encodedWidth = width + width % 2; encodedHeight = height + height % 2
        // libav* would print to stderr; only the CLI talks to the terminal
        av_log_set_level(AV_LOG_QUIET)
        func check(_ status: Int32, _ what: String) throws {
            if status < 0 { throw MediaError(file: url.path, message: "\(what) failed: \(Self.errorText(status))") }
        }
        try check(avformat_alloc_output_context2(&format, nil, "mp4", url.path), "creating the MP4 container")
        guard let encoder = avcodec_find_encoder_by_name("libx264") else {
            throw MediaError(file: url.path, message: "libavcodec has no libx264 encoder; install Debian's libavcodec59 with x264 support")
        }
        stream = avformat_new_stream(format, nil)
        codec = avcodec_alloc_context3(encoder)
        guard let stream, let codec else { throw MediaError(file: url.path, message: "out of memory") }
        let rate = av_d2q(frameRate, 100_000)
        codec.pointee.width = Int32(encodedWidth)
        codec.pointee.height = Int32(encodedHeight)
        codec.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        codec.pointee.time_base = AVRational(num: rate.den, den: rate.num)
        codec.pointee.framerate = rate
        codec.pointee.gop_size = 12
        codec.pointee.thread_count = 1  // frames arrive one at a time; a single thread keeps output deterministic
        if format!.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            codec.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        av_opt_set(codec.pointee.priv_data, "preset", "medium", 0)
        av_opt_set(codec.pointee.priv_data, "crf", String(crf), 0)
        try check(avcodec_open2(codec, encoder, nil), "opening the H.264 encoder")
        try check(avcodec_parameters_from_context(stream.pointee.codecpar, codec), "configuring the video stream")
        stream.pointee.time_base = codec.pointee.time_base
        stream.pointee.avg_frame_rate = rate
        try check(avio_open(&format!.pointee.pb, url.path, AVIO_FLAG_WRITE), "opening the file")
        try check(avformat_write_header(format, nil), "writing the MP4 header")

        frame = av_frame_alloc()
        packet = av_packet_alloc()
        frame!.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        frame!.pointee.width = Int32(encodedWidth)
        frame!.pointee.height = Int32(encodedHeight)
        try check(av_frame_get_buffer(frame, 0), "allocating a frame")
        scaler = sws_getContext(Int32(encodedWidth), Int32(encodedHeight), AV_PIX_FMT_RGB24, Int32(encodedWidth), Int32(encodedHeight),
                                AV_PIX_FMT_YUV420P, SWS_BICUBIC, nil, nil, nil)
        if scaler == nil { throw MediaError(file: url.path, message: "cannot create the colour converter") }
    }

    deinit {
        sws_freeContext(scaler)
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        if let format {
            if !finished, format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
            avformat_free_context(format)
        }
    }

    /// Appends one frame of 8-bit sRGB RGB samples (width × height × 3, rows top to bottom).
    public func append(rgb: [UInt8]) throws {
        precondition(rgb.count == width * height * 3, "frame size does not match the video")
        var padded = rgb
        if encodedWidth != width || encodedHeight != height {
            // replicate the last column / row into the padding
            padded = [UInt8](repeating: 0, count: encodedWidth * encodedHeight * 3)
            for y in 0..<encodedHeight {
                let sy = min(y, height - 1)
                for x in 0..<encodedWidth {
                    let sx = min(x, width - 1)
                    for c in 0..<3 { padded[(y * encodedWidth + x) * 3 + c] = rgb[(sy * width + sx) * 3 + c] }
                }
            }
        }
        guard av_frame_make_writable(frame) >= 0 else { throw MediaError(file: url.path, message: "frame buffer not writable") }
        padded.withUnsafeBufferPointer { source in
            var sourcePlanes: [UnsafePointer<UInt8>?] = [source.baseAddress, nil, nil, nil]
            var sourceStrides: [Int32] = [Int32(encodedWidth * 3), 0, 0, 0]
            _ = withPlanes(of: frame!) { planes, lines in
                sws_scale(scaler, &sourcePlanes, &sourceStrides, 0, Int32(encodedHeight), planes, lines)
            }
        }
        frame!.pointee.pts = nextPTS
        nextPTS += 1
        try send(frame)
    }

    /// Flushes the encoder and closes the file.
    public func finish() throws {
        guard !finished else { return }
        try send(nil)
        let status = av_write_trailer(format)
        if status < 0 { throw MediaError(file: url.path, message: "writing the MP4 trailer failed: \(Self.errorText(status))") }
        avio_closep(&format!.pointee.pb)
        finished = true
    }

    private func send(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        var status = avcodec_send_frame(codec, frame)
        if status < 0 { throw MediaError(file: url.path, message: "encoding failed: \(Self.errorText(status))") }
        while true {
            status = avcodec_receive_packet(codec, packet)
            if status == orbit_averror_eagain() || status == orbit_averror_eof() { return }
            if status < 0 { throw MediaError(file: url.path, message: "encoding failed: \(Self.errorText(status))") }
            // libx264 leaves durations at 0, which makes the container one frame short
            packet!.pointee.duration = 1
            av_packet_rescale_ts(packet, codec!.pointee.time_base, stream!.pointee.time_base)
            packet!.pointee.stream_index = stream!.pointee.index
            status = av_interleaved_write_frame(format, packet)
            if status < 0 { throw MediaError(file: url.path, message: "writing a packet failed: \(Self.errorText(status))") }
        }
    }

    static func errorText(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        av_strerror(code, &buffer, buffer.count)
        return cText(buffer)
    }
}
