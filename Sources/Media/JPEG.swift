import CFFmpeg
import Foundation

/// JPEG decoding through libavcodec's MJPEG decoder (FFmpeg is already a dependency for video,
/// so no separate JPEG library is needed). Output is 8-bit RGB.
public enum JPEG {
    public static func isJPEG(_ data: Data) -> Bool { data.count > 3 && data[data.startIndex] == 0xFF && data[data.startIndex + 1] == 0xD8 }

    public static func decode(_ data: Data, name: String) throws -> Image8 {
        av_log_set_level(AV_LOG_QUIET)
        guard let codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG) else {
            throw MediaError(file: name, message: "libavcodec has no JPEG decoder")
        }
        var context = avcodec_alloc_context3(codec)
        var packet = av_packet_alloc()
        var frame = av_frame_alloc()
        defer { avcodec_free_context(&context); av_packet_free(&packet); av_frame_free(&frame) }
        guard context != nil, packet != nil, frame != nil, avcodec_open2(context, codec, nil) >= 0 else {
            throw MediaError(file: name, message: "cannot open the JPEG decoder")
        }
        // libavcodec reads up to AV_INPUT_BUFFER_PADDING_SIZE bytes past the end of a packet
        guard av_new_packet(packet, Int32(data.count)) >= 0 else { throw MediaError(file: name, message: "out of memory") }
        data.withUnsafeBytes { raw in packet!.pointee.data.update(from: raw.bindMemory(to: UInt8.self).baseAddress!, count: data.count) }
        guard avcodec_send_packet(context, packet) >= 0, avcodec_send_packet(context, nil) >= 0,
              avcodec_receive_frame(context, frame) >= 0 else {
            throw MediaError(file: name, message: "not a decodable JPEG image")
        }
        let width = Int(frame!.pointee.width), height = Int(frame!.pointee.height)
        guard width > 0, height > 0, let scaler = sws_getContext(Int32(width), Int32(height), AVPixelFormat(frame!.pointee.format),
                                                                  Int32(width), Int32(height), AV_PIX_FMT_RGB24, SWS_BILINEAR, nil, nil, nil) else {
            throw MediaError(file: name, message: "unsupported JPEG pixel format")
        }
        defer { sws_freeContext(scaler) }
        var image = Image8(width: width, height: height, channels: 3)
        image.samples.withUnsafeMutableBufferPointer { out in
            var planes: [UnsafeMutablePointer<UInt8>?] = [out.baseAddress, nil, nil, nil]
            var strides: [Int32] = [Int32(width * 3), 0, 0, 0]
            _ = withPlanes(of: frame!) { sourcePlanes, sourceLines in
                sourcePlanes.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { constPlanes in
                    sws_scale(scaler, constPlanes, sourceLines, 0, Int32(height), &planes, &strides)
                }
            }
        }
        return image
    }
}
