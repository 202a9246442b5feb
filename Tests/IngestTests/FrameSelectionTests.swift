import Foundation
import Ingest
import Media
import Testing

@Suite struct FrameSelectionTests {
    /// A checkerboard, optionally blurred by a box filter of radius r.
    func board(blur r: Int) -> Image8 {
        var image = Image8(width: 64, height: 48, channels: 3)
        for y in 0..<48 { for x in 0..<64 {
            var sum = 0, n = 0
            for dy in -r...r { for dx in -r...r {
                let xx = min(max(x + dx, 0), 63), yy = min(max(y + dy, 0), 47)
                sum += ((xx / 4 + yy / 4) % 2) * 255; n += 1
            } }
            for c in 0..<3 { image[x, y, c] = UInt8(sum / n) }
        } }
        return image
    }

    @Test func blurLowersSharpness() {
        let sharp = FrameSelection.sharpness(board(blur: 0)), soft = FrameSelection.sharpness(board(blur: 1)), softer = FrameSelection.sharpness(board(blur: 3))
        #expect(sharp > soft && soft > softer && softer >= 0)
    }

    @Test func picksTheSharpestOfEachStretch() {
        // 10 frames, 5 picks: stretches [0,1] [2,3] [4,5] [6,7] [8,9]
        let scores: [Double] = [1, 5, 9, 2, 3, 3, 0, 7, 4, 4]
        #expect(FrameSelection.select(scores: scores, count: 5) == [1, 2, 4, 7, 8])
        #expect(FrameSelection.select(scores: scores, count: 10) == Array(0..<10))
        #expect(FrameSelection.select(scores: scores, count: 1) == [2])
    }
}
