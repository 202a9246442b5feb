import CFFmpeg
import FileSafety
import Foundation

/// What a video file holds, as its container reports it.
public struct VideoInfo: Sendable {
    public var width: Int
    public var height: Int
    /// Frames per second (the stream's average rate).
    public var frameRate: Double
    /// Seconds, or 0 when the container does not say.
    public var duration: Double
    /// Frames the container announces (or duration × rate); decoding gives the exact count.
    public var estimatedFrames: Int
    /// Codec and container names, e.g. "h264" and "mov,mp4,m4a,3gp,3g2,mj2".
    public var codec: String
    public var container: String
}

/// Decodes a video file's first video stream through libavformat / libavcodec (MP4, MOV, MKV, WebM; H.264,
/// H.265, VP9, AV1 and whatever else Debian's FFmpeg decodes) into 8-bit sRGB RGB frames in display order.
/// A file that cannot be opened is an error; a damaged or truncated one decodes up to where it breaks, and
/// `damaged` says so.
public final class VideoReader {
    public let url: URL
    public let info: VideoInfo
    /// Set after `forEachFrame` when packets failed to decode or the file ended early.
    public private(set) var damaged = false

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private let streamIndex: Int32

    public init(url: URL) throws {
        self.url = url
        av_log_set_level(AV_LOG_QUIET)
        func fail(_ what: String, _ status: Int32) -> MediaError {
            MediaError(file: url.path, message: "\(what): \(VideoWriter.errorText(status)) (is it a video file?)")
        }
        var status = avformat_open_input(&format, url.path, nil, nil)
        if status < 0 { throw fail("cannot open the video", status) }
        status = avformat_find_stream_info(format, nil)
        if status < 0 { avformat_close_input(&format); throw fail("cannot read the video's streams", status) }
        let index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard index >= 0 else {
            avformat_close_input(&format)
            throw MediaError(file: url.path, message: "the file has no video stream")
        }
        streamIndex = index
        let stream = format!.pointee.streams[Int(index)]!
        let parameters = stream.pointee.codecpar!
        guard let decoder = avcodec_find_decoder(parameters.pointee.codec_id) else {
            avformat_close_input(&format)
            throw MediaError(file: url.path, message: "no decoder for its codec \(String(cString: avcodec_get_name(parameters.pointee.codec_id)))")
        }
        codec = avcodec_alloc_context3(decoder)
        status = avcodec_parameters_to_context(codec, parameters)
        if status >= 0 {
            codec!.pointee.thread_count = Int32(min(ProcessInfo.processInfo.activeProcessorCount, 8))
            status = avcodec_open2(codec, decoder, nil)
        }
        if status < 0 {
            avcodec_free_context(&codec); avformat_close_input(&format)
            throw fail("cannot open the decoder", status)
        }
        let rate = stream.pointee.avg_frame_rate.den > 0 && stream.pointee.avg_frame_rate.num > 0
            ? av_q2d(stream.pointee.avg_frame_rate) : av_q2d(stream.pointee.r_frame_rate)
        var duration = 0.0
        if stream.pointee.duration != orbit_av_nopts_value() && stream.pointee.duration > 0 {
            duration = Double(stream.pointee.duration) * av_q2d(stream.pointee.time_base)
        } else if format!.pointee.duration > 0 {
            duration = Double(format!.pointee.duration) / Double(AV_TIME_BASE)
        }
        let announced = Int(stream.pointee.nb_frames)
        info = VideoInfo(width: Int(parameters.pointee.width), height: Int(parameters.pointee.height),
                         frameRate: rate.isFinite ? rate : 0, duration: duration,
                         estimatedFrames: announced > 0 ? announced : (Checked.integer(duration * rate, in: 0...(1 << 40)) ?? 0),
                         codec: String(cString: avcodec_get_name(parameters.pointee.codec_id)),
                         container: String(cString: format!.pointee.iformat.pointee.name))
        guard info.width > 0, info.height > 0 else {
            avcodec_free_context(&codec); avformat_close_input(&format)
            throw MediaError(file: url.path, message: "the video stream has no frame size")
        }
        do { try ResourceBudget.current.checkImage(width: info.width, height: info.height, for: url.path) } catch {
            avcodec_free_context(&codec); avformat_close_input(&format)
            throw MediaError(file: url.path, message: "frames of \(info.width)x\(info.height) pixels are more than the limit of \(ResourceBudget.current.maxImagePixels) pixels a frame")
        }
    }

    deinit {
        avcodec_free_context(&codec)
        avformat_close_input(&format)
    }

    /// Decodes from the start, calling `body` with each frame's index (display order, from 0) and its RGB image
    /// scaled to fit within `maxSide` pixels (nil: full size). `body` returns false to stop. Returns the number of
    /// frames decoded. Can be called again (it seeks back to the start).
    @discardableResult
    public func forEachFrame(maxSide: Int? = nil, _ body: (Int, Image8) throws -> Bool) throws -> Int {
        damaged = false
        if av_seek_frame(format, streamIndex, 0, AVSEEK_FLAG_BACKWARD) >= 0 { avcodec_flush_buffers(codec) }
        guard let packet = av_packet_alloc(), let frame = av_frame_alloc() else { throw MediaError(file: url.path, message: "out of memory") }
        var packetPointer: UnsafeMutablePointer<AVPacket>? = packet, framePointer: UnsafeMutablePointer<AVFrame>? = frame
        var scaler: OpaquePointer? = nil
        defer { av_packet_free(&packetPointer); av_frame_free(&framePointer); sws_freeContext(scaler) }
        var index = 0
        var stop = false

        func drain() throws {
            while !stop {
                let status = avcodec_receive_frame(codec, frame)
                if status == orbit_averror_eagain() || status == orbit_averror_eof() { return }
                if status < 0 { damaged = true; return }
                let sw = Int(frame.pointee.width), sh = Int(frame.pointee.height)
                var w = sw, h = sh
                if let maxSide, max(sw, sh) > maxSide {
                    let s = Double(maxSide) / Double(max(sw, sh))
                    w = max(1, Int((Double(sw) * s).rounded())); h = max(1, Int((Double(sh) * s).rounded()))
                }
                scaler = sws_getCachedContext(scaler, Int32(sw), Int32(sh), AVPixelFormat(frame.pointee.format), Int32(w), Int32(h),
                                              AV_PIX_FMT_RGB24, SWS_AREA, nil, nil, nil)
                guard scaler != nil else { throw MediaError(file: url.path, message: "cannot convert its pixel format to RGB") }
                // swscale's vector paths may write past the end of a row and of the last one: convert into a padded
                // buffer with aligned rows (as av_image_alloc makes), then copy the pixels out
                let stride = (w * 3 + 63) / 64 * 64
                var padded = [UInt8](repeating: 0, count: stride * (h + 1) + 64)
                padded.withUnsafeMutableBufferPointer { out in
                    var planes: [UnsafeMutablePointer<UInt8>?] = [out.baseAddress, nil, nil, nil]
                    var strides: [Int32] = [Int32(stride), 0, 0, 0]
                    _ = withPlanes(of: frame) { source, lines in
                        sws_scale(scaler, source.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { $0 }, lines, 0, Int32(sh),
                                  &planes, &strides)
                    }
                }
                var image = Image8(width: w, height: h, channels: 3)
                for y in 0..<h { image.samples.replaceSubrange(y * w * 3..<(y + 1) * w * 3, with: padded[y * stride..<y * stride + w * 3]) }
                av_frame_unref(frame)
                if try !body(index, image) { stop = true }
                index += 1
            }
        }

        while !stop {
            let status = av_read_frame(format, packet)
            if status < 0 {
                if status != orbit_averror_eof() { damaged = true }
                break
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            if avcodec_send_packet(codec, packet) < 0 { damaged = true; continue }
            try drain()
        }
        if !stop {
            avcodec_send_packet(codec, nil)   // flush the decoder's delayed frames
            try drain()
        }
        // the container announced more frames than could be decoded: cut short
        if !stop, info.estimatedFrames > 0, Double(index) < 0.9 * Double(info.estimatedFrames) { damaged = true }
        return index
    }
}
