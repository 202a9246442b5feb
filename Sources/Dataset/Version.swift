/// The version of Orbit written into every file it produces (metadata.json, reconstruction.json, run.json).
public let orbitVersion = "0.1.0"

/// Progress of a long job (frames rendered, iterations trained), reported after each unit of work.
public struct JobProgress: Sendable {
    /// Units done (frames, iterations).
    public var done: Int
    /// Units in all.
    public var total: Int
    /// Seconds since the job started.
    public var elapsed: Double
    /// Figures to show beside the count (e.g. loss and PSNR).
    public var detail: String = ""
    /// Progress of `done` of `total` after `elapsed` seconds, with an optional detail.
    public init(done: Int, total: Int, elapsed: Double, detail: String = "") {
        self.done = done; self.total = total; self.elapsed = elapsed; self.detail = detail
    }
}
