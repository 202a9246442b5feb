import Foundation

/// The figures and pictures of one `orbit run`, and the HTML page that shows them.
public struct RunReport: Sendable {
    public struct ViewPair: Sendable {
        /// Image paths relative to the report.
        public var truth: String
        public var render: String
        public var name: String
        public var psnr: Double
        public var ssim: Double
        public init(truth: String, render: String, name: String, psnr: Double, ssim: Double) {
            self.truth = truth; self.render = render; self.name = name; self.psnr = psnr; self.ssim = ssim
        }
    }
    /// One row of the training log.
    public struct CurvePoint: Sendable {
        public var iteration: Int, seconds: Double, psnr: Double
        public init(iteration: Int, seconds: Double, psnr: Double) { self.iteration = iteration; self.seconds = seconds; self.psnr = psnr }
    }

    public var title: String
    /// (label, value) rows of the figures table, in order.
    public var figures: [(String, String)] = []
    public var views: [ViewPair] = []
    public var curve: [CurvePoint] = []
    /// Renders of the exported mesh, paths relative to the report.
    public var meshViews: [String] = []
    /// The mesh's facets shaded by their normals, and its texture unlit, from the same viewpoints.
    public var normalViews: [String] = []
    public var texturedViews: [String] = []
    /// (label, relative path) of the files the run made.
    public var links: [(String, String)] = []
    public init(title: String) { self.title = title }

    /// Every image the page shows, relative to it.
    public var images: [String] { views.flatMap { [$0.truth, $0.render] } + meshViews + normalViews + texturedViews }

    public func html() -> String {
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
        table.figures td { padding: 2px 14px 2px 0; } table.figures td:first-child { color: #555; }
        .pairs { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 14px; }
        .pair img, .mesh img { width: 160px; height: auto; image-rendering: auto; border: 1px solid #ddd; }
        .pair figcaption, .mesh figcaption { font-size: 13px; color: #555; }
        figure { margin: 0; } .mesh { display: flex; flex-wrap: wrap; gap: 10px; } .mesh img { width: 240px; }
        svg text { font: 12px system-ui, sans-serif; fill: #444; }
        </style></head><body>
        <h1>\(escape(title))</h1>

        """
        h += "<h2>Figures</h2>\n<table class=\"figures\">\n"
        for (label, value) in figures { h += "<tr><td>\(escape(label))</td><td>\(escape(value))</td></tr>\n" }
        h += "</table>\n"
        if !views.isEmpty {
            h += "<h2>Held-out views: ground truth (left) and reconstruction (right), same cameras</h2>\n<div class=\"pairs\">\n"
            for v in views {
                h += "<figure class=\"pair\"><img src=\"\(escape(v.truth))\" alt=\"ground truth \(escape(v.name))\"> "
                    + "<img src=\"\(escape(v.render))\" alt=\"reconstruction \(escape(v.name))\">"
                    + String(format: "<figcaption>%@: PSNR %.2f dB, SSIM %.4f</figcaption></figure>\n", escape(v.name), v.psnr, v.ssim)
            }
            h += "</div>\n"
        }
        if curve.count >= 2 { h += "<h2>Training curve</h2>\n" + curveSVG() + "\n" }
        for (heading, paths, kind) in [("Exported mesh, rendered by Orbit's path tracer", meshViews, "mesh view"),
                                       ("Exported mesh, each facet shaded by its normal (dents and holes show here first)", normalViews, "normals view"),
                                       ("Exported mesh with its baked texture, unlit", texturedViews, "textured view")] where !paths.isEmpty {
            h += "<h2>\(escape(heading))</h2>\n<div class=\"mesh\">\n"
            for (i, path) in paths.enumerated() {
                h += "<figure><img src=\"\(escape(path))\" alt=\"\(kind) \(i + 1)\"><figcaption>view \(i + 1)</figcaption></figure>\n"
            }
            h += "</div>\n"
        }
        if !links.isEmpty {
            h += "<h2>Files</h2>\n<ul>\n"
            for (label, path) in links { h += "<li><a href=\"\(escape(path))\">\(escape(label))</a></li>\n" }
            h += "</ul>\n"
        }
        return h + "</body></html>\n"
    }

    /// Training-batch PSNR against training time, with labelled axes and ticks.
    func curveSVG() -> String {
        let width = 720.0, height = 300.0, left = 56.0, right = 16.0, top = 14.0, bottom = 40.0
        let tMax = max(curve.map(\.seconds).max() ?? 1, 1e-6)
        let finite = curve.map(\.psnr).filter(\.isFinite)
        let pLo = ((finite.min() ?? 0) / 5).rounded(.down) * 5, pHi = max(((finite.max() ?? 1) / 5).rounded(.up) * 5, pLo + 5)
        func x(_ t: Double) -> Double { left + t / tMax * (width - left - right) }
        func y(_ p: Double) -> Double { top + (1 - (p - pLo) / (pHi - pLo)) * (height - top - bottom) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">\n"
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(width - left - right)\" height=\"\(height - top - bottom)\" fill=\"none\" stroke=\"#bbb\"/>\n"
        var p = pLo
        while p <= pHi + 1e-9 {
            s += String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
                        left, width - right, y(p), y(p), left - 6, y(p) + 4, p)
            p += 5
        }
        for k in 0...4 {
            let t = tMax * Double(k) / 4
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", x(t), height - bottom + 16, t)
        }
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">training time, s</text>\n", (left + width - right) / 2, height - 6)
        s += String(format: "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">batch PSNR, dB</text>\n",
                    (top + height - bottom) / 2, (top + height - bottom) / 2)
        let points = curve.filter { $0.psnr.isFinite }.map { String(format: "%.1f,%.1f", x($0.seconds), y(min(max($0.psnr, pLo), pHi))) }
        s += "<polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>\n</svg>"
        return s
    }
}

func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
